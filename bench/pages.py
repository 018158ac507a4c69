"""The public page endpoints of bench/run.py alone (home, topic, a deep topic page, the budgets page, a deep
API page) and the
bare limit, on a copy of an existing bench database. Same gunicorn settings and wrk runs as the bench.

    .venv/bin/python bench/pages.py --size 10k --label after [--env CONSULT_PAGE_CACHE_ENABLED=false] [--no-bare]

The database is a copy of bench/.data/<size>/template.sqlite (or the last run.sqlite), migrated;
results are printed and appended to bench/.data/pages.jsonl. Not part of make bench.
"""

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import build, server  # noqa: E402
from bench.load import Req  # noqa: E402
from bench.run import FULL, Endpoint, measure  # noqa: E402


def source(size: str) -> Path:
    folder = ROOT / "bench" / ".data" / size
    template = folder / "template.sqlite"
    return template if template.exists() else folder / "run.sqlite"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--no-bare", action="store_true")
    args = ap.parse_args()
    work = ROOT / "bench" / ".data" / "pages" / args.size
    work.mkdir(parents=True, exist_ok=True)
    db = work / "run.sqlite"
    for stale in work.glob("run.sqlite*"):
        stale.unlink()
    shutil.copyfile(source(args.size), db)
    env = build.env_for(db)
    env.update(dict(e.split("=", 1) for e in args.env))
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "consult", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, capture_output=True)
    conn = sqlite3.connect(db)
    slug = "roles"
    pub_topic = conn.execute("SELECT count(*) FROM comment c JOIN topic t ON t.id=c.topic_id WHERE t.slug=? "
                             "AND c.status='published'", (slug,)).fetchone()[0]
    pub_all = conn.execute("SELECT count(*) FROM comment WHERE status='published'").fetchone()[0]
    conn.close()
    tp, ap_ = max(1, (pub_topic + 19) // 20 // 2), max(1, (pub_all + 19) // 20 // 2)
    eps = [Endpoint("home", "/", [Req("GET", "/")], (200,), "get"),
           Endpoint("topic", f"/c/kumamoto-ward-offices-h26/topics/{slug}", [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}")], (200,), "get"),
           Endpoint("topic_page_n", f"/c/kumamoto-ward-offices-h26/topics/{slug}?page={tp}", [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}?page={tp}")], (200,), "get"),
           Endpoint("reference_budgets", "/reference/budgets", [Req("GET", "/reference/budgets")], (200,), "get"),
           Endpoint("api_comments", f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?page={ap_}", [Req("GET", f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?page={ap_}")], (200,), "get")]
    out = {"size": args.size, "label": args.label, "env": args.env, "load_start": os.getloadavg()[0], "results": {}}
    with server.serve("consult:create_app()", env, log=work / "gunicorn.log") as (proc, port):
        pids = server.workers(proc)
        c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}")
        page = c.getresponse().read(); c.close()
        (work / "topic.html").write_bytes(page)
        for ep in eps:
            out["results"][ep.key] = measure(port, ep, FULL, pids, None)
    if not args.no_bare:
        benv = {"BENCH_BARE_PAGE": str(work / "topic.html"), "BENCH_BARE_DB": str(work / "bare.sqlite")}
        with server.serve("bench.bare_app:app", benv, log=work / "gunicorn-bare.log") as (proc, port):
            pids = server.workers(proc)
            ep = Endpoint("bare", "bare", [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}")], (200,), "get")
            out["results"]["bare"] = measure(port, ep, FULL, pids, None)
    out["load_end"] = os.getloadavg()[0]
    bare = out["results"].get("bare")
    print(f"== {args.size} {args.label} {args.env} load {out['load_start']:.1f}→{out['load_end']:.1f}")
    for k, r in out["results"].items():
        L, U = r["loaded"], r["unloaded"]
        ratio = f"{L['rps'] / bare['loaded']['rps']:.2f}x" if bare else ""
        cpu_ratio = f"{bare['loaded']['cpu_ms_per_request'] / L['cpu_ms_per_request']:.2f}x" if bare else ""
        print(f"{k:14} {r['label'][:40]:40} {L['rps']:8.1f} req/s p50 {L['p50_ms']:7.2f} alone p50 {U['p50_ms']:7.2f} "
              f"CPU {L['cpu_ms_per_request']:7.2f} ms/req  rate÷bare {ratio} cpu {cpu_ratio}")
    with open(ROOT / "bench" / ".data" / "pages.jsonl", "a") as fh:
        fh.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
