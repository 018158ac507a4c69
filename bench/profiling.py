"""Why an endpoint is slow: every SQL statement it runs, timed, with SQLite's query plan, and a
pyinstrument profile of the request — in-process, through Flask's test client, on a bench database.

    .venv/bin/python bench/profiling.py --db bench/.data/large/run.sqlite /staff/review /topics/roles

pyinstrument is installed into bench/.tools (git-ignored) by `make bench`, not into the project's
environment; without it, cProfile's top functions are shown instead.
"""

import argparse
import io
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "bench" / ".tools"
sys.path.insert(0, str(ROOT))

PROFILE_USER = ("bench-profile@example.jp", "bench-profile-password")


@dataclass
class Query:
    statement: str
    parameters: object
    seconds: float


@dataclass
class Profile:
    path: str
    status: int
    seconds: float
    queries: list[Query] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)
    profile_text: str = ""
    profiler: str = ""

    @property
    def sql_seconds(self) -> float:
        return sum(q.seconds for q in self.queries)

    def top_queries(self, n: int = 5) -> list[tuple[str, int, float, Query]]:
        """(normalised statement, times run, total seconds, the slowest run) by total time."""
        groups: dict[str, list[Query]] = {}
        for q in self.queries:
            groups.setdefault(normalise(q.statement), []).append(q)
        ranked = sorted(groups.items(), key=lambda kv: -sum(q.seconds for q in kv[1]))
        return [(stmt, len(qs), sum(q.seconds for q in qs), max(qs, key=lambda q: q.seconds))
                for stmt, qs in ranked[:n]]


def parse_spec(spec: str) -> tuple[str, str, dict]:
    """"/path", "POST /path {json}" or "POST /path a=1&b=2" → (method, path, test-client keyword arguments)."""
    if not spec.startswith("POST "):
        return "GET", spec, {}
    _method, path, *rest = spec.split(" ", 2)
    body = rest[0] if rest else ""
    if body.startswith("{"):
        import json

        return "POST", path, {"json": json.loads(body)}
    from urllib.parse import parse_qsl

    return "POST", path, {"data": dict(parse_qsl(body, keep_blank_values=True))}


def normalise(statement: str) -> str:
    return re.sub(r"\s+", " ", statement).strip()


def _pyinstrument():
    if TOOLS.is_dir() and str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    try:
        from pyinstrument import Profiler

        return Profiler
    except ImportError:
        return None


def make_app(db_path: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("CONSULT_SECRET_KEY", "bench-profile")
    os.environ["CONSULT_RATELIMIT_ENABLED"] = "false"
    from consult import create_app

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False  # the profile is of the page, not of the CSRF check
    with app.app_context():
        from sqlalchemy import select

        from consult.auth.models import User
        from consult.auth.services import create_user
        from consult.extensions import db

        if db.session.scalar(select(User).where(User.email == PROFILE_USER[0])) is None:
            create_user(PROFILE_USER[0], "secretariat", PROFILE_USER[1], "bench profile")
    return app


def profile_paths(db_path: Path, paths: list[str], *, interval: float = 0.001,
                  pragmas: list[str] | None = None) -> list[Profile]:
    from sqlalchemy import event

    app = make_app(db_path)
    if pragmas:  # an experiment: extra PRAGMAs on every connection (e.g. cache_size=-262144)
        with app.app_context():
            from consult.extensions import db as _db

            @event.listens_for(_db.engine, "connect")
            def _extra_pragmas(dbapi_conn, _record):
                for pragma in pragmas:
                    dbapi_conn.execute(f"PRAGMA {pragma}")

            _db.engine.dispose()
    client = app.test_client()
    status = client.post("/login", data={"email": PROFILE_USER[0], "password": PROFILE_USER[1]}).status_code
    if status != 303:
        raise RuntimeError(f"profile: sign-in failed ({status})")
    results = []
    with app.app_context():
        from consult.extensions import db

        engine = db.engine
    for spec in paths:
        method, path, kwargs = parse_spec(spec)
        headers = {}
        if path.endswith(" [304]"):  # profile the unchanged poll: send the ETag back
            path = path[:-len(" [304]")]
            headers["If-None-Match"] = client.get(path).headers["ETag"]

        def send():
            return client.open(path, method=method, headers=headers, **kwargs)

        send()  # warm: templates compiled, caches filled
        queries: list[Query] = []
        starts: list[float] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            starts.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):
            queries.append(Query(statement, parameters, time.perf_counter() - starts.pop()))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        Profiler = _pyinstrument()
        try:
            if Profiler is not None:
                profiler = Profiler(interval=interval)
                t0 = time.perf_counter()
                profiler.start()
                response = send()
                profiler.stop()
                seconds = time.perf_counter() - t0
                text = profiler.output_text(unicode=True, color=False, show_all=False)
                name = "pyinstrument"
            else:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                t0 = time.perf_counter()
                response = prof.runcall(send)
                seconds = time.perf_counter() - t0
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
                text, name = out.getvalue(), "cProfile"
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        result = Profile((f"{method} " if method != "GET" else "") + path + (" (If-None-Match)" if headers else ""), response.status_code, seconds, queries, profile_text=text, profiler=name)
        with engine.connect() as conn:
            for stmt, _n, _total, slowest in result.top_queries(5):
                try:
                    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + slowest.statement,
                                                slowest.parameters).all()
                    result.plans[stmt] = [f"{r[1]}→{r[0]} {r[3]}" for r in rows]
                except Exception as exc:  # a plan is evidence, never a reason to stop
                    result.plans[stmt] = [f"(no plan: {exc.__class__.__name__})"]
        results.append(result)
    return results


def trim_profile(text: str, *, max_lines: int = 60) -> str:
    """pyinstrument's call tree without the test client's and Werkzeug's frames above the view."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.search(r"\b(dispatch_request|full_dispatch_request)\b",
                                                                 line)), 0)
    body = [line for line in lines[start:] if line.strip()]
    return "\n".join(body[:max_lines])


def render(result: Profile, *, max_profile_lines: int = 60) -> str:
    """Markdown for RESULTS.md."""
    out = [f"**`{result.path}`** — {result.seconds * 1000:,.0f} ms in one request (status {result.status}); "
           f"{len(result.queries)} SQL statements took {result.sql_seconds * 1000:,.0f} ms of it "
           f"({100 * result.sql_seconds / result.seconds if result.seconds else 0:.0f} %).", "",
           "| # | ms (total) | runs | statement (shortened) | SQLite plan |", "|---|---:|---:|---|---|"]
    for i, (stmt, n, total, _slowest) in enumerate(result.top_queries(5), 1):
        short = stmt if len(stmt) <= 400 else stmt[:400] + " …"
        short = short.replace("|", "\\|")
        plan = "<br>".join(p.replace("|", "\\|") for p in result.plans.get(stmt, []))
        out.append(f"| {i} | {total * 1000:,.1f} | {n} | `{short}` | {plan} |")
    out += ["", f"<details><summary>{result.profiler} call tree</summary>", "", "```",
            trim_profile(result.profile_text, max_lines=max_profile_lines), "```", "</details>", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print a JSON list of the Markdown sections")
    parser.add_argument("--pragma", action="append", default=[], help="an extra PRAGMA per connection (experiments)")
    parser.add_argument("paths", nargs="+", help='paths to GET; end one with " [304]" to send its ETag back')
    args = parser.parse_args(argv)
    sections = [render(r, max_profile_lines=args.lines) for r in profile_paths(args.db.resolve(), args.paths, pragmas=args.pragma)]
    if args.json:
        import json

        print(json.dumps(sections, ensure_ascii=False))
    else:
        print("\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
