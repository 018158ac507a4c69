"""Verdicts on the targets of issue 7, and bench/RESULTS.md."""

from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent / "ANALYSIS.md"

FLAT_LIMIT = 1.3  # "flat": the larger consultation's median at most this many times the smaller's
LINEAR_LIMIT = 1.3  # "linear": the time per exported row at most this many times the smaller's
PAGES = ("home", "topic", "topic_page_n", "reference_budgets", "api_comments", "projector_200", "projector_304")
GET_ORDER = ("home", "topic", "topic_page_n", "reference_budgets", "api_comments", "projector_200", "projector_304",
             "dashboard")
DASHBOARD_MS = 50
POST_ORDER = ("vote_post", "comment_confirm", "comment_submit", "note_post")


def _loaded(ep: dict | None) -> dict | None:
    return (ep or {}).get("loaded")


def _alone(ep: dict | None) -> dict | None:
    return (ep or {}).get("unloaded")


def _ratio(a, b):
    return a / b if (a is not None and b) else None


def fmt(x, digits=1, unit=""):
    if x is None:
        return "—"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}{unit}"
        return f"{x:,.{digits}f}{unit}"
    return f"{x:,}{unit}"


def fx(x):
    return "—" if x is None else f"{x:.2f}×"


def verdicts(results: list[dict]) -> list[dict]:
    out = []
    largest, smallest = results[-1], results[0]
    names = [r["size"] for r in results]

    # 1. topic page ≥ 0.6×, reference budgets ≥ 0.5×, published-comments API ≥ 0.3× the bare page's rate
    for key, name, least in (("topic", "topic page", 0.6), ("reference_budgets", "reference page /reference/budgets", 0.5),
                             ("api_comments", "published-comments API", 0.3)):
        parts, ok = [], True
        for r in results:
            c, b = _loaded(r["endpoints"].get(key)), _loaded(r["bare"].get("bare_page"))
            ratio = _ratio(c and c["rps"], b and b["rps"])
            ok = ok and ratio is not None and ratio >= least
            parts.append(f"{r['size']}: {fx(ratio)} ({fmt(c and c['rps'])} vs {fmt(b and b['rps'])} req/s)")
        out.append({"target": f"{name} ≥ {least}× the bare page's rate", "measured": "; ".join(parts), "met": ok,
                    "profile": [key]})

    # 2. vote POST ≥ 0.5× the raw-insert rate, zero lost votes
    parts, ok = [], True
    for r in results:
        ep = r["endpoints"].get("vote_post") or {}
        c, b = _loaded(ep), _loaded(r["bare"].get("bare_insert"))
        ratio = _ratio(c and c["rps"], b and b["rps"])
        rows = ep.get("rows", {})
        ok = ok and ratio is not None and ratio >= 0.5 and rows.get("lost", 1) == 0
        parts.append(f"{r['size']}: {fx(ratio)} ({fmt(c and c['rps'])} vs {fmt(b and b['rps'])} req/s), "
                     f"{rows.get('acknowledged', '?'):,} acknowledged, {rows.get('added', '?'):,} rows added, "
                     f"{rows.get('lost', '?')} lost")
    out.append({"target": "vote POST ≥ 0.5× the raw-insert rate, zero lost votes", "measured": "; ".join(parts),
                "met": ok, "profile": ["vote_post"]})

    # 3. dashboard ≤ 50 ms median at the largest size (flat: in the page-times target below)
    d = _alone(largest["endpoints"].get("dashboard"))
    med = d and d["p50_ms"]
    out.append({"target": f"secretariat dashboard ≤ {DASHBOARD_MS} ms median at {largest['label']}",
                "measured": f"{largest['size']}: median {fmt(med, 0)} ms ({d and d['requests']} requests, one at a time)"
                            + "".join(f"; {r['size']}: {fmt((_alone(r['endpoints'].get('dashboard')) or {}).get('p50_ms'), 0)} ms"
                                      for r in results[:-1]),
                "met": bool(d and d["requests"]) and med <= DASHBOARD_MS, "profile": ["dashboard"]})

    # 4–5. exports
    for fmt_name, limit in (("csv", 3.0), ("xlsx", 20.0)):
        e = largest["exports"].get(fmt_name)
        met = e is not None and e["seconds"] <= limit and e["growth_mb"] <= 100
        rows = e["rows"] if e else largest["counts"]["comments"]
        out.append({"target": f"{fmt_name.upper()} export of all {rows:,} comments ≤ {limit:g} s, "
                              f"≤ 100 MB peak memory growth",
                    "measured": (f"{largest['size']}: {e['seconds']:.1f} s (of which {e['baseline_seconds']:.1f} s "
                                 f"start-up; {e.get('cpu_seconds', 0):.1f} s CPU), +{e['growth_mb']:.0f} MB "
                                 f"(peak RSS {e['peak_rss_mb']:.0f} MB)") if e else "—",
                    "met": met, "profile": [f"export_{fmt_name}"]})

    # 6. projector 304 ≤ 5 ms median
    parts, ok = [], True
    for r in results:
        a = _alone(r["endpoints"].get("projector_304"))
        ok = ok and bool(a and a["requests"]) and a["p50_ms"] <= 5
        parts.append(f"{r['size']}: {fmt(a and a['p50_ms'], 2)} ms")
    out.append({"target": "projector poll 304 ≤ 5 ms median", "measured": "; ".join(parts), "met": ok,
                "profile": ["projector_304"]})

    # 7. page times flat
    if len(results) > 1:
        parts, ok, missed = [], True, []
        for key in (*PAGES, "dashboard"):
            a, b = _alone(smallest["endpoints"].get(key)), _alone(largest["endpoints"].get(key))
            ratio = _ratio(b and b["p50_ms"], a and a["p50_ms"])
            flat = ratio is not None and ratio <= FLAT_LIMIT
            if not flat:
                missed.append(key)
            ok = ok and flat
            ca = (_loaded(smallest["endpoints"].get(key)) or {}).get("cpu_ms_per_request")
            cb = (_loaded(largest["endpoints"].get(key)) or {}).get("cpu_ms_per_request")
            parts.append(f"{key} {fx(ratio)} (CPU/req {fx(_ratio(cb, ca))})")
        out.append({"target": f"page times flat from {names[0]} to {names[-1]} (median ≤ {FLAT_LIMIT}×)",
                    "measured": ", ".join(parts), "met": ok, "profile": missed})
        # 8. exports linear
        parts, ok = [], True
        for fmt_name in ("csv", "xlsx"):
            a, b = smallest["exports"].get(fmt_name), largest["exports"].get(fmt_name)
            if not (a and b):
                continue
            per_a, per_b = a["net_seconds"] / a["rows"], b["net_seconds"] / b["rows"]
            ratio = _ratio(per_b, per_a)
            text = f"{fmt_name}: wall {1e6 * per_a:.0f} → {1e6 * per_b:.0f} µs per row ({fx(ratio)})"
            if a.get("cpu_seconds") and b.get("cpu_seconds"):
                # CPU time per row: what the export costs, whatever else the machine is doing.
                cpu_a = (a["cpu_seconds"] - a["baseline_cpu_seconds"]) / a["rows"]
                cpu_b = (b["cpu_seconds"] - b["baseline_cpu_seconds"]) / b["rows"]
                ratio = _ratio(cpu_b, cpu_a)
                text += f", CPU {1e6 * cpu_a:.0f} → {1e6 * cpu_b:.0f} µs per row ({fx(ratio)})"
            ok = ok and ratio is not None and ratio <= LINEAR_LIMIT
            parts.append(text)
        out.append({"target": f"export times linear (time per row ≤ {LINEAR_LIMIT}×; judged on CPU time when measured)",
                    "measured": "; ".join(parts), "met": ok, "profile": []})
    return out


def _endpoint_rows(r: dict, keys, limit_key: str) -> list[str]:
    limit = r["bare"].get(limit_key) or {}
    ll, la = _loaded(limit), _alone(limit)
    rows = []
    for key in keys:
        ep = r["endpoints"].get(key)
        if ep is None:
            continue
        lo, al = _loaded(ep), _alone(ep)
        cpu = (lo or al or {}).get("cpu_ms_per_request")
        limit_cpu = (ll or {}).get("cpu_ms_per_request")
        extra = ""
        if ep.get("rows"):
            rw = ep["rows"]
            extra = f"{rw['added']:,} rows added for {rw['acknowledged']:,} acknowledged; lost {rw['lost']}"
        if ep.get("note"):
            extra = ep["note"]
        if ep.get("problems"):
            extra += " ⚠ " + "; ".join(ep["problems"])
        rows.append(
            f"| {ep['label']} | {fmt(lo and lo['rps'])} | {fmt(lo and lo['p50_ms'])} | {fmt(lo and lo['p99_ms'])} | "
            f"{fmt(al and al['p50_ms'], 2)} | {fmt(al and al['p99_ms'], 2)} | {fmt(cpu, 2)} | "
            f"{fx(_ratio(lo and lo['rps'], ll and ll['rps']))} | {fx(_ratio(limit_cpu, cpu))} | "
            f"{fx(_ratio(al and al['p50_ms'], la and la['p50_ms']))} | {extra} |")
    return rows


TABLE_HEAD = ("| endpoint | req/s (loaded) | p50 ms | p99 ms | p50 ms alone | p99 ms alone | CPU ms/req | "
              "rate ÷ limit | limit CPU ÷ CPU | alone p50 ÷ limit | notes |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def render(data: dict) -> str:
    m = data["machine"]
    results = data["results"]
    s = data["settings"]
    quick = data["quick"]
    lines = ["# consult benchmark (issue 7)", ""]
    if quick:
        lines += ["> **Quick mode** (`make bench-quick`): small sizes and a few seconds per endpoint — a smoke test "
                  "that the bench runs, not figures to judge the targets by.", ""]
    lines += [f"Made by `{data['command']}` on {data['finished_at']} in {data['seconds'] // 60} min {data['seconds'] % 60} s, "
              f"at commit `{m['git']}`" + (" with uncommitted changes in consult/ (others' work in progress)" if m.get("dirty") else "")
              + ".", ""]

    lines += ["## Machine", "", "| | |", "|---|---|",
              f"| CPU | {m['cpu']} |", f"| cores | {m['cores']} |", f"| RAM | {m['ram_gib']} GiB |",
              f"| OS, kernel | {m['os']}, {m['kernel']} |", f"| Python | {m['python']} |", f"| SQLite | {m['sqlite']} |",
              f"| Flask, SQLAlchemy | {m['flask']}, {m['sqlalchemy']} |", f"| gunicorn | {m['gunicorn']} |",
              f"| load generator | {m['wrk']} |", ""]
    loads = [x for r in results for x in r.get("loadavg", [])]
    busy = m.get("busy_at_start", []) + m.get("busy_at_end", [])
    lines += [f"**A busy machine.** The 1-minute load average was {m['loadavg_at_start'][0]:.1f} when the bench "
              f"started and {min(loads):.1f}–{max(loads):.1f} while it measured (the bench itself — wrk plus two "
              "busy workers — accounts for about 3 of that on 2 cores)." if loads else "",
              ("Other processes busy at the start or the end: " + "; ".join(f"`{b}`" for b in busy[:8]) + ". "
               "Throughput and latency are therefore lower and noisier than on a quiet machine; the CPU time per "
               "request (measured from the server processes' own CPU counters) and the ratios to the bare limit, "
               "measured minutes apart in the same conditions, hold better than the absolute rates.") if busy else
              "No other busy process was seen at the start or the end.", ""]

    lines += ["## How it was run", "",
              "```sh", "make bench          # everything below; writes bench/RESULTS.md (about 20–30 min)",
              "make bench-quick    # smoke test: small sizes, a few seconds per endpoint", "```", "",
              "For each size, with the commands in `bench/build.py` (the database is cached under "
              "`bench/.data/<size>/template.sqlite` and rebuilt when the schema, seed, demo data or populate "
              "script change; each run works on a fresh copy):", ""]
    for r in results:
        b = r["build"]
        lines.append(f"- **{r['size']}**: " + ("reused the database built " if b["reused"] else "built ")
                     + f"{b['built_at']} in {b['build_seconds']} s ("
                     + ", ".join(f"{k} {v} s" for k, v in b["steps"].items()) + ")")
    lines += ["", "```sh",
              "flask --app consult db upgrade && flask --app consult seed",
              "flask --app consult demo-data --participants P --comments C --votes V --no-staff",
              "python bench/populate.py --workshops 50 --notes 300 --seats 40   # workshops, notes, seats, dots, themes, opinion groups",
              "flask --app consult users create bench-secretariat@example.jp --role secretariat --password …",
              "gunicorn --workers 2 --worker-class gthread --threads 4 --timeout 300 --bind 127.0.0.1:PORT 'consult:create_app()'",
              "gunicorn --workers 2 --worker-class gthread --threads 4 --timeout 300 --bind 127.0.0.1:PORT 'bench.bare_app:app'",
              f"wrk -t1 -c8 -d{s['loaded']:g}s --timeout 120s -s <script>.lua URL      # loaded (staff dashboard: -c2)",
              f"wrk -t1 -c1 -d{s['unloaded']:g}s --timeout 120s -s <script>.lua URL      # alone: one request at a time",
              "flask --app consult secretariat export comments --format csv|xlsx --status all --output …",
              "```", "",
              f"Each endpoint: one checked request, {s['warm']:g} s of warm-up, {s['loaded']:g} s loaded "
              f"(8 connections; 2 for the dashboard), {s['unloaded']:g} s alone (1 connection). An endpoint slower "
              f"than 1 s per request is timed with {s['sequential']} sequential requests instead. Rate limiting is "
              "off (`CONSULT_RATELIMIT_ENABLED=false`, as in the project's own load test): every request comes from "
              "127.0.0.1, and the 1,200 writes/min per address ceiling would otherwise be what is measured. "
              "POSTs are counted in the database before and after: *lost* = acknowledged (2xx/303) minus rows "
              "added. Votes and comments come from a new participant each (no cookie), so each adds rows; notes "
              f"come from {s['browsers']} seated phones. *CPU ms/req* is the gunicorn workers' user+system CPU time "
              "over the loaded run divided by its requests.", ""]

    lines += ["## Sizes", "", "| | " + " | ".join(r["size"] for r in results) + " |",
              "|---|" + "---:|" * len(results)]
    for key, label in (("comments", "comments in all"), ("web_comments", "— of which web/demo comments"),
                       ("notes", "— of which workshop notes"), ("published", "published comments"),
                       ("votes", "votes"), ("participants", "participants"), ("supports", "supports"),
                       ("workshops", "workshops"), ("seats", "workshop seats"), ("dots", "dots"),
                       ("opinion_groups", "opinion groups"), ("grouped_comments", "comments in a group"),
                       ("db_mb", "database MB")):
        lines.append(f"| {label} | " + " | ".join(fmt(r["counts"].get(key)) for r in results) + " |")
    lines.append("")

    lines += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for v in data["verdicts"]:
        verdict = "**met**" if v["met"] else "**missed**" if v["met"] is False else "n/a"
        lines.append(f"| {v['target']} | {v['measured']} | {verdict} |")
    lines.append("")

    for r in results:
        lines += [f"## Figures at {r['size']} ({r['label']})", "",
                  "Pages, ratio to the bare Flask app serving a pre-rendered copy of the same topic page "
                  f"({r['facts']['page_bytes']:,} bytes):", "", TABLE_HEAD]
        lines += _endpoint_rows(r, GET_ORDER, "bare_page")
        lines += _endpoint_rows({"endpoints": r["bare"], "bare": r["bare"]}, ("bare_page",), "bare_page")
        lines += ["", "Writes, ratio to the bare Flask app doing one raw sqlite3 INSERT per POST:", "", TABLE_HEAD]
        lines += _endpoint_rows(r, POST_ORDER, "bare_insert")
        lines += _endpoint_rows({"endpoints": r["bare"], "bare": r["bare"]}, ("bare_insert",), "bare_insert")
        lines += ["", "Exports of all comments (every status), each in a process of its own:", "",
                  "| format | rows | seconds | of which start-up | CPU seconds | peak RSS MB | growth MB | output MB | tool |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for name, e in r["exports"].items():
            tool = "`flask secretariat export`" if e["tool"] == "cli" else "`bench/export_job.py`"
            lines.append(f"| {name.upper()} | {e['rows']:,} | {e['seconds']:.1f} | {e['baseline_seconds']:.1f} | "
                         f"{e.get('cpu_seconds', 0):.1f} | "
                         f"{e['peak_rss_mb']:.0f} | {e['growth_mb']:.0f} | {e['output_mb']:.1f} | {tool} |")
        lines += ["", "*Start-up* is the same command exporting no rows (a date filter in the future); *growth* "
                  "is the peak RSS above that command's peak.", ""]

    if len(results) > 1:
        a, b = results[0], results[-1]
        lines += [f"## From {a['size']} to {b['size']}", "",
                  f"| endpoint | p50 alone at {a['size']} | at {b['size']} | ratio | CPU ms/req at {a['size']} | at {b['size']} |",
                  "|---|---:|---:|---:|---:|---:|"]
        for key in GET_ORDER + POST_ORDER:
            ea, eb = a["endpoints"].get(key), b["endpoints"].get(key)
            if not (ea and eb):
                continue
            pa, pb = (_alone(ea) or {}).get("p50_ms"), (_alone(eb) or {}).get("p50_ms")
            ca = (_loaded(ea) or _alone(ea) or {}).get("cpu_ms_per_request")
            cb = (_loaded(eb) or _alone(eb) or {}).get("cpu_ms_per_request")
            lines.append(f"| {ea['label']} | {fmt(pa, 2)} | {fmt(pb, 2)} | {fx(_ratio(pb, pa))} | {fmt(ca, 2)} | {fmt(cb, 2)} |")
        for name in ("csv", "xlsx"):
            ea, eb = a["exports"].get(name), b["exports"].get(name)
            if ea and eb:
                lines.append(f"| {name.upper()} export, µs per row (net of start-up) | {1e6 * ea['net_seconds'] / ea['rows']:.0f} | "
                             f"{1e6 * eb['net_seconds'] / eb['rows']:.0f} | "
                             f"{fx(_ratio(eb['net_seconds'] / eb['rows'], ea['net_seconds'] / ea['rows']))} | | |")
        lines.append("")

    if data.get("profiles"):
        lines += [f"## Profiles of the missed targets (at {data['profiles'][0].get('size', '')}, made by the run)", "",
                  "Each: one request in-process (Flask test client, same database), every SQL statement timed with "
                  "SQLite's `EXPLAIN QUERY PLAN`, and pyinstrument's call tree (`bench/profiling.py`; pyinstrument "
                  "adds some overhead, so the total is above the served figure).", ""]
        for p in data["profiles"]:
            lines += [p["markdown"], ""]

    if ANALYSIS.exists() and not quick:
        lines += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines)
