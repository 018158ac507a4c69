"""axe-core in the page, and a record of every page checked.

Every browser test that checks a page calls `violations(page)`. Besides returning the problems,
it remembers what was checked (path, language, viewport, rules passed and failed), so that
`make accessibility` can publish the results of the run on the ウェブアクセシビリティ方針 page
instead of a hand-typed claim (conftest.py writes them when CONSULT_A11Y_RESULTS is set).
"""

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.1 A and AA: the level JIS X 8341-3:2016 AA asks for, and more (2.1 adds reflow, contrast of
# non-text parts, …).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Filled during the run; read by conftest.py at the end of the session.
CHECKED: list[dict] = []
# Other checks than axe (keyboard, reflow, zoom): name → passed.
MANUAL: dict[str, bool] = {}


def violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}}).response
    url = urlsplit(page.url)
    viewport = page.viewport_size or {}
    CHECKED.append({
        "area": area_of(url.path),
        "path": url.path + (f"?{url.query}" if url.query else ""),
        "title": page.title(),
        "lang": page.evaluate("document.documentElement.lang"),
        "width": viewport.get("width"),
        "passes": len(results["passes"]),
        "violations": [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
                       for v in results["violations"]],
        "axe": results.get("testEngine", {}).get("version"),
    })
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]]


def area_of(path: str) -> str:
    if path.startswith("/staff"):
        return "staff"
    if path.startswith("/w/"):
        return "workshop"
    return "public"


def record(check: str, passed: bool) -> None:
    """A check that is not axe's (keyboard-only flow, reflow, 200 % zoom) for the published results."""
    MANUAL[check] = MANUAL.get(check, True) and passed


# Set by the browser fixture: the Chromium that ran the checks.
ENVIRONMENT: dict[str, str] = {}


def write_results(target: str, *, exitstatus: int) -> None:
    import json
    import re
    import subprocess
    from datetime import datetime, timezone

    pages: dict[tuple, dict] = {}
    for check in CHECKED:  # the last check of a page in a language and width stands
        check = {**check, "path": re.sub(r"^/w/[^/?]+", "/w/<code>", check["path"])}
        pages[(check["path"], check["lang"], check["width"])] = check
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    results = {
        "generated_at_utc": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "commit": commit or None,
        "tests_passed": exitstatus == 0,
        "tags": TAGS,
        "axe": next((c["axe"] for c in CHECKED if c.get("axe")), None),
        "browser": ENVIRONMENT.get("browser"),
        "pages": sorted(pages.values(), key=lambda c: (c["area"], c["path"], c["lang"], c["width"] or 0)),
        "checks": dict(sorted(MANUAL.items())),
    }
    with open(target, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)
        f.write("\n")
