"""CPU per request of a workshop phone, in-process: the steps of the 300-phone load test
(tests/workshops/test_load.py) through Flask's test client, each timed with the process's CPU clock.

    .venv/bin/python bench/phone_cpu.py                     # the table (a fresh seeded SQLite file)
    .venv/bin/python bench/phone_cpu.py --profile bench/profiles/phone   # + cProfile and flame graphs
    .venv/bin/python bench/phone_cpu.py --url postgresql+psycopg://…/db  # an empty database of your own

Each phone: the join form, the join, the phone page, a note sent twice, the phone page, a note, the
dots page, a dot sent twice, two more dots and a third refused (budget 3), as in the load test.
CSRF and the rate limiter stay on (the limits lifted as in the load test), so the costs are the
served ones, minus gunicorn and the network.
"""

import argparse
import cProfile
import html as html_lib
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import flamegraph  # noqa: E402

STEPS = ("join form", "join", "phone page", "note", "dots page", "dot")


def make_app(url: str):
    from flask_migrate import upgrade

    from consult import create_app
    from consult.extensions import db
    from consult.seed.loader import load_seed

    app = create_app({"SECRET_KEY": "bench-phone", "SQLALCHEMY_DATABASE_URI": url,
                      "RATE_LIMIT_WRITES_PER_ADDRESS": "1000000/minute", "RATE_LIMIT_NOTES": "1000000/minute",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="phone-cpu-")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_seed()
        db.session.remove()
    return app


def open_workshop(app) -> tuple[str, list[int], list[int], dict]:
    from sqlalchemy import select

    from consult.auth.services import create_user
    from consult.extensions import db
    from consult.workshops import services as ws
    from consult.workshops.models import Workshop

    with app.app_context():
        w = db.session.scalar(select(Workshop).where(Workshop.key == "ws-chuo"))
        user = create_user(f"phone-cpu-{time.time_ns()}@example.jp", "facilitator", "phone cpu password!")
        w.facilitator_id, w.dots_per_participant = user.id, 3
        db.session.commit()
        ws.open_workshop(w, user)
        out = (w.join_code, [t.id for t in w.tables], [t.id for t in w.topics],
               {t.id: t.proposals[0].id for t in w.topics})
        db.session.remove()
    return out


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', text).group(1)


class Phone:
    def __init__(self, app, times: dict):
        self.client, self.times = app.test_client(), times

    def _timed(self, step, method, path, data=None, expect=None):
        t0 = time.process_time()
        response = self.client.open(path, method=method, data=data, headers={"Accept-Language": "ja"})
        self.times[step].append(time.process_time() - t0)
        if expect is not None and response.status_code != expect:
            raise RuntimeError(f"{step}: {response.status_code}, expected {expect}")
        return response.get_data(as_text=True)

    def script(self, code, i, tables, topics, proposals):
        table, topic = tables[i % len(tables)], topics[(i // len(tables)) % len(topics)]
        text = self._timed("join form", "GET", f"/w/{code}?table={table}", expect=200)
        self._timed("join", "POST", f"/w/{code}/join", {"csrf_token": _csrf(text), "table": str(table), "ward": "",
                                                        "relation": "resident" if i % 2 else "", "age_band": ""}, 303)
        bodies = [f"端末{i:03d}：窓口についての付箋1", f"端末{i:03d}：まちづくりについての付箋2"]
        for n, body in enumerate(bodies):
            text = self._timed("phone page", "GET", f"/w/{code}", expect=200)
            form = {"csrf_token": _csrf(text), "topic": str(topic), "body": body,
                    "submission_key": re.search(r'name="submission_key" value="([^"]+)"', text).group(1)}
            for _ in range(2 if n == 0 else 1):
                self._timed("note", "POST", f"/w/{code}/notes", form, 303)
        text = self._timed("dots page", "GET", f"/w/{code}/dots?topic={topic}&table={table}", expect=200)
        token = _csrf(text)
        ids = {html_lib.unescape(b): int(c) for c, b in re.findall(
            r'id="target-c(\d+)" class="ws-target">\s*<p class="ws-body" lang="ja">([^<]*)</p>', text)}
        slot = int(re.search(r'name="slot" value="(\d+)"', text).group(1))
        mine = [ids[b] for b in bodies]
        # The first dot sent twice with its slot; then three taps from the same page, the last refused.
        for target, hint, expect in ((f"c{mine[0]}", slot, 303), (f"c{mine[0]}", slot, 303),
                                     (f"p{proposals[topic]}", slot, 303), (f"c{mine[1]}", slot, 303),
                                     (f"c{mine[1]}", slot, 422)):
            self._timed("dot", "POST", f"/w/{code}/dots", {"csrf_token": token, "target": target, "slot": str(hint),
                                                          "topic": str(topic), "table": str(table)}, expect)


def run(app, phones: int, start: int = 0) -> dict:
    code, tables, topics, proposals = open_workshop(app) if not hasattr(app, "_phone_ws") else app._phone_ws
    app._phone_ws = (code, tables, topics, proposals)
    times: dict = defaultdict(list)
    for i in range(start, start + phones):
        Phone(app, times).script(code, i, tables, topics, proposals)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--profile", type=Path, help="write cProfile output and a flame graph here")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='phone-cpu-')}/phone.sqlite"
    os.environ.setdefault("CONSULT_SECRET_KEY", "bench-phone")
    app = make_app(url)
    run(app, 10)  # warm-up: compiled statements, templates, translations
    times = run(app, args.phones, 10)
    print(f"{'step':<12} {'n':>5} {'CPU ms median':>14} {'mean':>8} {'p99':>8}")
    for step in STEPS:
        values = times[step]
        p99 = statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]
        print(f"{step:<12} {len(values):>5} {1000 * statistics.median(values):>14.2f} "
              f"{1000 * statistics.mean(values):>8.2f} {1000 * p99:>8.2f}")
    everything = [v for step in STEPS for v in times[step]]
    print(f"{'all':<12} {len(everything):>5} {1000 * statistics.median(everything):>14.2f} "
          f"{1000 * statistics.mean(everything):>8.2f}")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        prof = cProfile.Profile()
        prof.runcall(run, app, 30, 10 + args.phones)
        prof.dump_stats(args.profile / "phone.prof")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(60)
        (args.profile / "phone.txt").write_text(out.getvalue())
        with flamegraph.Sampler() as sampler:
            run(app, 30, 40 + args.phones)
        (args.profile / "phone.svg").write_text(flamegraph.svg(sampler.stacks, title="30 phones"))


if __name__ == "__main__":
    main()
