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
from ..consultation.models import Consultation, Kind, Section, Topic
from ..core import fields
from ..core.errors import InvalidInput
from ..core.labels import response_category_labels
from ..core.text import has_forbidden_characters, nfkc, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from ..participation.models import Comment
from ..workshops.models import Theme, Workshop
from ..workshops.signals import workshop_closed
from .filters import clean_arg, small_int
from .models import GroupState, OpinionGroup
from .signals import opinion_group_removed

AUDIT_FIELDS = ("topic_id", "section_id", "title", "summary", "answer", "response_category", "state", "position",
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


WHOLE_DOCUMENT = "whole"  # the provision chooser's value for 骨子全体 (section_id NULL)


def _document_sections(consultation_id: int) -> list[Section]:
    return list(db.session.scalars(
        select(Section).join(Topic, Topic.id == Section.topic_id)
        .where(Topic.consultation_id == consultation_id, Section.retired_at_utc.is_(None))
        .options(selectinload(Section.revisions)).order_by(Topic.number, Section.position, Section.id)))


def label_paths(sections: list[Section]) -> dict[int, str]:
    """Each provision's printed number path from its ancestors (第6章 1 2) ②), the sections being
    in document order with their depths."""
    stack: list[str] = []
    paths: dict[int, str] = {}
    for s in sections:
        depth = max(0, s.depth or 0)
        stack = stack[:depth] + [""] * (depth - len(stack)) + [s.label or ""]
        paths[s.id] = " ".join(x for x in stack if x)
    return paths


def section_choices(consultation_id: int) -> list[tuple[int, str, str]]:
    """A public comment's provisions for the chooser, in document order: (id, number path, heading)."""
    sections = _document_sections(consultation_id)
    paths = label_paths(sections)
    return [(s.id, paths[s.id], s.current.heading if s.revisions else "") for s in sections]


def form_choices(consultation: Consultation) -> dict[str, Any]:
    """What the group form offers for this consultation: its kind's answer categories, and for a
    public comment the provisions a group's answer may be about."""
    pubcom = consultation.kind == Kind.PUBCOM
    return {"category_choices": response_category_labels(consultation.kind), "is_pubcom": pubcom,
            "sections": section_choices(consultation.id) if pubcom else [], "whole_document": WHOLE_DOCUMENT}


def form_section_value(group: OpinionGroup | None) -> str:
    if group is None:
        return ""
    return str(group.section_id) if group.section_id is not None else WHOLE_DOCUMENT


def _section(data: Mapping[str, Any], consultation_id: int, errors: dict) -> tuple[bool, Section | None]:
    """The provision chosen: (chosen, section); section None with chosen True is the whole document."""
    raw = clean_arg(data.get("section"))
    if raw == WHOLE_DOCUMENT:
        return True, None
    section_id = small_int(raw, max_digits=9) if raw else None
    section = db.session.get(Section, section_id) if section_id else None
    if section is None:
        fields.add(errors, "section", _l("ご意見の対象の条項を選んでください（特定の条項でなければ「骨子全体」）。"))
        return False, None
    if section.topic.consultation_id != consultation_id:
        fields.add(errors, "section", _l("選んだ条項はこの意見募集の条項ではありません。一覧から選び直してください。"))
        return False, None
    if section.retired_at_utc is not None:
        fields.add(errors, "section", _l("選んだ条項は削除されています。一覧から選び直してください。"))
        return False, None
    return True, section


def validate_group(data: Mapping[str, Any], consultation_id: int, *, with_topic: bool) -> dict[str, Any]:
    """The fields of the group form, checked; raise InvalidInput with a message per field.

    A public comment's group names the provision its answer is about (or the whole document) in
    place of a topic, and takes the 反映区分; a deliberation's takes its own categories."""
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}
    consultation = db.session.get(Consultation, consultation_id)
    kind = consultation.kind if consultation is not None else Kind.DELIBERATION
    if kind == Kind.PUBCOM:
        chosen, section = _section(data, consultation_id, errors)
        if chosen:
            values["section_id"] = section.id if section is not None else None
        if with_topic:
            topic = section.topic if section is not None else db.session.scalar(
                select(Topic).where(Topic.consultation_id == consultation_id).order_by(Topic.number).limit(1))
            if topic is not None:
                values["topic_id"] = topic.id
            elif chosen:
                errors["section"] = [_l("この意見募集にはまだ条文がありません。")]
    elif with_topic:
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
    if category and category not in response_category_labels(kind):
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
    opinion_group_removed.send(source, user=user, merged_into=target)
    db.session.delete(source)
    return len(moved)


@action
def delete_group(user, group: OpinionGroup) -> int:
    """Delete a group; its comments become unassigned (they are never deleted)."""
    freed = _group_comment_ids(group.id)
    db.session.execute(update(Comment).where(Comment.opinion_group_id == group.id).values(opinion_group_id=None))
    record(user, "opinion_group.delete", "opinion_group", group.id, before=snapshot(group, AUDIT_FIELDS),
           after={"unassigned_comment_ids": freed})
    opinion_group_removed.send(group, user=user, merged_into=None)
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
    provision: str = ""  # a public comment's: the provision's number path and heading, or 骨子全体


def overview(consultation_id: int) -> list[tuple[Topic, list[GroupLine], int]]:
    """Per topic: its groups (proposed first, then by position) with counts, and its unassigned count."""
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                .order_by(Topic.number)).all()
    groups = db.session.scalars(select(OpinionGroup).join(Topic, Topic.id == OpinionGroup.topic_id)
                                .options(selectinload(OpinionGroup.source_theme).selectinload(Theme.workshop),
                                         selectinload(OpinionGroup.section).selectinload(Section.revisions))
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
    consultation = db.session.get(Consultation, consultation_id)
    provisions: dict[int | None, str] = {}
    if consultation is not None and consultation.kind == Kind.PUBCOM:
        provisions = {sid: f"{path}　{heading}".strip() for sid, path, heading in section_choices(consultation_id)}
        provisions[None] = str(_l("骨子全体"))
    lines: dict[int, list[GroupLine]] = {}
    for g in groups:
        c = by.get(g.id, {})
        provision = provisions.get(g.section_id, "") if provisions else ""
        if provisions and not provision and g.section is not None:  # a retired provision
            provision = g.section.label
        lines.setdefault(g.topic_id, []).append(GroupLine(g, sum(c.values()), c.get("published", 0), provision))
    return [(t, lines.get(t.id, []), unassigned.get(t.id, 0)) for t in topics]


def groups_for_select(consultation_id: int, topics: list[Topic] | None = None) -> list[tuple[Topic, list]]:
    """Each topic with its groups' (id, title, state) rows, for the option lists of the filter
    and the assign forms: rows, not objects, since a consultation may hold hundreds of groups."""
    if topics is None:
        topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                    .order_by(Topic.number)).all()
    rows = db.session.execute(select(OpinionGroup.id, OpinionGroup.title, OpinionGroup.state, OpinionGroup.topic_id)
                              .where(OpinionGroup.topic_id.in_([t.id for t in topics]))
                              .order_by(OpinionGroup.position, OpinionGroup.id)).all()
    by_topic: dict[int, list] = {}
    for row in rows:
        by_topic.setdefault(row.topic_id, []).append(row)
    return [(t, by_topic.get(t.id, [])) for t in topics]


def get_group(group_id: int, consultation_id: int) -> OpinionGroup | None:
    return db.session.scalar(select(OpinionGroup).join(Topic, Topic.id == OpinionGroup.topic_id)
                             .where(OpinionGroup.id == group_id, Topic.consultation_id == consultation_id))
