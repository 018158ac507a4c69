"""Opinion groups: similar comments gathered under a summary (意見の概要) with the city's answer
(市の考え方) and a response category. Workshop themes arrive as proposed groups, which staff
confirm, rename or merge. Every change is in the audit log; the caller commits.
"""

from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..audit import record, snapshot
from ..consultation.models import Topic
from ..core import fields
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, nfkc, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from ..participation.models import Comment
from ..workshops.models import Theme, Workshop
from ..workshops.signals import workshop_closed
from .filters import clean_arg, small_int
from .models import RESPONSE_CATEGORIES, GroupState, OpinionGroup

AUDIT_FIELDS = ("topic_id", "title", "summary", "answer", "response_category", "state", "position",
                "source_theme_id")
TITLE_MAX = 200
TEXT_MAX = 4000


def _clean(data: Mapping[str, Any], name: str, errors: dict, *, max_len: int, label, required=False) -> str:
    value = data.get(name)
    value = normalise_newlines(value).strip() if isinstance(value, str) else ""
    if required and not value:
        fields.add(errors, name, _l("%(field)sを入力してください。", field=label))
    elif visible_length(value) > max_len:
        fields.add(errors, name, 
            _l("%(field)sは%(max)d文字以内で入力してください。", field=label, max=max_len))
    elif has_forbidden_characters(value):
        fields.add(errors, name, _l("%(field)sに使えない制御文字が含まれています。", field=label))
    return value


def validate_group(data: Mapping[str, Any], consultation_id: int, *, with_topic: bool) -> dict[str, Any]:
    """The fields of the group form, checked; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}
    if with_topic:
        slug = clean_arg(data.get("topic"))
        topic = db.session.scalar(select(Topic).where(Topic.consultation_id == consultation_id,
                                                      Topic.slug == slug)) if slug else None
        if topic is None:
            errors["topic"] = [_l("審議事項を選んでください。")]
        else:
            values["topic_id"] = topic.id
    values["title"] = _clean(data, "title", errors, max_len=TITLE_MAX, label=_l("グループ名"), required=True)
    values["summary"] = _clean(data, "summary", errors, max_len=TEXT_MAX, label=_l("意見の概要"))
    values["answer"] = _clean(data, "answer", errors, max_len=TEXT_MAX, label=_l("市の考え方"))
    category = data.get("response_category") or ""
    if category and category not in RESPONSE_CATEGORIES:
        errors["response_category"] = [_l("対応区分の選択肢にない値です。")]
    values["response_category"] = category or None
    position = small_int(nfkc(data.get("position") or "0"), max_digits=4)
    if position is None:
        errors["position"] = [_l("表示順は0から9999までの整数で入力してください。")]
    else:
        values["position"] = position
    if errors:
        raise InvalidInput(errors)
    return values


@action
def create_group(user, values: dict[str, Any]) -> OpinionGroup:
    group = OpinionGroup(state="confirmed", **values)
    db.session.add(group)
    db.session.flush()
    record(user, "opinion_group.create", "opinion_group", group.id, after=snapshot(group, AUDIT_FIELDS))
    return group


@action
def update_group(user, group: OpinionGroup, values: dict[str, Any], *, confirm: bool = False) -> None:
    """Save the group's fields, and with ``confirm`` confirm it in the same transaction."""
    before = snapshot(group, AUDIT_FIELDS)
    for name, value in values.items():
        setattr(group, name, value)
    after = snapshot(group, AUDIT_FIELDS)
    if after != before:
        record(user, "opinion_group.update", "opinion_group", group.id, before=before, after=after)
    if confirm:
        confirm_group(user, group)


@action
def confirm_group(user, group: OpinionGroup) -> None:
    if group.state == GroupState.CONFIRMED:
        return
    before = snapshot(group, AUDIT_FIELDS)
    group.state = "confirmed"
    record(user, "opinion_group.confirm", "opinion_group", group.id, before=before, after=snapshot(group, AUDIT_FIELDS))


def _group_comment_ids(group_id: int) -> list[int]:
    return db.session.scalars(select(Comment.id).where(Comment.opinion_group_id == group_id).order_by(Comment.id)).all()


@action
def merge_group(user, source: OpinionGroup, target: OpinionGroup) -> int:
    """Move every comment of ``source`` into ``target`` (same topic) and delete ``source``."""
    if target.id == source.id:
        raise InvalidInput({"target": [_l("統合先には別のグループを選んでください。")]})
    if target.topic_id != source.topic_id:
        raise InvalidInput({"target": [_l("同じ審議事項のグループにだけ統合できます。")]})
    moved = _group_comment_ids(source.id)
    db.session.execute(update(Comment).where(Comment.opinion_group_id == source.id)
                       .values(opinion_group_id=target.id))
    record(user, "opinion_group.merge", "opinion_group", source.id, before=snapshot(source, AUDIT_FIELDS),
           after={"merged_into": target.id, "comment_ids": moved})
    db.session.delete(source)
    return len(moved)


@action
def delete_group(user, group: OpinionGroup) -> int:
    """Delete a group; its comments become unassigned (they are never deleted)."""
    freed = _group_comment_ids(group.id)
    db.session.execute(update(Comment).where(Comment.opinion_group_id == group.id).values(opinion_group_id=None))
    record(user, "opinion_group.delete", "opinion_group", group.id, before=snapshot(group, AUDIT_FIELDS),
           after={"unassigned_comment_ids": freed})
    db.session.delete(group)
    return len(freed)


@dataclass
class AssignResult:
    assigned: int
    unchanged: int
    other_topic: int


@action
def assign(user, ids: list[int], group: OpinionGroup | None) -> AssignResult:
    """Put the chosen comments into ``group`` (None: take them out of any group).

    Only comments of the group's topic are assigned; the others are counted and left alone.
    """
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)
                                  .with_for_update()).all()
    assigned = unchanged = other = 0
    target = group.id if group is not None else None
    for comment in comments:
        if group is not None and comment.topic_id != group.topic_id:
            other += 1
            continue
        if comment.opinion_group_id == target:
            unchanged += 1
            continue
        before = {"opinion_group_id": comment.opinion_group_id}
        comment.opinion_group_id = target
        record(user, "comment.assign_group" if target else "comment.unassign_group", "comment", comment.id,
               before=before, after={"opinion_group_id": target})
        assigned += 1
    return AssignResult(assigned, unchanged + (len(ids) - len(comments)), other)


@workshop_closed.connect
def propose_from_themes(workshop: Workshop, *, themes: list[Theme], user, **_kw) -> list[int]:
    """A closing workshop's themes → proposed opinion groups of their topics, holding the themes'
    notes, for staff to confirm, rename or merge. Returns the groups' ids; the closing commits.

    A theme already proposed keeps its group; notes the secretariat has already placed in a group
    stay where they are.
    """
    ids = []
    for theme in themes:
        group = db.session.scalar(select(OpinionGroup).where(OpinionGroup.source_theme_id == theme.id))
        if group is None:
            group = OpinionGroup(topic_id=theme.topic_id, title=theme.name[:200], state="proposed",
                                 source_theme_id=theme.id, position=theme.position)
            db.session.add(group)
            db.session.flush()
            record(user, "opinion_group.propose", "opinion_group", group.id,
                   after={"title": group.title, "topic_id": group.topic_id, "state": "proposed",
                          "source_theme_id": theme.id, "workshop_id": workshop.id})
        db.session.execute(update(Comment).where(Comment.theme_id == theme.id, Comment.opinion_group_id.is_(None))
                           .values(opinion_group_id=group.id))
        ids.append(group.id)
    return ids


@dataclass
class GroupLine:
    group: OpinionGroup
    total: int
    published: int


def overview(consultation_id: int) -> list[tuple[Topic, list[GroupLine], int]]:
    """Per topic: its groups (proposed first, then by position) with counts, and its unassigned count."""
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                .order_by(Topic.number)).all()
    groups = db.session.scalars(select(OpinionGroup).join(Topic, Topic.id == OpinionGroup.topic_id)
                                .options(selectinload(OpinionGroup.source_theme).selectinload(Theme.workshop))
                                .where(Topic.consultation_id == consultation_id)
                                .order_by(OpinionGroup.state.desc(), OpinionGroup.position, OpinionGroup.id)).all()
    counts = db.session.execute(
        select(Comment.opinion_group_id, Comment.status, func.count())
        .where(Comment.opinion_group_id.is_not(None)).group_by(Comment.opinion_group_id, Comment.status)).all()
    by: dict[int, dict[str, int]] = {}
    for group_id, status, n in counts:
        by.setdefault(group_id, {})[status] = n
    unassigned = dict(db.session.execute(
        select(Comment.topic_id, func.count()).where(Comment.opinion_group_id.is_(None), Comment.status != "hidden")
        .group_by(Comment.topic_id)).all())
    lines: dict[int, list[GroupLine]] = {}
    for g in groups:
        c = by.get(g.id, {})
        lines.setdefault(g.topic_id, []).append(GroupLine(g, sum(c.values()), c.get("published", 0)))
    return [(t, lines.get(t.id, []), unassigned.get(t.id, 0)) for t in topics]


def groups_for_select(consultation_id: int) -> list[tuple[Topic, list[OpinionGroup]]]:
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                .order_by(Topic.number)).all()
    groups = db.session.scalars(select(OpinionGroup).where(OpinionGroup.topic_id.in_([t.id for t in topics]))
                                .order_by(OpinionGroup.position, OpinionGroup.id)).all()
    return [(t, [g for g in groups if g.topic_id == t.id]) for t in topics]


def get_group(group_id: int, consultation_id: int) -> OpinionGroup | None:
    return db.session.scalar(select(OpinionGroup).join(Topic, Topic.id == OpinionGroup.topic_id)
                             .where(OpinionGroup.id == group_id, Topic.consultation_id == consultation_id))
