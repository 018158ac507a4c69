"""`make bench`: consult against the bare-Flask limit, at two sizes of consultation (issue 7).

    .venv/bin/python bench/run.py            # the full bench: 10k and 100k comments; writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick    # a smoke test: small sizes, a few seconds per endpoint;
                                             # writes bench/.data/RESULTS-quick.md

For each size: build (or reuse) the consultation, serve consult with gunicorn (2 workers) on
loopback and drive every endpoint with wrk; serve the bare limit (bench/bare_app.py) under the same
settings; time the CSV and XLSX exports; profile what misses its target. See bench/README.md.
"""

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import build, export_timing, load, report, server  # noqa: E402
from bench.client import Browser, hidden_value  # noqa: E402
from bench.load import Req  # noqa: E402

DATA = build.DATA
PUBLIC_CONNECTIONS = 8
STAFF_CONNECTIONS = 2
SLOW_SECONDS = 1.0  # an endpoint slower than this per request is timed sequentially, not with wrk

COMMENT_BODY = ("区役所の窓口で手続きと相談がまとめて済むようにしてほしいです。平日に休めない人のために、"
                "土曜日の午前中だけでも開けていただけると助かります。出張所は身近な場所に残してください。")
NOTE_BODY = "出張所の窓口を土曜日も開けてほしい（ベンチマーク）"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Settings:
    warm: float
    loaded: float
    unloaded: float
    sequential: int
    browsers: int


FULL = Settings(warm=2, loaded=10, unloaded=5, sequential=3, browsers=16)
QUICK = Settings(warm=1, loaded=2, unloaded=1, sequential=1, browsers=4)


# --- the machine ---------------------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    venv_python = ROOT / ".venv" / "bin" / "python"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "os": version(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"]),
        "python": version([str(venv_python), "-c", "import sys; print(sys.version.split()[0])"]),
        "sqlite": version([str(venv_python), "-c", "import sqlite3; print(sqlite3.sqlite_version)"]),
        "gunicorn": version([str(server.GUNICORN), "--version"]),
        "flask": version([str(venv_python), "-c", "import flask, importlib.metadata as m; print(m.version('flask'))"]),
        "sqlalchemy": version([str(venv_python), "-c", "import sqlalchemy; print(sqlalchemy.__version__)"]),
        "wrk": version(["sh", "-c", "wrk --version 2>&1 | head -1"]),
        "git": version(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"]),
        "dirty": bool(version(["sh", "-c", f"git -C {ROOT} status --porcelain consult migrations | head -1"])
                      not in ("", "unknown")),
    }


def others_cpu() -> list[str]:
    """The busiest processes that are not this bench's, for the note on a shared machine."""
    out = subprocess.run(["ps", "-eo", "pcpu,args", "--sort=-pcpu"], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        pcpu, _, args = line.strip().partition(" ")
        if "bench" in args or "wrk" in args or float(pcpu or 0) < 5:
            continue
        rows.append(f"{pcpu}% {args[:90]}")
    return rows[:6]


# --- preparing the requests ----------------------------------------------------------------

def ro(db: Path):
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


def scalar(db: Path, sql: str, *params):
    conn = ro(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def form_body(fields: dict) -> str:
    # "@KEY@" stays readable in the body: the Lua script replaces it with a fresh key per request.
    return urllib.parse.urlencode(fields, safe="@")


@dataclass
class Endpoint:
    key: str
    label: str
    requests: list
    expect: tuple
    kind: str  # "get" (ratio to the bare page) or "post" (ratio to the raw insert)
    connections: int = PUBLIC_CONNECTIONS
    count_sql: str | None = None  # rows a POST adds, counted before and after
    cookie: str = ""


def prepare(port: int, db: Path, meta: dict, settings: Settings, workdir: Path) -> tuple[list[Endpoint], dict]:
    """Sign in, fetch tokens, join a workshop; return the endpoints to measure and facts for the report."""
    b = Browser(port)
    status, _h, body = b.get("/api/v1/consultations/kumamoto-ward-offices-h26/topics")
    if status != 200:
        raise RuntimeError(f"/api/v1/consultations/kumamoto-ward-offices-h26/topics answered {status}")
    topics = json.loads(body)["topics"]
    topic = topics[0]
    slug = topic["slug"]
    published_topic = scalar(db, "SELECT count(*) FROM comment c JOIN topic t ON t.id = c.topic_id "
                                 "WHERE t.slug = ? AND c.status = 'published'", slug)
    published_all = scalar(db, "SELECT count(*) FROM comment WHERE status = 'published'")
    topic_page = max(1, (published_topic + 19) // 20 // 2)
    api_page = max(1, (published_all + 19) // 20 // 2)

    # The bare limit serves this very page.
    status, _h, page_html = b.get(f"/c/kumamoto-ward-offices-h26/topics/{slug}")
    if status != 200:
        raise RuntimeError(f"/c/kumamoto-ward-offices-h26/topics/{slug} answered {status}")
    (workdir / "topic.html").write_bytes(page_html)

    # Votes: every proposal and value, each request a new participant (no cookie) → one new row.
    vote_reqs = []
    for t in topics:
        for p in t["proposals"]:
            for value in ("agree", "disagree", "pass"):
                vote_reqs.append(Req("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"Content-Type": "application/json"},
                                     json.dumps({"topic": t["slug"], "proposal": p["key"], "value": value,
                                                 "ward": "chuo", "relation": "resident"})))

    # The comment form: each browser fetched the form for its CSRF token and session cookie.
    confirm_reqs, submit_reqs = [], []
    for i in range(settings.browsers):
        browser = Browser(port)
        token = browser.csrf(f"/c/kumamoto-ward-offices-h26/topics/{slug}/comment")
        fields = {"csrf_token": token, "ward": ["chuo", "higashi", "nishi", "minami", "kita"][i % 5],
                  "relation": "resident", "age_band": "40s", "body": COMMENT_BODY, "consent": "1", "website": ""}
        headers = {"Cookie": browser.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"}
        confirm_reqs.append(Req("POST", f"/c/kumamoto-ward-offices-h26/topics/{slug}/comment", headers, form_body({**fields, "action": "confirm"})))
        submit_reqs.append(Req("POST", f"/c/kumamoto-ward-offices-h26/topics/{slug}/comment/submit", headers,
                               form_body({**fields, "submission_key": "@KEY@"})))
        browser.close()

    # Workshops: notes go to the first open workshop, the projector shows the second.
    conn = ro(db)
    open_ws = conn.execute("SELECT id, join_code FROM workshop WHERE state = 'open' ORDER BY id").fetchall()
    ws_notes, code = open_ws[0]
    ws_projector = open_ws[1][0] if len(open_ws) > 1 else open_ws[0][0]
    tables = [r[0] for r in conn.execute("SELECT id FROM workshop_table WHERE workshop_id = ? ORDER BY position",
                                         (ws_notes,))]
    ws_topics = [r[0] for r in conn.execute("SELECT topic_id FROM workshop_topic WHERE workshop_id = ?", (ws_notes,))]
    conn.close()
    note_reqs = []
    for i in range(settings.browsers):
        phone = Browser(port)
        token = phone.csrf(f"/w/{code}")
        status, _h, _b = phone.request("POST", f"/w/{code}/join", form={
            "csrf_token": token, "table": str(tables[i % len(tables)]), "ward": "", "relation": "resident"})
        if status != 303:
            raise RuntimeError(f"joining workshop {ws_notes} answered {status}")
        status, _h, page = phone.get(f"/w/{code}")
        token = hidden_value(page.decode(), "csrf_token") or token
        note_reqs.append(Req("POST", f"/w/{code}/notes",
                             {"Cookie": phone.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"},
                             form_body({"csrf_token": token, "topic": str(ws_topics[i % len(ws_topics)]),
                                        "body": NOTE_BODY, "submission_key": "@KEY@"})))
        phone.close()

    staff = Browser(port)
    staff.login(meta["secretariat"]["email"], meta["secretariat"]["password"])
    cookie = staff.cookie_header()
    projector = f"/staff/c/kumamoto-ward-offices-h26/workshops/{ws_projector}/projector.json"
    status, headers, _b = staff.get(projector)
    etag = headers.get("etag")
    if status != 200 or not etag:
        raise RuntimeError(f"{projector} answered {status} without an ETag")
    status, _h, _b = staff.get(projector, headers={"If-None-Match": etag})
    if status != 304:
        raise RuntimeError(f"{projector} with If-None-Match answered {status}, not 304")
    staff.close()

    staff_h = {"Cookie": cookie}
    endpoints = [
        Endpoint("home", "home page `/`", [Req("GET", "/")], (200,), "get"),
        Endpoint("topic", f"topic page `/topics/{slug}`", [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}")], (200,), "get"),
        Endpoint("topic_page_n", f"published comments `/topics/{slug}?page={topic_page}`",
                 [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}?page={topic_page}")], (200,), "get"),
        Endpoint("reference_budgets", "reference page `/reference/budgets` (SVG charts)",
                 [Req("GET", "/reference/budgets")], (200,), "get"),
        Endpoint("api_comments", f"published comments API `/api/v1/comments?page={api_page}`",
                 [Req("GET", f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?page={api_page}")], (200,), "get"),
        Endpoint("projector_200", f"projector poll, changed (200) `{projector}`", [Req("GET", projector, staff_h)],
                 (200,), "get", cookie=cookie),
        Endpoint("projector_304", "projector poll, unchanged (304, If-None-Match)",
                 [Req("GET", projector, {**staff_h, "If-None-Match": etag})], (304,), "get", cookie=cookie),
        Endpoint("dashboard", "secretariat dashboard `/staff/review`", [Req("GET", "/staff/c/kumamoto-ward-offices-h26/review", staff_h)], (200,),
                 "get", connections=STAFF_CONNECTIONS, cookie=cookie),
        Endpoint("vote_post", "vote POST (JSON API `/api/v1/votes`, new participant each)", vote_reqs, (200,),
                 "post", count_sql="SELECT count(*) FROM vote"),
        Endpoint("comment_confirm", "comment form POST → 確認 (CSRF)", confirm_reqs, (200,), "post"),
        Endpoint("comment_submit", "comment form POST → 完了 (CSRF, new participant each)", submit_reqs, (303,),
                 "post", count_sql="SELECT count(*) FROM comment"),
        Endpoint("note_post", f"workshop note POST `/w/{code}/notes` (CSRF, seated phone)", note_reqs, (303,), "post",
                 count_sql=f"SELECT count(*) FROM comment WHERE workshop_id = {ws_notes}"),
    ]
    facts = {"slug": slug, "topic_page": topic_page, "api_page": api_page, "published_topic": published_topic,
             "published_all": published_all, "workshop_notes": ws_notes, "workshop_projector": ws_projector,
             "page_bytes": len(page_html)}
    b.close()
    return endpoints, facts


# --- measuring -----------------------------------------------------------------------------

def check_once(port: int, ep: Endpoint) -> tuple[int, float]:
    """One request through Python: its status (must be expected) and how long it took."""
    r = ep.requests[0]
    b = Browser(port)
    body = r.body.replace("@KEY@", f"check-{time.time_ns()}") if r.body else None
    headers = dict(r.headers)
    t0 = time.perf_counter()
    b.conn.request(r.method, r.path, body=body.encode() if body else None, headers=headers)
    response = b.conn.getresponse()
    response.read()
    seconds = time.perf_counter() - t0
    b.close()
    if response.status not in ep.expect:
        raise RuntimeError(f"{ep.key}: {r.method} {r.path} answered {response.status}, expected {ep.expect}")
    return response.status, seconds


def measure(port: int, ep: Endpoint, settings: Settings, pids: list[int], db: Path | None) -> dict:
    base = f"http://127.0.0.1:{port}"
    _status, first = check_once(port, ep)
    _status, seconds = check_once(port, ep)
    out: dict = {"label": ep.label, "kind": ep.kind, "single_request_ms": round(1000 * seconds, 1)}
    if seconds > SLOW_SECONDS:
        # Too slow for a timed wrk run: a few requests one after another.
        log(f"  {ep.key}: {seconds:.1f}s per request — timing {settings.sequential} sequential requests")
        res = load.run_sequential(port, ep.requests[0], count=settings.sequential, server_pids=pids)
        out.update(loaded=None, unloaded=res.as_dict(), note=f"{seconds:.1f} s per request: timed with "
                   f"{settings.sequential} sequential requests instead of wrk")
        return out
    # A slower endpoint gets longer runs, so that each run holds enough requests (up to 30 s).
    loaded_s = min(30.0, max(settings.loaded, 20 * seconds))
    alone_s = min(30.0, max(settings.unloaded, 20 * seconds))
    load.run_wrk(base, ep.requests, seconds=settings.warm, connections=ep.connections, server_pids=pids)
    before = scalar(db, ep.count_sql) if ep.count_sql else None
    loaded = load.run_wrk(base, ep.requests, seconds=loaded_s, connections=ep.connections, server_pids=pids)
    if ep.count_sql:
        time.sleep(1.0)  # requests in flight when wrk stopped finish on the server
        added = scalar(db, ep.count_sql) - before
        ok = loaded.count(*ep.expect)
        out["rows"] = {"added": added, "acknowledged": ok, "lost": max(0, ok - added),
                       "unacknowledged_extra": max(0, added - ok)}
    unloaded = load.run_wrk(base, ep.requests, seconds=alone_s, connections=1, server_pids=pids)
    for name, res in (("loaded", loaded), ("unloaded", unloaded)):
        bad = {k: v for k, v in res.statuses.items() if int(k) not in ep.expect}
        if bad or any(res.errors.values()):
            out.setdefault("problems", []).append(f"{name}: unexpected statuses {bad}, errors {res.errors}")
    out.update(loaded=loaded.as_dict(), unloaded=unloaded.as_dict())
    log(f"  {ep.key}: {loaded.rps:,.0f} req/s at {ep.connections} connections (p50 {loaded.p50_ms:.1f} ms, "
        f"p99 {loaded.p99_ms:.1f} ms); alone p50 {unloaded.p50_ms:.1f} ms")
    return out


def measure_bare(size: build.Size, page: Path, settings: Settings, workdir: Path, post_body: str,
                 slug: str) -> dict:
    from bench.bare_app import create_schema

    bare_db = workdir / "bare.sqlite"
    for stale in workdir.glob("bare.sqlite*"):
        stale.unlink()
    create_schema(str(bare_db))
    env = {"BENCH_BARE_PAGE": str(page), "BENCH_BARE_DB": str(bare_db)}
    out = {}
    with server.serve("bench.bare_app:app", env, log=workdir / "gunicorn-bare.log") as (process, port):
        pids = server.workers(process)
        page_ep = Endpoint("bare_page", "bare Flask: pre-rendered topic page", [Req("GET", f"/c/kumamoto-ward-offices-h26/topics/{slug}")],
                           (200,), "get")
        insert_ep = Endpoint("bare_insert", "bare Flask: one raw sqlite3 INSERT per POST",
                             [Req("POST", "/insert", {"Content-Type": "application/json"}, post_body)], (200,),
                             "post", count_sql="SELECT count(*) FROM raw_vote")
        for ep in (page_ep, insert_ep):
            out[ep.key] = measure(port, ep, settings, pids, bare_db)
    return out


def run_size(size: build.Size, settings: Settings, *, rebuild: bool, profile: bool) -> dict:
    started = time.monotonic()
    meta = build.build(size, rebuild=rebuild, echo=log)
    db = build.working_copy(size)
    workdir = DATA / size.name
    facts_counts = build.counts(db)
    log(f"[{size.name}] {facts_counts}")
    env = build.env_for(db)
    result: dict = {"size": size.name, "label": size.label, "build": {k: meta[k] for k in ("built_at", "build_seconds",
                                                                                          "steps", "reused")},
                    "counts": facts_counts, "endpoints": {}, "loadavg": [os.getloadavg()[0]]}
    log(f"[{size.name}] serving consult")
    with server.serve("consult:create_app()", env, log=workdir / "gunicorn-consult.log") as (process, port):
        pids = server.workers(process)
        endpoints, facts = prepare(port, db, meta, settings, workdir)
        result["facts"] = facts
        for ep in endpoints:
            log(f"[{size.name}] {ep.label}")
            result["endpoints"][ep.key] = measure(port, ep, settings, pids, db)
            result["loadavg"].append(os.getloadavg()[0])
        vote_body = endpoints[[e.key for e in endpoints].index("vote_post")].requests[0].body
        result["vote_body"] = vote_body
    log(f"[{size.name}] serving the bare limit")
    result["bare"] = measure_bare(size, workdir / "topic.html", settings, workdir, vote_body, facts["slug"])
    result["loadavg"].append(os.getloadavg()[0])

    tool = "cli" if export_timing.cli_available(env) else "job"
    result["exports"] = {}
    rows = build.counts(db)["comments"]
    for fmt in ("csv", "xlsx"):
        log(f"[{size.name}] export {fmt} of all {rows:,} comments ({'flask secretariat export' if tool == 'cli' else 'bench/export_job.py'})")
        run = export_timing.measure(fmt, env=env, workdir=workdir, log=workdir / "exports.log", rows=rows, tool=tool)
        result["exports"][fmt] = run.as_dict()
        log(f"  {fmt}: {run.seconds:.1f}s, peak RSS {run.peak_rss_mb:.0f} MB (+{run.growth_mb:.0f} MB), "
            f"{run.output_mb:.1f} MB written")
    result["loadavg"].append(os.getloadavg()[0])
    result["seconds"] = round(time.monotonic() - started)
    return result


def profile_misses(results: list[dict], verdicts: list[dict], settings: Settings) -> list[dict]:
    """Profile, on the largest size, the endpoints whose targets were missed."""
    from bench import profiling as prof

    largest = results[-1]
    db = DATA / largest["size"] / "run.sqlite"
    wanted: list[str] = []
    for v in verdicts:
        if v["met"] is False:
            wanted += v.get("profile", [])
    paths = []
    for key in dict.fromkeys(wanted):
        ep = largest["endpoints"].get(key)
        if ep is None:
            continue
        paths.append(key)
    if not paths:
        return []
    path_of = {"home": "/", "topic": f"/c/kumamoto-ward-offices-h26/topics/{largest['facts']['slug']}",
               "topic_page_n": f"/c/kumamoto-ward-offices-h26/topics/{largest['facts']['slug']}?page={largest['facts']['topic_page']}",
               "api_comments": f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?page={largest['facts']['api_page']}",
               "reference_budgets": "/reference/budgets",
               "dashboard": "/staff/c/kumamoto-ward-offices-h26/review",
               "projector_200": f"/staff/c/kumamoto-ward-offices-h26/workshops/{largest['facts']['workshop_projector']}/projector.json",
               "projector_304": f"/staff/c/kumamoto-ward-offices-h26/workshops/{largest['facts']['workshop_projector']}/projector.json [304]"}
    vote = largest["endpoints"].get("vote_post")
    if vote is not None and largest.get("vote_body"):
        path_of["vote_post"] = "POST /api/v1/votes " + largest["vote_body"]
    out = []
    todo = [(k, path_of[k]) for k in paths if k in path_of]
    log(f"profiling on {largest['size']}: {', '.join(p for _, p in todo)}")
    cmd = [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "bench" / "profiling.py"), "--db", str(db),
           "--json", *[p for _, p in todo]]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        log(f"profiling failed: {proc.stderr[-2000:]}")
        return [{"key": "error", "markdown": f"profiling failed:\n```\n{proc.stderr[-2000:]}\n```"}]
    for (key, _path), md in zip(todo, json.loads(proc.stdout)):
        out.append({"key": key, "size": largest["size"], "markdown": md})
    for fmt in ("csv", "xlsx"):
        if f"export_{fmt}" in wanted:
            out.append({"key": f"export_{fmt}", "size": largest["size"], "markdown": profile_export(fmt, db)})
    return out


def profile_export(fmt: str, db: Path) -> str:
    """pyinstrument over bench/export_job.py (the CLI's functions) for one format."""
    log(f"profiling the {fmt} export on {db.parent.name}")
    out = db.parent / f"profile-export.{fmt}"
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pyinstrument", "-r", "text", "-i", "0.005",
           str(ROOT / "bench" / "export_job.py"), "--format", fmt, "--output", str(out)]
    env = {**os.environ, **build.env_for(db), "PYTHONPATH": str(ROOT / "bench" / ".tools")}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    out.unlink(missing_ok=True)
    text = proc.stdout if proc.returncode == 0 else proc.stderr[-3000:]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if "main" in ln and "export_job" in ln), 0)
    kept = [ln for ln in lines[start:] if re.search(r"^\s*[│├└─ ]*\d+\.\d+ ", ln)]
    # The heaviest frames: lines whose time is at least 2 % of the whole.
    total = float(re.search(r"(\d+\.\d+)", kept[0]).group(1)) if kept else 0
    heavy = [ln for ln in kept if total and float(re.search(r"(\d+\.\d+)", ln).group(1)) >= 0.02 * total]
    return (f"**{fmt.upper()} export** (`bench/export_job.py --format {fmt}`, the CLI's functions) under pyinstrument, "
            f"frames of at least 2 % of {total:.1f} s:\n\n```\n" + "\n".join(heavy[:70]) + "\n```\n")


def ensure_tools(quick: bool) -> None:
    if not load.wrk_path():
        raise SystemExit("bench: wrk is not installed. As root: apt-get install -y wrk "
                         "(make bench does this itself when run as root).")
    tools = ROOT / "bench" / ".tools"
    if not (tools / "pyinstrument").exists() and not quick:
        log("installing pyinstrument into bench/.tools (the profiler; not a dependency of consult)")
        subprocess.run([str(ROOT / ".venv" / "bin" / "pip"), "install", "--quiet", "--target", str(tools),
                        "pyinstrument"], check=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds per endpoint (smoke test)")
    parser.add_argument("--sizes", default="", help="comma-separated size names (default: both of the mode)")
    parser.add_argument("--rebuild", action="store_true", help="build the databases anew even when cached")
    parser.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    parser.add_argument("--output", type=Path, help="where to write the report (default: bench/RESULTS.md, "
                                                    "or bench/.data/RESULTS-quick.md with --quick)")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report again from the last run's bench/.data/results*.json (e.g. after "
                             "editing bench/ANALYSIS.md), measuring nothing")
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads((DATA / ("results-quick.json" if args.quick else "results.json")).read_text())
        output = args.output or (DATA / "RESULTS-quick.md" if args.quick else ROOT / "bench" / "RESULTS.md")
        output.write_text(report.render(data))
        log(f"wrote {output}")
        return 0
    ensure_tools(args.quick)
    settings = QUICK if args.quick else FULL
    sizes = build.QUICK_SIZES if args.quick else build.FULL_SIZES
    if args.sizes:
        sizes = tuple(s for s in sizes if s.name in args.sizes.split(","))
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = machine()
    info["busy_at_start"] = others_cpu()
    info["loadavg_at_start"] = os.getloadavg()
    log(f"machine: {info['cpu']}, {info['cores']} cores, load {info['loadavg_at_start'][0]:.1f}")
    results = [run_size(size, settings, rebuild=args.rebuild, profile=not args.no_profile) for size in sizes]
    info["busy_at_end"] = others_cpu()
    verdicts = report.verdicts(results)
    profiles = [] if args.no_profile else profile_misses(results, verdicts, settings)
    total = round(time.monotonic() - started)
    data = {"machine": info, "settings": settings.__dict__, "quick": args.quick, "results": results,
            "verdicts": verdicts, "profiles": profiles, "seconds": total,
            "command": "make bench-quick" if args.quick else "make bench",
            "finished_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    output = args.output or (DATA / "RESULTS-quick.md" if args.quick else ROOT / "bench" / "RESULTS.md")
    (DATA / ("results-quick.json" if args.quick else "results.json")).write_text(
        json.dumps(data, indent=1, ensure_ascii=False))
    output.write_text(report.render(data))
    log(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} in {total} s")
    for v in verdicts:
        log(f"  {'MET   ' if v['met'] else 'MISSED' if v['met'] is False else 'n/a   '} {v['target']}: {v['measured']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
