"""Copy-paste campaigns where staff moderate: each comment of the moderation list that belongs to a
campaign of the consultation's latest finished text run is marked 「同じ文面 ×N（分析 #id）」, with
a link that lists the campaign's members (the review filter's ``campaign`` = "<run id>-<key>").

The secretariat asks through its signals (it does not import the analysis); the marks of a page
are read in two queries whatever its length (the run, then the page's points)."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..secretariat.signals import CommentSet, Mark, comment_marks, comment_set
from .models import AnalysisPoint, AnalysisRun, RunState

CAMPAIGN_VALUE = re.compile(r"(\d{1,9})-(C\d{1,7})")


def campaign_value(run_id: int, key: str) -> str:
    return f"{run_id}-{key}"


def latest_text_run(consultation_id: int) -> AnalysisRun | None:
    return db.session.scalar(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id, AnalysisRun.kind == "text",
        AnalysisRun.state == RunState.DONE.value).order_by(AnalysisRun.id.desc()).limit(1))


def campaign_sizes(run: AnalysisRun) -> dict[str, int]:
    return {c["key"]: c["size"] for c in run.summary.get("campaigns", [])}


def mark_text(size: int, run_id: int) -> str:
    return _("同じ文面 ×%(n)d（分析 #%(id)d）", n=size, id=run_id)


@comment_marks.connect
def _marks(consultation_id: int, *, comment_ids: list[int], **_kw) -> dict[int, Mark]:
    run = latest_text_run(consultation_id)
    if run is None:
        return {}
    sizes = campaign_sizes(run)
    rows = db.session.execute(select(AnalysisPoint.item_id, AnalysisPoint.campaign_key).where(
        AnalysisPoint.run_id == run.id, AnalysisPoint.item_id.in_(comment_ids),
        AnalysisPoint.campaign_key.is_not(None))).all()
    return {item: Mark(mark_text(sizes.get(key, 0), run.id), {"campaign": campaign_value(run.id, key)})
            for item, key in rows}


@comment_set.connect
def _campaign_members(consultation_id: int, *, name: str, value: str, **_kw) -> CommentSet | None:
    if name != "campaign":
        return None
    match = CAMPAIGN_VALUE.fullmatch(value or "")
    if match is None:
        return None
    run = db.session.get(AnalysisRun, int(match[1]))
    if run is None or run.consultation_id != consultation_id or run.kind != "text" or run.state != RunState.DONE.value:
        return None
    size = campaign_sizes(run).get(match[2])
    if size is None:
        return None
    ids = select(AnalysisPoint.item_id).where(AnalysisPoint.run_id == run.id, AnalysisPoint.campaign_key == match[2])
    return CommentSet(ids=ids, label=_l("同じ文面のご意見"), description=mark_text(size, run.id))
