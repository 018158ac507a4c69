import json
from datetime import datetime
from pathlib import Path

from flask import render_template

from ..consultation.services import current_consultation
from . import bp

RESULTS = Path(__file__).with_name("results.json")
# Parsed once per version of the file: it changes only when `make accessibility` is run.
_cache: dict[str, object] = {"mtime": None, "results": None}


def latest_results() -> dict | None:
    try:
        mtime = RESULTS.stat().st_mtime
    except FileNotFoundError:
        return None
    if _cache["mtime"] != mtime:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
        results["generated_at"] = datetime.fromisoformat(results["generated_at_utc"])
        _cache.update(mtime=mtime, results=summarise(results))
    return _cache["results"]


def summarise(results: dict) -> dict:
    """Group the checked pages by area, each page with its languages and widths, and count."""
    areas: dict[str, dict[str, dict]] = {}
    for check in results["pages"]:
        page = areas.setdefault(check["area"], {}).setdefault(
            check["path"], {"path": check["path"], "titles": {}, "runs": []})
        page["titles"].setdefault(check["lang"], check["title"].split(" | ")[0])
        page["runs"].append(check)
    results["areas"] = {area: sorted(pages.values(), key=lambda p: p["path"]) for area, pages in areas.items()}
    results["page_count"] = sum(len(pages) for pages in areas.values())
    results["run_count"] = len(results["pages"])
    results["violation_count"] = sum(sum(v["nodes"] for v in c["violations"]) for c in results["pages"])
    return results


@bp.route("/accessibility")
def policy():
    return render_template("accessibility/policy.html", consultation=current_consultation(),
                           results=latest_results())
