"""The staff page of an analysis run (issue 16: "the staff pages showing a run ≤ 250 ms"), timed on
the bench databases, beside a bare Flask page of the same bytes measured in the same run.

    .venv/bin/python bench/analysis_pages.py [--size 10k --size 100k] [--requests 40] [--profile]

For each size: the bench database of bench/build.py (built or reused), migrated, then one text
analysis of the whole deliberation (`flask analysis run kumamoto-ward-offices-h26 --seed 0`, timed;
the analysed database is cached under bench/.data/analysis-pages/<size>/ until the template
changes). Then, under the bench's gunicorn settings (bench/server.py), signed in as the bench's
secretariat account, one request at a time on a keep-alive connection:

- ``run``: GET /staff/c/<slug>/analysis/<run_id> (the map, the groups and their splits);
- ``run_ward``: the same with ?ward=chuo (the map of one ward);
- ``api_run``: GET /api/v1/consultations/<slug>/analysis/runs/<run_id> (the same figures as JSON);
- ``runs``: GET /staff/c/<slug>/analysis (the list of runs and the form);
- ``bare``: bench/bare_app.py answering the run page's own bytes (no template, query or session).

Each: the first request after start-up (``cold``), 3 of warm-up, then N timed: median, p95, bytes.
``--profile`` adds a cProfile of one warm run-page request in this process (Flask's test client on
the same database), written to bench/.data/analysis-pages/<size>/profile.txt. Results are printed
and appended to bench/.data/analysis_pages.jsonl. Not part of make bench.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import build, server  # noqa: E402
from bench.client import Browser  # noqa: E402

SLUG = "kumamoto-ward-offices-h26"
WARD = "chuo"
SIZES = {s.name: s for s in build.FULL_SIZES + build.QUICK_SIZES}
HERE = build.DATA / "analysis-pages"


def analysed(size: build.Size, echo=print) -> tuple[Path, dict]:
    """The size's bench database with one finished text run of the deliberation (cached)."""
    meta = build.build(size, echo=echo)
    folder = HERE / size.name
    folder.mkdir(parents=True, exist_ok=True)
    db, info_path = folder / "analysed.sqlite", folder / "analysed.json"
    if db.exists() and info_path.exists():
        info = json.loads(info_path.read_text())
        if info.get("template_key") == meta["key"]:
            echo(f"[{size.name}] reusing the analysed database (run {info['run_id']}, "
                 f"analysed in {info['analysis_seconds']} s)")
            return db, {**info, "secretariat": meta["secretariat"]}
    for stale in folder.glob("analysed.sqlite*"):
        stale.unlink()
    building = folder / "building.sqlite"
    for stale in folder.glob("building.sqlite*"):
        stale.unlink()
    shutil.copyfile(build.DATA / size.name / "template.sqlite", building)
    env = {**os.environ, **build.env_for(building)}
    flask = [str(build.FLASK), "--app", "consult"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    echo(f"[{size.name}] flask analysis run {SLUG} --seed 0 …")
    started = time.monotonic()
    done = subprocess.run(flask + ["analysis", "run", SLUG, "--seed", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        raise RuntimeError(f"the analysis failed: {done.stderr[-2000:]}")
    run_id = int(done.stdout.strip().splitlines()[-1])
    conn = sqlite3.connect(building)
    input_count, summary = conn.execute("SELECT input_count, summary_json FROM analysis_run WHERE id = ?",
                                        (run_id,)).fetchone()
    groups = conn.execute("SELECT count(*), sum(parent_key IS NULL) FROM analysis_group WHERE run_id = ?",
                          (run_id,)).fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(building) + suffix)
        if src.exists():
            src.rename(Path(str(db) + suffix))
    info = {"template_key": meta["key"], "run_id": run_id, "analysis_seconds": seconds, "input_count": input_count,
            "groups": groups[0], "broad_groups": groups[1],
            "stage_seconds": json.loads(summary).get("stage_seconds", {})}
    info_path.write_text(json.dumps(info, indent=1))
    echo(f"[{size.name}] run {run_id}: {input_count:,} comments in {seconds} s")
    return db, {**info, "secretariat": meta["secretariat"]}


def timed(browser: Browser, path: str, n: int) -> dict:
    """The first request, 3 of warm-up, then n timed one at a time."""
    started = time.perf_counter()
    status, _headers, body = browser.get(path)
    cold = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")
    for _ in range(3):
        browser.get(path)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _headers, body = browser.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    times.sort()
    return {"path": path, "n": n, "cold_ms": round(cold, 1), "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(n - 1, int(round(0.95 * (n - 1))))], 1), "min_ms": round(times[0], 1),
            "bytes": len(body), "body": body}


def profile(db: Path, run_id: int, email: str, out: Path) -> str:
    """cProfile of one warm request of the run page, in this process."""
    os.environ.update(build.env_for(db))
    from sqlalchemy import select

    from consult import create_app
    from consult.auth.models import User
    from consult.extensions import db as sa

    app = create_app()
    client = app.test_client()
    with app.app_context():
        user_id = sa.session.scalar(select(User.id).where(User.email == email))
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user_id), True
    path = f"/staff/c/{SLUG}/analysis/{run_id}"
    assert client.get(path).status_code == 200
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(path)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    out.write_text(text.getvalue())
    return text.getvalue()


def measure(size_name: str, n: int, with_profile: bool) -> dict:
    size = SIZES[size_name]
    source, info = analysed(size)
    folder = HERE / size.name
    work = folder / "run.sqlite"
    for stale in folder.glob("run.sqlite*"):
        stale.unlink()
    shutil.copyfile(source, work)
    run_id = info["run_id"]
    page = f"/staff/c/{SLUG}/analysis/{run_id}"
    paths = {"run": page, "run_ward": f"{page}?ward={WARD}",
             "api_run": f"/api/v1/consultations/{SLUG}/analysis/runs/{run_id}", "runs": f"/staff/c/{SLUG}/analysis"}
    out = {"size": size.name, "input_count": info["input_count"], "groups": info["groups"],
           "analysis_seconds": info["analysis_seconds"], "load_start": round(os.getloadavg()[0], 1), "results": {}}
    env = build.env_for(work)
    with server.serve("consult:create_app()", env, log=folder / "gunicorn.log") as (_proc, port):
        browser = Browser(port)
        browser.login(info["secretariat"]["email"], info["secretariat"]["password"])
        for key, path in paths.items():
            out["results"][key] = timed(browser, path, n)
        browser.close()
    html = out["results"]["run"]["body"]
    drawn = re.search(rb'data-drawn="(\d+)" data-of="(\d+)"', html)
    out["dots"] = {"drawn": int(drawn.group(1)), "of": int(drawn.group(2))} if drawn else {
        "drawn": html.count(b"<use href=\"#scatter-m") - info["broad_groups"], "of": None}
    (folder / "run.html").write_bytes(html)
    benv = {"BENCH_BARE_PAGE": str(folder / "run.html"), "BENCH_BARE_DB": str(folder / "bare.sqlite")}
    with server.serve("bench.bare_app:app", benv, log=folder / "gunicorn-bare.log") as (_proc, port):
        browser = Browser(port)
        out["results"]["bare"] = timed(browser, f"/c/{SLUG}/topics/run", n)
        browser.close()
    out["load_end"] = round(os.getloadavg()[0], 1)
    for r in out["results"].values():
        r.pop("body")
    if with_profile:
        text = profile(work, run_id, info["secretariat"]["email"], folder / "profile.txt")
        out["profile"] = str((folder / "profile.txt").relative_to(ROOT))
        print("\n".join(text.splitlines()[:60]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", choices=sorted(SIZES))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    for size in args.size or ["10k", "100k"]:
        out = measure(size, args.requests, args.profile)
        out["label"] = args.label
        bare = out["results"]["bare"]["median_ms"]
        print(f"== {size}: {out['input_count']:,} comments, {out['groups']} groups, analysed in "
              f"{out['analysis_seconds']} s; map dots {out['dots']}; load {out['load_start']}→{out['load_end']}")
        print("| page | cold ms | median ms | p95 ms | bytes | median ÷ bare |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for key, r in out["results"].items():
            print(f"| {key} | {r['cold_ms']:.0f} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['bytes']:,} | "
                  f"{r['median_ms'] / bare:.1f}× |")
        with open(build.DATA / "analysis_pages.jsonl", "a") as fh:
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
