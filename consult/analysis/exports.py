"""A run as another tool reads it: JSON (every group with its members and the map) and, for a text
run, the CSV layout of kouchou-ai's result (formats in interop.py and docs/interop.md). The comment
text is the moderator's masked copy where there is one; exports are recorded in the audit log.
A comment (or a participant, in a votes run) that came from an import is named by the other
tool's id, so its result can be laid beside this one; the others by our own id."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..core.errors import InvalidInput
from ..extensions import db
from ..participation.models import Comment, Participant
from .interop import KouchouRow, RunExport, export_kouchou_csv, export_run_json
from .models import AnalysisPoint, AnalysisRun


def _points(run: AnalysisRun) -> list[AnalysisPoint]:
    return list(db.session.scalars(select(AnalysisPoint).where(AnalysisPoint.run_id == run.id)
                                   .order_by(AnalysisPoint.item_id)))


def _imported_ids(run: AnalysisRun, points: list[AnalysisPoint]) -> dict[int, str]:
    """Item id -> the id it was imported with, for the run's comments (text) or participants (votes)."""
    model = Comment if run.kind == "text" else Participant
    ids = [p.item_id for p in points]
    found: dict[int, str] = {}
    for start in range(0, len(ids), 5000):  # bounded IN lists
        found.update(db.session.execute(select(model.id, model.external_id).where(
            model.id.in_(ids[start:start + 5000]), model.external_id.is_not(None))).all())
    return found


def run_export(run: AnalysisRun) -> RunExport:
    points = _points(run)
    imported = _imported_ids(run, points)
    members: dict[str, list[dict]] = {}
    for p in points:
        for key in (p.group_key, p.subgroup_key):
            if key:
                members.setdefault(key, []).append({"id": p.item_id, "imported_id": imported.get(p.item_id)})
    return {"id": run.id, "kind": run.kind, "settings": run.settings, "input_count": run.input_count or 0,
            "versions": run.package_versions, "created_at": run.created_at_utc,
            "groups": [{"key": g.key, "parent": g.parent_key, "label": g.label, "members": members.get(g.key, [])}
                       for g in run.groups],
            "coordinates": [{"id": p.item_id, "imported_id": imported.get(p.item_id), "x": p.x, "y": p.y}
                            for p in points if p.x is not None]}


def kouchou_rows(run: AnalysisRun) -> list[KouchouRow]:
    if run.kind != "text":
        raise InvalidInput({"format": [_l("CSV（広聴AIの形式）で書き出せるのは文章の分析だけです。賛否の分析はJSONで書き出してください。")]})
    labels = {g.key: g.label for g in run.groups}
    points = _points(run)
    # The moderator's masked copy where there is one, else the text as received; an imported
    # comment's id and columns as the other tool had them: one read.
    comments = {row.id: row for row in db.session.execute(
        select(Comment.id, Comment.body_published, Comment.body, Comment.external_id, Comment.imported_attributes_json)
        .where(Comment.id.in_([p.item_id for p in points])))}
    rows = []
    for p in points:
        key = p.subgroup_key or p.group_key or ""
        c = comments.get(p.item_id)
        text = (c.body_published if c.body_published is not None else c.body) if c else ""
        ref = c.external_id if c is not None and c.external_id else str(p.item_id)
        row: KouchouRow = {"comment_id": ref, "original_comment": text, "arg_id": f"A{ref}_0", "argument": text,
                           "category_id": key, "category": labels.get(key, ""), "x": p.x, "y": p.y}
        if c is not None and c.imported_attributes_json:
            attributes = json.loads(c.imported_attributes_json)
            for name in ("source", "url"):  # kouchou-ai's own columns go back to their place
                if name in attributes:
                    row[name] = attributes.pop(name)
            row["attributes"] = attributes
        rows.append(row)
    return rows


def export(run: AnalysisRun, fmt: str, user=None) -> bytes:
    data = (export_run_json(run_export(run)).encode("utf-8") if fmt == "json"
            else export_kouchou_csv(kouchou_rows(run)))
    record(user, f"export.analysis_{fmt}", "analysis_run", run.id, after={"format": fmt})
    db.session.commit()
    return data
