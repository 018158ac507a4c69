"""CPU per request of the hot paths, in-process, in seconds rather than the minutes of `make bench`.

    .venv/bin/python bench/hotpath.py --db bench/.data/10k/template.sqlite            # the table
    .venv/bin/python bench/hotpath.py --db … --profile bench/profiles                 # + profiles

Works on a copy of the database (the votes it casts go there). Each endpoint: a few warm-up
requests, then ``--n`` requests through Flask's test client, each timed with the process's CPU
clock; the bare app (bench/bare_app.py: a pre-rendered page, one raw INSERT) is measured the same
way, so the ratios compare like with like (the test client's own cost is in both).

``--profile DIR`` writes, per endpoint, cProfile's statistics (``<name>.prof``, ``<name>.txt``) and
a flame graph (``<name>.svg``) drawn from stacks sampled every millisecond (bench/flamegraph.py).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import flamegraph  # noqa: E402
from bench.profiling import make_app, PROFILE_USER  # noqa: E402


def _targets(db: Path) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        topics = conn.execute("SELECT t.id, t.slug FROM topic t JOIN consultation c ON c.id = t.consultation_id "
                              "WHERE c.slug = 'kumamoto-ward-offices-h26' ORDER BY t.number").fetchall()
        proposals = conn.execute("SELECT t.slug, p.key FROM proposal p JOIN topic t ON t.id = p.topic_id "
                                 "WHERE p.withdrawn_at_utc IS NULL AND t.id IN (%s)"
                                 % ",".join(str(t[0]) for t in topics)).fetchall()
        published = conn.execute("SELECT count(*) FROM comment WHERE status = 'published'").fetchone()[0]
    finally:
        conn.close()
    return {"slug": topics[0][1], "proposals": proposals, "api_page": max(1, (published + 19) // 20 // 2)}


def _vote_sender(app, proposals):
    bodies = [{"topic": slug, "proposal": key, "value": value, "ward": "chuo", "relation": "resident"}
              for slug, key in proposals for value in ("agree", "disagree", "pass")]
    sent = [0]

    def send():  # a new participant each, as in make bench
        body = bodies[sent[0] % len(bodies)]
        sent[0] += 1
        return app.test_client().post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json=body)

    return send


def measure(send, n: int, expect: int) -> list[float]:
    for _ in range(5):
        status = send().status_code
        if status != expect:
            raise RuntimeError(f"answered {status}, expected {expect}")
    times = []
    for _ in range(n):
        t0 = time.process_time()
        send()
        times.append(time.process_time() - t0)
    return times


def profile(name: str, send, n: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prof = cProfile.Profile()
    for _ in range(n):
        prof.runcall(send)
    prof.dump_stats(folder / f"{name}.prof")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
    (folder / f"{name}.txt").write_text(out.getvalue())
    with flamegraph.Sampler() as sampler:
        for _ in range(n):
            send()
    (folder / f"{name}.svg").write_text(flamegraph.svg(sampler.stacks, title=f"{name}: {n} requests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a bench database (copied, never written)")
    parser.add_argument("--n", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--profile", type=Path, help="write cProfile output and flame graphs here")
    parser.add_argument("--only", nargs="*", help="endpoint names to run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hotpath-"))
    db = work / "hotpath.sqlite"
    shutil.copyfile(args.db, db)
    targets = _targets(db)
    app = make_app(db)
    staff = app.test_client()  # make_app turns CSRF off for this sign-in; the pages measured keep it
    if staff.post("/login", data={"email": PROFILE_USER[0], "password": PROFILE_USER[1]}).status_code != 303:
        raise RuntimeError("sign-in failed")
    app.config["WTF_CSRF_ENABLED"] = True
    visitor = app.test_client()

    os.environ["BENCH_BARE_DB"] = str(work / "bare.sqlite")
    from bench import bare_app

    bare_app.create_schema(str(work / "bare.sqlite"))
    bare_app.DB = str(work / "bare.sqlite")
    bare_app.PAGE = visitor.get(f"/c/kumamoto-ward-offices-h26/topics/{targets['slug']}").data
    bare = bare_app.app.test_client()
    vote_body = {"topic": targets["slug"], "proposal": "x", "value": "agree", "ward": "chuo", "relation": "resident"}

    endpoints = {  # name → (send, expected status, the bare counterpart)
        "vote": (_vote_sender(app, targets["proposals"]), 200, "bare_insert"),
        "topic": (lambda: visitor.get(f"/c/kumamoto-ward-offices-h26/topics/{targets['slug']}"), 200, "bare_page"),
        "budgets": (lambda: visitor.get("/reference/budgets"), 200, "bare_page"),
        "api_comments": (lambda: visitor.get(f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?page={targets['api_page']}"), 200, "bare_page"),
        "dashboard": (lambda: staff.get("/staff/c/kumamoto-ward-offices-h26/review"), 200, None),
        "bare_page": (lambda: bare.get(f"/c/kumamoto-ward-offices-h26/topics/{targets['slug']}"), 200, None),
        "bare_insert": (lambda: bare.post("/insert", json=vote_body), 200, None),
    }
    wanted = set(args.only or endpoints) | {"bare_page", "bare_insert"}
    results = {}
    for name, (send, expect, _limit) in endpoints.items():
        if name not in wanted:
            continue
        n = max(10, args.n // 10) if name == "dashboard" else args.n
        times = measure(send, n, expect)
        results[name] = {"n": n, "median_ms": 1000 * statistics.median(times), "mean_ms": 1000 * statistics.mean(times)}
        if args.profile and not name.startswith("bare"):
            profile(name, send, n, args.profile)
    print(f"{'endpoint':<14} {'n':>5} {'CPU ms median':>14} {'mean':>8} {'limit ÷ it':>11}")
    for name, r in results.items():
        limit = endpoints[name][2]
        ratio = f"{results[limit]['mean_ms'] / r['mean_ms']:.2f}×" if limit in results else ""
        print(f"{name:<14} {r['n']:>5} {r['median_ms']:>14.2f} {r['mean_ms']:>8.2f} {ratio:>11}")
        r["ratio"] = ratio
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
