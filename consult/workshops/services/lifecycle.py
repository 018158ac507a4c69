"""A workshop's life: prepared (validated, created, edited), opened with a join code, closed.

Closing hands the themes on through ``signals.workshop_closed``; the secretariat makes them
proposed opinion groups in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...audit import record, snapshot
from ...auth.models import User
from ...consultation.models import Consultation, Topic, Ward
from ...core import fields
from ...core.errors import InvalidInput
from ...core.text import has_forbidden_characters, nfkc, normalise_newlines, visible_length
from ...extensions import db
from ...i18n import JST, to_jst, utcnow
from ...participation.models import Comment
from ..models import DotVote, Theme, Workshop, WorkshopSeat, WorkshopState, WorkshopTable
from ..signals import workshop_closed
from .common import WrongState, int_of, new_join_code, values_of
from .queries import workshop_counts

TITLE_MAX = 200
VENUE_MAX = 200
TABLE_NAME_MAX = 50
TABLES_MAX = 50
DOTS_MAX = 20  # the model's check constraint
WORKSHOP_AUDIT_FIELDS = ("title", "venue", "ward_id", "starts_at_utc", "ends_at_utc", "state", "join_code",
                         "dots_per_participant", "facilitator_id", "opened_at_utc", "closed_at_utc")


@dataclass
class WorkshopDraft:
    ward: Ward
    title: str
    venue: str
    starts_at_utc: datetime
    ends_at_utc: datetime | None
    topics: list[Topic]
    table_names: list[str]
    dots_per_participant: int
    facilitator_id: int | None = None
    assign_facilitator: bool = False


def parse_local_datetime(text: str) -> datetime | None:
    """'2014-10-04T10:00' (an <input type=datetime-local>, in JST) → naive UTC; None if unreadable."""
    text = nfkc(text or "").strip().replace(" ", "T")
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=JST)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def local_input_value(dt: datetime | None) -> str:
    """Naive UTC → the value of a datetime-local input in JST."""
    if dt is None:
        return ""
    return to_jst(dt).strftime("%Y-%m-%dT%H:%M")


def facilitator_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(select(User).where(User.role == "facilitator", User.active.is_(True))
                               .order_by(User.name, User.email))
    return [(u.id, f"{u.name}（{u.email}）" if u.name else u.email) for u in users]


def validate_workshop(data: Mapping, consultation: Consultation, *, workshop: Workshop | None = None,
                      assign_facilitator: bool = False) -> WorkshopDraft:
    """Check the prepare form; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}

    ward_code = fields.string(data, "ward", errors)
    ward = db.session.scalar(select(Ward).where(Ward.code == ward_code)) if ward_code else None
    if ward is None and "ward" not in errors:
        fields.add(errors, "ward", _l("開催する区を選んでください。"))

    title = fields.string(data, "title", errors).strip()
    if not title and "title" not in errors:
        fields.add(errors, "title", _l("名称を入力してください。"))
    elif visible_length(title) > TITLE_MAX:
        fields.add(errors, "title", _l("名称は%(max)d文字以内にしてください。", max=TITLE_MAX))
    elif has_forbidden_characters(title):
        fields.add(errors, "title", _l("使えない制御文字が含まれています。"))

    venue = fields.string(data, "venue", errors).strip()
    if visible_length(venue) > VENUE_MAX:
        fields.add(errors, "venue", _l("会場は%(max)d文字以内にしてください。", max=VENUE_MAX))
    elif has_forbidden_characters(venue):
        fields.add(errors, "venue", _l("使えない制御文字が含まれています。"))

    starts = parse_local_datetime(fields.string(data, "starts_at", errors))
    if starts is None and "starts_at" not in errors:
        fields.add(errors, "starts_at", _l("開始日時を「2014-10-04T10:00」の形で入力してください。"))
    ends_text = fields.string(data, "ends_at", errors).strip()
    ends = parse_local_datetime(ends_text) if ends_text else None
    if ends_text and ends is None:
        fields.add(errors, "ends_at", _l("終了日時を「2014-10-04T12:00」の形で入力してください。"))
    elif ends is not None and starts is not None and ends <= starts:
        fields.add(errors, "ends_at", _l("終了日時は開始日時より後にしてください。"))

    by_id = {t.id: t for t in consultation.topics}
    topics = []
    for value in values_of(data, "topics"):
        topic = by_id.get(int_of(value))
        if topic is None:
            fields.add(errors, "topics", _l("審議事項の選択肢にない値です。"))
            break
        if topic not in topics:
            topics.append(topic)
    if not topics and "topics" not in errors:
        fields.add(errors, "topics", _l("話し合う審議事項を1つ以上選んでください。"))
    topics.sort(key=lambda t: t.number)

    names_text = normalise_newlines(fields.string(data, "table_names", errors))
    names = [nfkc(line).strip() for line in names_text.split("\n") if line.strip()]
    count_text = fields.string(data, "table_count", errors).strip()
    if names:
        if len(names) > TABLES_MAX:
            fields.add(errors, "table_names", _l("テーブルは%(max)d個までです。", max=TABLES_MAX))
        elif any(len(n) > TABLE_NAME_MAX for n in names):
            fields.add(errors, "table_names", _l("テーブル名は%(max)d文字以内にしてください。", max=TABLE_NAME_MAX))
        elif any(has_forbidden_characters(n) for n in names):
            fields.add(errors, "table_names", _l("使えない制御文字が含まれています。"))
        elif len(set(names)) != len(names):
            fields.add(errors, "table_names", _l("同じ名前のテーブルがあります。名前を変えてください。"))
    elif count_text:
        count = int_of(count_text)
        if count is None or not 1 <= count <= TABLES_MAX:
            fields.add(errors, "table_count", 
                _l("テーブル数は1から%(max)dまでの数字で入力してください。", max=TABLES_MAX))
        else:
            names = [str(_l("テーブル%(n)d", n=n)) for n in range(1, count + 1)]
    elif "table_names" not in errors:
        fields.add(errors, "table_names", _l("テーブル名を1行に1つ入力するか、テーブル数を入力してください。"))

    dots_text = fields.string(data, "dots_per_participant", errors).strip()
    dots = int_of(dots_text) if dots_text else 3
    if dots is None or not 0 <= dots <= DOTS_MAX:
        fields.add(errors, "dots_per_participant", 
            _l("1人あたりのドット数は0から%(max)dまでの数字で入力してください。", max=DOTS_MAX))

    facilitator_id = None
    if assign_facilitator:
        value = fields.string(data, "facilitator", errors).strip()
        if value:
            facilitator_id = int_of(value)
            if facilitator_id not in dict(facilitator_choices()):
                fields.add(errors, "facilitator", _l("ファシリテーターの選択肢にない値です。"))

    if workshop is not None and not errors:
        _check_changes_keep_data(workshop, topics, names, dots, errors)

    if errors:
        raise InvalidInput(errors)
    return WorkshopDraft(ward, title, venue, starts, ends, topics, names, dots, facilitator_id, assign_facilitator)


def _check_changes_keep_data(workshop: Workshop, topics: list[Topic], names: list[str], dots: int,
                             errors: dict) -> None:
    """An edit may not orphan what the room already wrote: tables, topics and dots in use stay."""
    if workshop.is_closed:
        fields.add(errors, "_form", _l("終了したワークショップは変更できません。"))
        return
    kept = set(names)
    for table in workshop.tables:
        if table.name in kept:
            continue
        used = db.session.scalar(select(func.count(Comment.id)).where(Comment.table_id == table.id)) or \
            db.session.scalar(select(func.count(WorkshopSeat.id)).where(WorkshopSeat.table_id == table.id))
        if used:
            fields.add(errors, "table_names", 
                _l("「%(name)s」には付箋か参加者があるため、外したり名前を変えたりできません。", name=table.name))
    topic_ids = {t.id for t in topics}
    for topic in workshop.topics:
        if topic.id not in topic_ids and db.session.scalar(
                select(func.count(Comment.id)).where(Comment.workshop_id == workshop.id, Comment.topic_id == topic.id)):
            fields.add(errors, "topics", 
                _l("審議事項%(n)dには付箋があるため、外せません。", n=topic.number))
    highest = db.session.scalar(select(func.max(DotVote.slot)).where(DotVote.workshop_id == workshop.id)) or 0
    if dots < highest:
        fields.add(errors, "dots_per_participant", 
            _l("すでに%(n)d個のドットを貼った参加者がいるため、%(n)d個より少なくできません。", n=highest))


def _workshop_audit(workshop: Workshop) -> dict:
    data = snapshot(workshop, WORKSHOP_AUDIT_FIELDS)
    data["topics"] = [t.id for t in workshop.topics]
    data["tables"] = [t.name for t in workshop.tables]
    return data


def _apply_tables(workshop: Workshop, names: list[str]) -> None:
    existing = {t.name: t for t in workshop.tables}
    for table in list(workshop.tables):
        if table.name not in names:
            workshop.tables.remove(table)
    for position, name in enumerate(names, start=1):
        table = existing.get(name)
        if table is None:
            workshop.tables.append(WorkshopTable(name=name, position=position))
        else:
            table.position = position
    db.session.flush()
    db.session.expire(workshop, ["tables"])


def create_workshop(draft: WorkshopDraft, consultation: Consultation, user) -> Workshop:
    facilitator_id = draft.facilitator_id if draft.assign_facilitator else (
        user.id if getattr(user, "role", None) == "facilitator" else None)
    workshop = Workshop(consultation_id=consultation.id, ward_id=draft.ward.id, title=draft.title, venue=draft.venue,
                        starts_at_utc=draft.starts_at_utc, ends_at_utc=draft.ends_at_utc, state="planned",
                        dots_per_participant=draft.dots_per_participant, facilitator_id=facilitator_id,
                        topics=list(draft.topics),
                        tables=[WorkshopTable(name=n, position=i) for i, n in enumerate(draft.table_names, start=1)])
    db.session.add(workshop)
    db.session.flush()
    record(user, "workshop.create", "workshop", workshop.id, after=_workshop_audit(workshop))
    db.session.commit()
    return workshop


def update_workshop(workshop: Workshop, draft: WorkshopDraft, user) -> Workshop:
    before = _workshop_audit(workshop)
    workshop.ward_id = draft.ward.id
    workshop.title = draft.title
    workshop.venue = draft.venue
    workshop.starts_at_utc = draft.starts_at_utc
    workshop.ends_at_utc = draft.ends_at_utc
    workshop.dots_per_participant = draft.dots_per_participant
    workshop.topics = list(draft.topics)
    if draft.assign_facilitator:
        workshop.facilitator_id = draft.facilitator_id
    _apply_tables(workshop, draft.table_names)
    after = _workshop_audit(workshop)
    if after != before:
        record(user, "workshop.update", "workshop", workshop.id, before=before, after=after)
    db.session.commit()
    return workshop


def open_workshop(workshop: Workshop, user) -> Workshop:
    """planned → open with a fresh join code. Opening an open workshop changes nothing."""
    if workshop.is_open:
        return workshop
    if workshop.state != WorkshopState.PLANNED:
        raise WrongState(_l("終了したワークショップは再び開始できません。"))
    before = _workshop_audit(workshop)
    for _attempt in range(20):
        code = new_join_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is not None:
            continue
        try:
            with db.session.begin_nested():
                workshop.join_code = code
                workshop.state = "open"
                workshop.opened_at_utc = utcnow()
                db.session.flush()
            break
        except IntegrityError:  # another workshop drew the same code at the same moment
            db.session.refresh(workshop)
    else:
        raise RuntimeError("could not draw a free join code")
    record(user, "workshop.open", "workshop", workshop.id, before=before, after=_workshop_audit(workshop))
    db.session.commit()
    return workshop


def close_workshop(workshop: Workshop, user) -> list[Theme]:
    """open → closed; returns the themes handed on. Receivers of ``workshop_closed`` (the
    secretariat) turn each theme into a proposed opinion group in the same transaction. Closing a
    closed workshop changes nothing and hands on nothing."""
    db.session.refresh(workshop, with_for_update=True)
    if workshop.is_closed:
        return []
    if not workshop.is_open:
        raise WrongState(_l("開始していないワークショップは終了できません。"))
    before = _workshop_audit(workshop)
    workshop.state = "closed"
    workshop.closed_at_utc = utcnow()
    themes = list(db.session.scalars(select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position)))
    made = [i for _receiver, ids in workshop_closed.send(workshop, themes=themes, user=user) for i in ids or ()]
    counts = workshop_counts([workshop.id])[workshop.id]
    after = _workshop_audit(workshop) | {"notes": counts["notes"], "dots": counts["dots"],
                                         "participants": counts["participants"], "opinion_groups": made}
    record(user, "workshop.close", "workshop", workshop.id, before=before, after=after)
    db.session.commit()
    return themes
