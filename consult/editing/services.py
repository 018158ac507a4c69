"""Editing the consultation's content: the consultation, meetings, topics, sections, proposals, wards.

Every function takes plain values (a mapping of submitted fields, the acting user) and either
changes the records and writes an audit event in the same transaction, or raises
``InvalidInput`` (field → messages) / ``Conflict`` (the change no longer fits the record) and
changes nothing. The caller commits. Nothing here reads the request, the session or flashes.
"""

from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..audit import AuditEvent
from ..consultation.models import Consultation, Meeting, Proposal, Section, SectionRevision, Topic, Ward
from ..core import fields
from ..core.errors import InvalidInput
from ..core.transactions import action
from ..extensions import db
from ..i18n import MONTH_PARTS, utcnow
from ..markdown import render_markdown
from ..participation.models import Comment, Vote

TITLE_MAX = 200
HEADING_MAX = 200
BODY_MAX = 20000
NOTE_MAX = 500
PROPOSAL_MAX = 1000
LEAD_MAX = 2000
AGENDA_MAX = 2000
POPULATION_MAX = 10_000_000
MEETING_KINDS = ("meeting", "workshops", "publication")
AUDIT_PREFIXES = ("consultation.", "meeting.", "topic.", "section.", "proposal.", "ward.", "import.")

CONSULTATION_AUDIT = ("title", "body", "premoderation", "accept_anonymous")
MEETING_AUDIT = ("key", "kind", "number", "title", "agenda", "starts_on", "month_part")
TOPIC_AUDIT = ("title", "title_en", "lead", "summary_notice")
PROPOSAL_AUDIT = ("key", "position", "text", "withdrawn_at_utc")
WARD_AUDIT = ("population", "population_source", "population_as_of")


class Conflict(Exception):
    """The change does not fit the record as it is now (409): say why, change nothing."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def meeting_kind_labels() -> dict:
    return {"meeting": _l("検討会"), "workshops": _l("ワークショップ等の期間"), "publication": _l("公表")}


def month_part_labels() -> dict:
    return {code: ja for code, (ja, _en) in MONTH_PARTS.items()}


def safe_markdown(source: str) -> Markup:
    """The sanitised HTML a Markdown text will show as; never raises (a failure shows the text escaped)."""
    try:
        return render_markdown(source)
    except Exception:  # noqa: BLE001 — a preview must never break the page
        return Markup("<p>") + escape(source) + Markup("</p>")


# --- the consultation ---------------------------------------------------------------------------

def consultation_values(consultation: Consultation) -> dict:
    return {"title": consultation.title, "body": consultation.body,
            "premoderation": "1" if consultation.premoderation else "",
            "accept_anonymous": "1" if consultation.accept_anonymous else ""}


@action
def update_consultation(consultation: Consultation, data: Mapping, user) -> bool:
    errors: dict = {}
    title = fields.text(data, "title", errors, label=_l("題名"), max_len=TITLE_MAX, required=True, single_line=True)
    body = fields.text(data, "body", errors, label=_l("説明"), max_len=BODY_MAX)
    premoderation = fields.checkbox(data, "premoderation")
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(consultation, CONSULTATION_AUDIT)
    consultation.title, consultation.body, consultation.premoderation = title, body, premoderation
    if consultation.is_pubcom:  # 匿名意見の取扱い: only a public comment keeps a register
        consultation.accept_anonymous = fields.checkbox(data, "accept_anonymous")
    after = audit.snapshot(consultation, CONSULTATION_AUDIT)
    if before == after:
        return False
    audit.record(user, "consultation.update", "consultation", consultation.id, before=before, after=after)
    return True


# --- meetings -----------------------------------------------------------------------------------

def meeting_values(meeting: Meeting | None = None) -> dict:
    if meeting is None:
        return {"kind": "meeting", "number": "", "title": "", "agenda": "", "starts_on": "", "month_part": ""}
    return {"kind": meeting.kind, "number": "" if meeting.number is None else str(meeting.number),
            "title": meeting.title, "agenda": meeting.agenda, "starts_on": meeting.starts_on.isoformat(),
            "month_part": meeting.month_part or ""}


def _validate_meeting(data: Mapping) -> dict:
    errors: dict = {}
    kind = fields.raw(data, "kind") or "meeting"
    if kind not in MEETING_KINDS:
        fields.add(errors, "kind", _l("種類の選択肢にない値です。"))
    number = fields.whole_number(data, "number", errors, label=_l("回数"), low=1, high=99)
    title = fields.text(data, "title", errors, label=_l("名称"), max_len=TITLE_MAX, required=True, single_line=True)
    agenda = fields.text(data, "agenda", errors, label=_l("議題・内容"), max_len=AGENDA_MAX)
    starts_on = fields.day(data, "starts_on", errors, label=_l("日付"), required=True)
    month_part = fields.raw(data, "month_part") or None
    if month_part is not None and month_part not in MONTH_PARTS:
        fields.add(errors, "month_part", _l("時期の選択肢にない値です。"))
    if errors:
        raise InvalidInput(errors)
    return {"kind": kind, "number": number, "title": title, "agenda": agenda, "starts_on": starts_on,
            "month_part": month_part}


@action
def add_meeting(consultation: Consultation, data: Mapping, user) -> Meeting:
    values = _validate_meeting(data)
    keys = set(db.session.scalars(select(Meeting.key).where(Meeting.consultation_id == consultation.id)))
    n = len(keys) + 1
    while f"x{n}" in keys:
        n += 1
    meeting = Meeting(consultation_id=consultation.id, key=f"x{n}", **values)
    db.session.add(meeting)
    db.session.flush()
    audit.record(user, "meeting.create", "meeting", meeting.id, after=audit.snapshot(meeting, MEETING_AUDIT))
    return meeting


@action
def update_meeting(meeting: Meeting, data: Mapping, user) -> bool:
    values = _validate_meeting(data)
    before = audit.snapshot(meeting, MEETING_AUDIT)
    for name, value in values.items():
        setattr(meeting, name, value)
    after = audit.snapshot(meeting, MEETING_AUDIT)
    if before == after:
        return False
    audit.record(user, "meeting.update", "meeting", meeting.id, before=before, after=after)
    return True


@action
def delete_meeting(meeting: Meeting, user) -> None:
    audit.record(user, "meeting.delete", "meeting", meeting.id, before=audit.snapshot(meeting, MEETING_AUDIT))
    db.session.delete(meeting)


# --- topics -------------------------------------------------------------------------------------

def topic_values(topic: Topic) -> dict:
    return {name: getattr(topic, name) for name in TOPIC_AUDIT}


@action
def update_topic(topic: Topic, data: Mapping, user) -> bool:
    errors: dict = {}
    title = fields.text(data, "title", errors, label=_l("題名"), max_len=TITLE_MAX, required=True, single_line=True)
    title_en = fields.text(data, "title_en", errors, label=_l("英語の題名"), max_len=TITLE_MAX, single_line=True)
    lead = fields.text(data, "lead", errors, label=_l("導入文"), max_len=LEAD_MAX)
    notice = fields.text(data, "summary_notice", errors, label=_l("中間取りまとめの注記"), max_len=LEAD_MAX)
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(topic, TOPIC_AUDIT)
    topic.title, topic.title_en, topic.lead, topic.summary_notice = title, title_en, lead, notice
    after = audit.snapshot(topic, TOPIC_AUDIT)
    if before == after:
        return False
    audit.record(user, "topic.update", "topic", topic.id, before=before, after=after)
    return True


# --- sections and their revisions ---------------------------------------------------------------

def section_snapshot(section: Section) -> dict:
    current = section.current if section.revisions else None
    return {"topic_id": section.topic_id, "anchor": section.anchor, "position": section.position,
            "retired_at_utc": section.retired_at_utc.isoformat() if section.retired_at_utc else None,
            "revision": current.number if current else None, "heading": current.heading if current else None,
            "body": current.body if current else None, "note": current.note if current else None}


@dataclass
class SectionInput:
    heading: str
    body: str
    note: str
    anchor: str


def validate_section(data: Mapping, *, with_anchor: bool = False) -> SectionInput:
    errors: dict = {}
    heading = fields.text(data, "heading", errors, label=_l("見出し"), max_len=HEADING_MAX, required=True,
                          single_line=True)
    body = fields.text(data, "body", errors, label=_l("本文"), max_len=BODY_MAX, required=True)
    note = fields.text(data, "note", errors, label=_l("改訂メモ"), max_len=NOTE_MAX, single_line=True)
    anchor = fields.identifier(data, "anchor", errors, label=_l("アンカー")) if with_anchor else ""
    if errors:
        raise InvalidInput(errors)
    return SectionInput(heading, body, note, anchor)


def _taken_anchors(topic: Topic) -> set[str]:
    return set(db.session.scalars(select(Section.anchor).where(Section.topic_id == topic.id)))


def _next_free(prefix: str, taken: set[str]) -> str:
    """prefix-N for the first N from len(taken) + 1 not yet taken: section-5, proposal-7, …"""
    n = len(taken) + 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def new_anchor(topic: Topic, taken: set[str] | None = None) -> str:
    """A unique ASCII anchor for a new section: section-5, section-6, …"""
    return _next_free("section", _taken_anchors(topic) if taken is None else taken)


def _next_position(items) -> int:
    return max((i.position for i in items), default=0) + 1


@action
def add_section(topic: Topic, data: Mapping, user, *, note_for_audit: str = "") -> Section:
    value = validate_section(data, with_anchor=True)
    taken = _taken_anchors(topic)
    if value.anchor and value.anchor in taken:
        raise InvalidInput({"anchor": [_l("このアンカーはこの審議事項ですでに使われています（廃止した節を含みます）。別の名前にするか、空欄にしてください。")]})
    return create_section(topic, value, user, taken=taken, note_for_audit=note_for_audit)


def create_section(topic: Topic, value: SectionInput, user, *, taken: set[str] | None = None,
                   note_for_audit: str = "") -> Section:
    anchor = value.anchor or new_anchor(topic, taken)
    position = _next_position(topic.sections)
    try:
        with db.session.begin_nested():
            section = Section(topic=topic, anchor=anchor, position=position)
            section.revisions.append(SectionRevision(number=1, heading=value.heading, body=value.body,
                                                     note=value.note, created_by_id=getattr(user, "id", None),
                                                     created_at_utc=utcnow()))
            db.session.add(section)
    except IntegrityError:  # another editor took the anchor a moment ago
        raise InvalidInput({"anchor": [_l("このアンカーは直前に別の節で使われました。もう一度保存してください。")]})
    audit.record(user, "section.create", "section", section.id, after=section_snapshot(section), note=note_for_audit)
    return section


@action
def revise_section(section: Section, data: Mapping, user, *, base_number: Any = None,
                   note_for_audit: str = "") -> SectionRevision | None:
    """A new revision (number + 1) when the heading or body changed; None when nothing changed.

    ``base_number`` is the revision the editor started from: if another save came in between,
    ``Conflict`` is raised rather than silently overwriting it.
    """
    value = validate_section(data)
    current = section.current
    if base_number not in (None, "") and str(base_number) != str(current.number):
        raise Conflict(_l("編集を始めた後に、別の職員がこの節を保存しました（現在は第%(n)d版）。下の内容は保存されていません。最新の版を確認してから、もう一度編集してください。",
                          n=current.number))
    return add_revision(section, value, user, note_for_audit=note_for_audit)


def add_revision(section: Section, value: SectionInput, user, *, note_for_audit: str = "") -> SectionRevision | None:
    current = section.current
    if value.heading == current.heading and value.body == current.body:
        return None
    before = section_snapshot(section)
    revision = SectionRevision(number=current.number + 1, heading=value.heading, body=value.body,
                               note=value.note, created_by_id=getattr(user, "id", None), created_at_utc=utcnow())
    section.revisions.append(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # two saves raced for the same number
        raise Conflict(_l("同時に別の職員がこの節を保存しました。最新の版を確認してから、もう一度編集してください。"))
    audit.record(user, "section.revise", "section", section.id, before=before, after=section_snapshot(section),
                 note=note_for_audit)
    return revision


def _move(kind: str, items: list, item, direction: str, key, is_live, user) -> bool:
    """Swap ``item`` with its live neighbour up or down, renumber positions 1..n and log the order
    before and after (by ``key``: anchors, proposal keys). False at an end: nothing changes."""
    before = {key(x): x.position for x in items}
    ordered = sorted(items, key=lambda x: (x.position, x.id))
    live = [x for x in ordered if is_live(x)]
    if item not in live or direction not in ("up", "down"):
        return False
    i = live.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(live):
        return False
    a, b = ordered.index(item), ordered.index(live[j])
    ordered[a], ordered[b] = ordered[b], ordered[a]
    for position, x in enumerate(ordered, start=1):
        x.position = position
    audit.record(user, f"{kind}.move", kind, item.id, before={"positions": before},
                 after={"positions": {key(x): x.position for x in items}}, note=direction)
    return True


@action
def move_section(section: Section, direction: str, user) -> bool:
    return _move("section", section.topic.sections, section, direction, lambda s: s.anchor,
                 lambda s: s.retired_at_utc is None, user)


@action
def retire_section(section: Section, user) -> None:
    if section.retired_at_utc is not None:
        raise Conflict(_l("この節はすでに廃止されています。"))
    before = section_snapshot(section)
    section.retired_at_utc = utcnow()
    audit.record(user, "section.retire", "section", section.id, before=before, after=section_snapshot(section))


@action
def restore_section(section: Section, user) -> None:
    if section.retired_at_utc is None:
        raise Conflict(_l("この節は廃止されていません。"))
    before = section_snapshot(section)
    section.retired_at_utc = None
    audit.record(user, "section.restore", "section", section.id, before=before, after=section_snapshot(section))


def comments_by_revision(section: Section) -> dict[int, int]:
    """revision number → how many comments answered it."""
    rows = db.session.execute(
        select(SectionRevision.number, func.count(Comment.id))
        .join(Comment, Comment.section_revision_id == SectionRevision.id)
        .where(SectionRevision.section_id == section.id).group_by(SectionRevision.number))
    return dict(rows.all())


def section_comments(section: Section, limit: int = 200) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.section_id == section.id)
                                   .order_by(Comment.created_at_utc.desc(), Comment.id.desc()).limit(limit)))


# --- proposals ----------------------------------------------------------------------------------

def validate_proposal(data: Mapping, *, with_key: bool = False) -> tuple[str, str]:
    errors: dict = {}
    text = fields.text(data, "text", errors, label=_l("提案文"), max_len=PROPOSAL_MAX, required=True)
    key = fields.identifier(data, "key", errors, label=_l("キー")) if with_key else ""
    if errors:
        raise InvalidInput(errors)
    return text, key


def _taken_keys(topic: Topic) -> set[str]:
    return set(db.session.scalars(select(Proposal.key).where(Proposal.topic_id == topic.id)))


def new_key(topic: Topic, taken: set[str] | None = None) -> str:
    return _next_free("proposal", _taken_keys(topic) if taken is None else taken)


@action
def add_proposal(topic: Topic, data: Mapping, user) -> Proposal:
    text, key = validate_proposal(data, with_key=True)
    taken = _taken_keys(topic)
    if key and key in taken:
        raise InvalidInput({"key": [_l("このキーはこの審議事項ですでに使われています（取り下げた提案を含みます）。別の名前にするか、空欄にしてください。")]})
    return create_proposal(topic, text, key, user, taken=taken)


def create_proposal(topic: Topic, text: str, key: str, user, *, taken: set[str] | None = None,
                    note_for_audit: str = "") -> Proposal:
    key = key or new_key(topic, taken)
    position = _next_position(topic.proposals)
    try:
        with db.session.begin_nested():
            proposal = Proposal(topic=topic, key=key, position=position, text=text)
            db.session.add(proposal)
    except IntegrityError:
        raise InvalidInput({"key": [_l("このキーは直前に別の提案で使われました。もう一度保存してください。")]})
    audit.record(user, "proposal.create", "proposal", proposal.id, after=audit.snapshot(proposal, PROPOSAL_AUDIT),
                 note=note_for_audit)
    return proposal


@action
def update_proposal(proposal: Proposal, data: Mapping, user, *, note_for_audit: str = "") -> bool:
    text, _key = validate_proposal(data)
    return set_proposal_text(proposal, text, user, note_for_audit=note_for_audit)


def set_proposal_text(proposal: Proposal, text: str, user, *, note_for_audit: str = "") -> bool:
    if proposal.text == text:
        return False
    before = audit.snapshot(proposal, PROPOSAL_AUDIT)
    proposal.text = text
    audit.record(user, "proposal.update", "proposal", proposal.id, before=before,
                 after=audit.snapshot(proposal, PROPOSAL_AUDIT), note=note_for_audit)
    return True


@action
def move_proposal(proposal: Proposal, direction: str, user) -> bool:
    return _move("proposal", proposal.topic.proposals, proposal, direction, lambda p: p.key,
                 lambda p: p.withdrawn_at_utc is None, user)


def proposal_usage(proposals) -> dict[int, dict[str, int]]:
    """proposal id → {votes, comments}, in two GROUP BYs."""
    ids = [p.id for p in proposals]
    out = {i: {"votes": 0, "comments": 0} for i in ids}
    if not ids:
        return out
    for pid, n in db.session.execute(select(Vote.proposal_id, func.count(Vote.id))
                                     .where(Vote.proposal_id.in_(ids)).group_by(Vote.proposal_id)):
        out[pid]["votes"] = n
    for pid, n in db.session.execute(select(Comment.proposal_id, func.count(Comment.id))
                                     .where(Comment.proposal_id.in_(ids)).group_by(Comment.proposal_id)):
        out[pid]["comments"] = n
    return out


@action
def withdraw_proposal(proposal: Proposal, user) -> None:
    if proposal.withdrawn_at_utc is not None:
        raise Conflict(_l("この提案はすでに取り下げられています。"))
    before = audit.snapshot(proposal, PROPOSAL_AUDIT)
    proposal.withdrawn_at_utc = utcnow()
    audit.record(user, "proposal.withdraw", "proposal", proposal.id, before=before,
                 after=audit.snapshot(proposal, PROPOSAL_AUDIT))


@action
def restore_proposal(proposal: Proposal, user) -> None:
    if proposal.withdrawn_at_utc is None:
        raise Conflict(_l("この提案は取り下げられていません。"))
    before = audit.snapshot(proposal, PROPOSAL_AUDIT)
    proposal.withdrawn_at_utc = None
    audit.record(user, "proposal.restore", "proposal", proposal.id, before=before,
                 after=audit.snapshot(proposal, PROPOSAL_AUDIT))


@action
def delete_proposal(proposal: Proposal, user) -> None:
    """Only a proposal nobody has voted on or commented on; otherwise it can only be withdrawn."""
    usage = proposal_usage([proposal])[proposal.id]
    if usage["votes"]:
        raise Conflict(_l("この提案には%(n)d件の賛否が寄せられているため、削除できません。取り下げてください（賛否の記録は残ります）。",
                          n=usage["votes"]))
    if usage["comments"]:
        raise Conflict(_l("この提案には%(n)d件のご意見が寄せられているため、削除できません。取り下げてください。",
                          n=usage["comments"]))
    audit.record(user, "proposal.delete", "proposal", proposal.id, before=audit.snapshot(proposal, PROPOSAL_AUDIT))
    topic = proposal.topic
    db.session.delete(proposal)
    db.session.flush()
    db.session.expire(topic, ["proposals"])


# --- wards --------------------------------------------------------------------------------------

def ward_values(wards: list[Ward]) -> dict:
    values = {}
    for w in wards:
        values[f"population-{w.code}"] = "" if w.population is None else str(w.population)
        values[f"source-{w.code}"] = w.population_source
        values[f"as_of-{w.code}"] = w.population_as_of.isoformat() if w.population_as_of else ""
    return values


@action
def update_wards(wards: list[Ward], data: Mapping, user) -> list[Ward]:
    """Population, its source and date for every ward in one form; the changed wards are returned."""
    errors: dict = {}
    cleaned = {}
    for w in wards:
        population = fields.whole_number(data, f"population-{w.code}", errors,
                                         label=_l("%(ward)sの人口", ward=w.name), low=0, high=POPULATION_MAX)
        source = fields.text(data, f"source-{w.code}", errors, label=_l("%(ward)sの人口の出典", ward=w.name),
                             max_len=300, single_line=True)
        as_of = fields.day(data, f"as_of-{w.code}", errors, label=_l("%(ward)sの人口の時点", ward=w.name))
        if population is not None and not source and f"source-{w.code}" not in errors:
            fields.add(errors, f"source-{w.code}", _l("人口を入れるときは出典も書いてください（例：平成27年国勢調査）。"))
        cleaned[w.code] = (population, source, as_of)
    if errors:
        raise InvalidInput(errors)
    changed = []
    for w in wards:
        before = audit.snapshot(w, WARD_AUDIT)
        w.population, w.population_source, w.population_as_of = cleaned[w.code]
        after = audit.snapshot(w, WARD_AUDIT)
        if before != after:
            audit.record(user, "ward.population", "ward", w.id, before=before, after=after)
            changed.append(w)
    return changed


def recent_events(limit: int = 20) -> list[AuditEvent]:
    """The latest changes made through these screens (and phase changes), newest first."""
    query = (select(AuditEvent).where(or_(*[AuditEvent.action.startswith(p) for p in AUDIT_PREFIXES]))
             .order_by(AuditEvent.at_utc.desc(), AuditEvent.id.desc()).limit(limit))
    return list(db.session.scalars(query))
