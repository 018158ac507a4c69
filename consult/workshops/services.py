"""Ward-workshop rules, shared by the facilitator console, the phones, the projector JSON and the CLI.

Functions here take plain values (a workshop, a user or participant, a mapping of form fields) and
return models or raise ``InvalidInput`` / ``NotAccepting`` / ``WrongState``; they never touch
``request``, ``session`` or ``flash``. Every staff change is written to the audit log in the same
transaction as the change. Citizens' text is never logged, nor copied into the audit log.

Life-cycle: planned → open (a join code is drawn) → closed (notes and dots stop; the themes are
handed on through ``signals.workshop_closed``, and the secretariat makes them proposed opinion
groups). Every note is a ``Comment``: channel ``workshop`` from a phone, ``paper`` when typed in
from a sticky note.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, literal_column, select, union_all, update
from sqlalchemy.exc import IntegrityError

from ..audit import record, snapshot
from ..consultation.models import Consultation, Proposal, Topic, Ward
from ..edge import MAX_ID, parse_int
from ..extensions import db
from ..i18n import JST, utcnow
from ..participation.models import AGE_BANDS, RELATIONS, Comment, Participant
from ..participation.services import InvalidInput, NotAccepting, new_receipt_no, ward_choices
from ..text import has_forbidden_characters, nfkc, normalise_newlines, search_key, visible_length
from .models import DotVote, Theme, Workshop, WorkshopSeat, WorkshopTable, workshop_topic
from .signals import workshop_closed

__all__ = ["InvalidInput", "NotAccepting", "WrongState", "BudgetExhausted"]

# Join codes: no 0/O, 1/I to misread from a projector at the back of a hall.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
NOTE_MAX = 300  # characters, NFKC-normalised, as a person counts them
TITLE_MAX = 200
VENUE_MAX = 200
TABLE_NAME_MAX = 50
TABLES_MAX = 50
THEME_NAME_MAX = 200
DOTS_MAX = 20  # the model's check constraint
PAPER_DOTS_MAX = 999
PAPER_LINES_MAX = 300
# "意見の文 [3]" — a paper note's dot tally, written at the end of its line. NFKC first, so that
# full-width ［３］ counts too.
_TALLY = re.compile(r"^(?P<body>.*?)\s*\[\s*(?P<dots>\d+)\s*\]\s*$")
_BULLET = re.compile(r"^\s*[・•]\s*")

WORKSHOP_AUDIT_FIELDS = ("title", "venue", "ward_id", "starts_at_utc", "ends_at_utc", "state", "join_code",
                         "dots_per_participant", "facilitator_id", "opened_at_utc", "closed_at_utc")


class WrongState(Exception):
    """The action does not fit the workshop's state (e.g. closing a planned workshop)."""

    def __init__(self, message):
        super().__init__("wrong state")
        self.message = message


class BudgetExhausted(InvalidInput):
    """Every dot has been spent; ``left`` is the number still free (0)."""

    def __init__(self, left: int = 0):
        super().__init__({"dot": [_l("ドットはもう残っていません（残り%(left)d個）。別の付箋に貼るには、貼ったドットを外してください。",
                                     left=left)]})
        self.left = left


def state_labels() -> dict[str, Any]:
    return {"planned": _l("準備中"), "open": _l("開催中"), "closed": _l("終了")}


def channel_labels() -> dict[str, Any]:
    return {"workshop": _l("スマートフォン"), "paper": _l("紙の付箋"), "web": _l("ウェブ")}


# --- reading ----------------------------------------------------------------------------------

def list_workshops(consultation: Consultation | None = None) -> list[Workshop]:
    query = select(Workshop).order_by(Workshop.starts_at_utc.is_(None), Workshop.starts_at_utc, Workshop.id)
    if consultation is not None:
        query = query.where(Workshop.consultation_id == consultation.id)
    return list(db.session.scalars(query))


def workshop_counts(workshop_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """workshop id → {notes, participants, dots} in three GROUP BYs."""
    ids = list(workshop_ids)
    out = {i: {"notes": 0, "participants": 0, "dots": 0} for i in ids}
    if not ids:
        return out
    for wid, n, paper in db.session.execute(
            select(Comment.workshop_id, func.count(Comment.id), func.coalesce(func.sum(Comment.paper_dots), 0))
            .where(Comment.workshop_id.in_(ids)).group_by(Comment.workshop_id)):
        out[wid]["notes"] = n
        out[wid]["dots"] += int(paper)
    for wid, n in db.session.execute(select(WorkshopSeat.workshop_id, func.count(WorkshopSeat.id))
                                     .where(WorkshopSeat.workshop_id.in_(ids)).group_by(WorkshopSeat.workshop_id)):
        out[wid]["participants"] = n
    for wid, n in db.session.execute(select(DotVote.workshop_id, func.count(DotVote.id))
                                     .where(DotVote.workshop_id.in_(ids)).group_by(DotVote.workshop_id)):
        out[wid]["dots"] += n
    return out


def normalise_code(text: str | None) -> str:
    """What a person typed → the stored form: NFKC, upper case, without spaces or hyphens."""
    return re.sub(r"[\s\-‐−ー]", "", nfkc(text or "")).upper()


def is_well_formed_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def find_by_code(code: str) -> Workshop | None:
    code = normalise_code(code)
    if not is_well_formed_code(code):
        return None
    return db.session.scalar(select(Workshop).where(Workshop.join_code == code))


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def table_of(workshop: Workshop, table_id: Any) -> WorkshopTable | None:
    try:
        table_id = int(table_id)
    except (TypeError, ValueError):
        return None
    return next((t for t in workshop.tables if t.id == table_id), None)


def topic_of(workshop: Workshop, topic_id: Any) -> Topic | None:
    try:
        topic_id = int(topic_id)
    except (TypeError, ValueError):
        return None
    return next((t for t in workshop.topics if t.id == topic_id), None)


def seat_of(workshop: Workshop, participant: Participant | None) -> WorkshopSeat | None:
    if participant is None:
        return None
    return db.session.scalar(select(WorkshopSeat).where(WorkshopSeat.workshop_id == workshop.id,
                                                        WorkshopSeat.participant_id == participant.id))


def workshop_notes(workshop: Workshop, *, topic_id: int | None = None, table_id: int | None = None,
                   include_hidden: bool = False, channel: str | None = None,
                   participant_id: int | None = None) -> list[Comment]:
    query = select(Comment).where(Comment.workshop_id == workshop.id)
    if participant_id is not None:
        query = query.where(Comment.participant_id == participant_id)
    if not include_hidden:
        query = query.where(Comment.status != "hidden")
    if topic_id is not None:
        query = query.where(Comment.topic_id == topic_id)
    if table_id is not None:
        query = query.where(Comment.table_id == table_id)
    if channel is not None:
        query = query.where(Comment.channel == channel)
    return list(db.session.scalars(query.order_by(Comment.created_at_utc, Comment.id)))


def note_dot_totals(workshop: Workshop) -> dict[int, int]:
    """comment id → its dots: the phones' DotVotes plus the tally counted on the paper note."""
    totals: dict[int, int] = dict(db.session.execute(
        select(Comment.id, Comment.paper_dots).where(Comment.workshop_id == workshop.id, Comment.paper_dots > 0)).all())
    for comment_id, n in db.session.execute(
            select(DotVote.comment_id, func.count(DotVote.id))
            .where(DotVote.workshop_id == workshop.id, DotVote.comment_id.is_not(None))
            .group_by(DotVote.comment_id)):
        totals[comment_id] = totals.get(comment_id, 0) + n
    return totals


def proposal_dot_totals(workshop: Workshop) -> dict[int, int]:
    return dict(db.session.execute(
        select(DotVote.proposal_id, func.count(DotVote.id))
        .where(DotVote.workshop_id == workshop.id, DotVote.proposal_id.is_not(None))
        .group_by(DotVote.proposal_id)).all())


def comment_dot_counts(comment_ids: Iterable[int]) -> dict[int, int]:
    """For other areas (counts, exports): comment id → workshop dots (DotVotes + paper tally)."""
    ids = list(comment_ids)
    if not ids:
        return {}
    totals = {cid: int(paper) for cid, paper in db.session.execute(
        select(Comment.id, Comment.paper_dots).where(Comment.id.in_(ids)))}
    for cid, n in db.session.execute(select(DotVote.comment_id, func.count(DotVote.id))
                                     .where(DotVote.comment_id.in_(ids)).group_by(DotVote.comment_id)):
        totals[cid] = totals.get(cid, 0) + n
    return totals


# --- prepare ----------------------------------------------------------------------------------

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


def _text(data: Mapping, name: str, errors: dict) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(name, []).append(_l("文字列で指定してください。"))
        return ""
    return value


def values_of(data: Mapping, name: str) -> list:
    """Every value of a field: a form's repeated field (getlist) or a JSON list."""
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _int(value: Any) -> int | None:
    """A count or an id as typed (full-width digits too), within what the tables hold, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    return parse_int(nfkc(value), 0, MAX_ID) if isinstance(value, str) else None


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
    from ..i18n import to_jst

    return to_jst(dt).strftime("%Y-%m-%dT%H:%M")


def facilitator_choices() -> list[tuple[int, str]]:
    from ..auth.models import User

    users = db.session.scalars(select(User).where(User.role == "facilitator", User.active.is_(True))
                               .order_by(User.name, User.email))
    return [(u.id, f"{u.name}（{u.email}）" if u.name else u.email) for u in users]


def validate_workshop(data: Mapping, consultation: Consultation, *, workshop: Workshop | None = None,
                      assign_facilitator: bool = False) -> WorkshopDraft:
    """Check the prepare form; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}

    ward_code = _text(data, "ward", errors)
    ward = db.session.scalar(select(Ward).where(Ward.code == ward_code)) if ward_code else None
    if ward is None and "ward" not in errors:
        errors.setdefault("ward", []).append(_l("開催する区を選んでください。"))

    title = _text(data, "title", errors).strip()
    if not title and "title" not in errors:
        errors.setdefault("title", []).append(_l("名称を入力してください。"))
    elif visible_length(title) > TITLE_MAX:
        errors.setdefault("title", []).append(_l("名称は%(max)d文字以内にしてください。", max=TITLE_MAX))
    elif has_forbidden_characters(title):
        errors.setdefault("title", []).append(_l("使えない制御文字が含まれています。"))

    venue = _text(data, "venue", errors).strip()
    if visible_length(venue) > VENUE_MAX:
        errors.setdefault("venue", []).append(_l("会場は%(max)d文字以内にしてください。", max=VENUE_MAX))
    elif has_forbidden_characters(venue):
        errors.setdefault("venue", []).append(_l("使えない制御文字が含まれています。"))

    starts = parse_local_datetime(_text(data, "starts_at", errors))
    if starts is None and "starts_at" not in errors:
        errors.setdefault("starts_at", []).append(_l("開始日時を「2014-10-04T10:00」の形で入力してください。"))
    ends_text = _text(data, "ends_at", errors).strip()
    ends = parse_local_datetime(ends_text) if ends_text else None
    if ends_text and ends is None:
        errors.setdefault("ends_at", []).append(_l("終了日時を「2014-10-04T12:00」の形で入力してください。"))
    elif ends is not None and starts is not None and ends <= starts:
        errors.setdefault("ends_at", []).append(_l("終了日時は開始日時より後にしてください。"))

    by_id = {t.id: t for t in consultation.topics}
    topics = []
    for value in values_of(data, "topics"):
        topic = by_id.get(_int(value))
        if topic is None:
            errors.setdefault("topics", []).append(_l("審議事項の選択肢にない値です。"))
            break
        if topic not in topics:
            topics.append(topic)
    if not topics and "topics" not in errors:
        errors.setdefault("topics", []).append(_l("話し合う審議事項を1つ以上選んでください。"))
    topics.sort(key=lambda t: t.number)

    names_text = normalise_newlines(_text(data, "table_names", errors))
    names = [nfkc(line).strip() for line in names_text.split("\n") if line.strip()]
    count_text = _text(data, "table_count", errors).strip()
    if names:
        if len(names) > TABLES_MAX:
            errors.setdefault("table_names", []).append(_l("テーブルは%(max)d個までです。", max=TABLES_MAX))
        elif any(len(n) > TABLE_NAME_MAX for n in names):
            errors.setdefault("table_names", []).append(_l("テーブル名は%(max)d文字以内にしてください。", max=TABLE_NAME_MAX))
        elif any(has_forbidden_characters(n) for n in names):
            errors.setdefault("table_names", []).append(_l("使えない制御文字が含まれています。"))
        elif len(set(names)) != len(names):
            errors.setdefault("table_names", []).append(_l("同じ名前のテーブルがあります。名前を変えてください。"))
    elif count_text:
        count = _int(count_text)
        if count is None or not 1 <= count <= TABLES_MAX:
            errors.setdefault("table_count", []).append(
                _l("テーブル数は1から%(max)dまでの数字で入力してください。", max=TABLES_MAX))
        else:
            names = [str(_l("テーブル%(n)d", n=n)) for n in range(1, count + 1)]
    elif "table_names" not in errors:
        errors.setdefault("table_names", []).append(_l("テーブル名を1行に1つ入力するか、テーブル数を入力してください。"))

    dots_text = _text(data, "dots_per_participant", errors).strip()
    dots = _int(dots_text) if dots_text else 3
    if dots is None or not 0 <= dots <= DOTS_MAX:
        errors.setdefault("dots_per_participant", []).append(
            _l("1人あたりのドット数は0から%(max)dまでの数字で入力してください。", max=DOTS_MAX))

    facilitator_id = None
    if assign_facilitator:
        value = _text(data, "facilitator", errors).strip()
        if value:
            facilitator_id = _int(value)
            if facilitator_id not in dict(facilitator_choices()):
                errors.setdefault("facilitator", []).append(_l("ファシリテーターの選択肢にない値です。"))

    if workshop is not None and not errors:
        _check_changes_keep_data(workshop, topics, names, dots, errors)

    if errors:
        raise InvalidInput(errors)
    return WorkshopDraft(ward, title, venue, starts, ends, topics, names, dots, facilitator_id, assign_facilitator)


def _check_changes_keep_data(workshop: Workshop, topics: list[Topic], names: list[str], dots: int,
                             errors: dict) -> None:
    """An edit may not orphan what the room already wrote: tables, topics and dots in use stay."""
    if workshop.state == "closed":
        errors.setdefault("_form", []).append(_l("終了したワークショップは変更できません。"))
        return
    kept = set(names)
    for table in workshop.tables:
        if table.name in kept:
            continue
        used = db.session.scalar(select(func.count(Comment.id)).where(Comment.table_id == table.id)) or \
            db.session.scalar(select(func.count(WorkshopSeat.id)).where(WorkshopSeat.table_id == table.id))
        if used:
            errors.setdefault("table_names", []).append(
                _l("「%(name)s」には付箋か参加者があるため、外したり名前を変えたりできません。", name=table.name))
    topic_ids = {t.id for t in topics}
    for topic in workshop.topics:
        if topic.id not in topic_ids and db.session.scalar(
                select(func.count(Comment.id)).where(Comment.workshop_id == workshop.id, Comment.topic_id == topic.id)):
            errors.setdefault("topics", []).append(
                _l("審議事項%(n)dには付箋があるため、外せません。", n=topic.number))
    highest = db.session.scalar(select(func.max(DotVote.slot)).where(DotVote.workshop_id == workshop.id)) or 0
    if dots < highest:
        errors.setdefault("dots_per_participant", []).append(
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


# --- open and close ---------------------------------------------------------------------------

def _locked_state(workshop: Workshop) -> str:
    """The workshop's state, read under a share lock on its row (PostgreSQL; SQLite's writers are
    serial already), so that a close cannot slip between a phone's check and its insert."""
    return db.session.scalar(select(Workshop.state).where(Workshop.id == workshop.id).with_for_update(read=True))


def open_workshop(workshop: Workshop, user) -> Workshop:
    """planned → open with a fresh join code. Opening an open workshop changes nothing."""
    if workshop.state == "open":
        return workshop
    if workshop.state != "planned":
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
    if workshop.state == "closed":
        return []
    if workshop.state != "open":
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


def _require_open(workshop: Workshop) -> Consultation:
    """The workshop must be open (and its consultation accepting); returns the consultation."""
    if _locked_state(workshop) != "open":
        raise NotAccepting()
    consultation = db.session.get(Consultation, workshop.consultation_id)
    if consultation.phase != "open":
        raise NotAccepting()
    return consultation


def _require_not_closed(workshop: Workshop) -> None:
    if _locked_state(workshop) == "closed":
        raise NotAccepting()


# --- phones -----------------------------------------------------------------------------------

def join_workshop(workshop: Workshop, participant: Participant, data: Mapping) -> WorkshopSeat:
    """Sit a participant at a table (or move them); ward defaults to the workshop's, relation and
    age band are optional. One seat per participant and workshop, however often this is sent."""
    if workshop.state != "open":
        raise NotAccepting()
    errors: dict[str, list] = {}
    table = table_of(workshop, _text(data, "table", errors))
    if table is None and "table" not in errors:
        errors.setdefault("table", []).append(_l("座っているテーブルを選んでください。"))
    ward_code = _text(data, "ward", errors).strip() or workshop.ward.code
    if ward_code not in dict(ward_choices()):
        errors.setdefault("ward", []).append(_l("区の選択肢にない値です。一覧から選んでください。"))
    relation = _text(data, "relation", errors).strip() or None
    if relation is not None and relation not in RELATIONS:
        errors.setdefault("relation", []).append(_l("区との関わりの選択肢にない値です。"))
    age_band = _text(data, "age_band", errors).strip() or None
    if age_band is not None and age_band not in AGE_BANDS:
        errors.setdefault("age_band", []).append(_l("年代の選択肢にない値です。"))
    if errors:
        raise InvalidInput(errors)

    _require_open(workshop)
    participant.ward_code = ward_code
    if relation:
        participant.relation = relation
    if age_band:
        participant.age_band = age_band
    seat = seat_of(workshop, participant)
    if seat is None:
        try:
            with db.session.begin_nested():
                seat = WorkshopSeat(workshop_id=workshop.id, participant_id=participant.id, table_id=table.id)
                db.session.add(seat)
        except IntegrityError:  # the same phone joined in a parallel request
            seat = seat_of(workshop, participant)
    seat.table_id = table.id
    db.session.commit()
    return seat


def validate_note(workshop: Workshop, data: Mapping) -> tuple[Topic, str]:
    errors: dict[str, list] = {}
    topic = topic_of(workshop, _text(data, "topic", errors))
    if topic is None and "topic" not in errors:
        errors.setdefault("topic", []).append(_l("どの審議事項についての付箋か選んでください。"))
    body = normalise_newlines(_text(data, "body", errors))
    _check_note_body(body, "body", errors)
    if errors:
        raise InvalidInput(errors)
    return topic, body.strip()


def _check_note_body(body: str, name: str, errors: dict, *, line: int | None = None) -> None:
    if name in errors:
        return
    length = visible_length(body)
    prefix = {} if line is None else {"line": line}
    if length == 0:
        message = _l("付箋の内容を入力してください。") if line is None else None
    elif length > NOTE_MAX:
        message = (_l("付箋は%(max)d文字以内でお願いします（現在%(count)d文字）。", max=NOTE_MAX, count=length)
                   if line is None else
                   _l("%(line)d行目：付箋は%(max)d文字以内でお願いします（現在%(count)d文字）。",
                      max=NOTE_MAX, count=length, **prefix))
    elif has_forbidden_characters(body):
        message = (_l("使えない制御文字が含まれています。") if line is None
                   else _l("%(line)d行目：使えない制御文字が含まれています。", **prefix))
    else:
        return
    if message is not None:
        errors.setdefault(name, []).append(message)


def _new_comment(workshop: Workshop, topic: Topic, body: str, *, channel: str, table_id: int | None,
                 participant: Participant | None = None, paper_dots: int = 0,
                 submission_key: str | None = None, consultation: Consultation | None = None) -> Comment:
    consultation = consultation or db.session.get(Consultation, workshop.consultation_id)
    now = utcnow()
    published = not consultation.premoderation
    return Comment(receipt_no=new_receipt_no(), submission_key=submission_key, topic_id=topic.id,
                   participant_id=participant.id if participant else None, ward_code=workshop.ward.code,
                   relation=participant.relation if participant else None,
                   age_band=participant.age_band if participant else None, channel=channel,
                   status="published" if published else "pending", body=body, created_at_utc=now,
                   published_at_utc=now if published else None, workshop_id=workshop.id, table_id=table_id,
                   paper_dots=paper_dots)


@dataclass(frozen=True)
class NoteReceipt:
    """What a phone is told after sending a note (plain values: nothing to reload after the commit)."""

    comment_id: int
    receipt_no: str
    created: bool


def post_note(workshop: Workshop, participant: Participant, data: Mapping, submission_key: str | None = None,
              *, seat: WorkshopSeat | None = None) -> NoteReceipt:
    """A phone's note → a Comment (channel workshop) with the workshop's ward and the seat's table.

    The form's submission key makes a re-sent form harmless: the stored note's receipt is returned.
    """
    topic, body = validate_note(workshop, data)
    consultation = _require_open(workshop)
    seat = seat or seat_of(workshop, participant)
    if seat is None:
        raise InvalidInput({"table": [_l("先に、座っているテーブルを選んでください。")]})

    def earlier() -> NoteReceipt | None:
        row = db.session.execute(select(Comment.id, Comment.receipt_no, Comment.participant_id)
                                 .where(Comment.submission_key == submission_key)).first()
        if row is None:
            return None
        if row.participant_id != participant.id:
            return NoteReceipt(0, "", False)  # someone else's key: never theirs to read back
        return NoteReceipt(row.id, row.receipt_no, False)

    if submission_key:
        found = earlier()
        if found is not None and found.comment_id:
            db.session.commit()
            return found
        if found is not None:
            submission_key = None
    for _attempt in range(5):
        comment = _new_comment(workshop, topic, body, channel="workshop", table_id=seat.table_id,
                               participant=participant, submission_key=submission_key, consultation=consultation)
        try:
            with db.session.begin_nested():
                db.session.add(comment)
            receipt = NoteReceipt(comment.id, comment.receipt_no, True)
            db.session.commit()
            return receipt
        except IntegrityError:
            if submission_key:
                found = earlier()
                if found is not None and found.comment_id:
                    db.session.commit()
                    return found
            # else: a receipt number collided (1 in 2^60); draw another
    raise RuntimeError("could not allocate a receipt number")


@dataclass
class DotState:
    budget: int
    dots: list[DotVote] = field(default_factory=list)

    @property
    def used(self) -> int:
        return len(self.dots)

    @property
    def left(self) -> int:
        return max(self.budget - self.used, 0)

    @property
    def next_slot(self) -> int:
        taken = {d.slot for d in self.dots}
        return next((s for s in range(1, self.budget + 1) if s not in taken), 0)

    def on_comment(self, comment_id: int) -> list[DotVote]:
        return [d for d in self.dots if d.comment_id == comment_id]

    def on_proposal(self, proposal_id: int) -> list[DotVote]:
        return [d for d in self.dots if d.proposal_id == proposal_id]


def dot_state(workshop: Workshop, participant: Participant | None) -> DotState:
    state = DotState(workshop.dots_per_participant)
    if participant is not None:
        state.dots = list(db.session.scalars(
            select(DotVote).where(DotVote.workshop_id == workshop.id, DotVote.participant_id == participant.id)
            .order_by(DotVote.slot)))
    return state


def _dot_target(workshop: Workshop, target: str) -> tuple[int | None, int | None]:
    """'c12' → a note of this workshop, 'p3' → a proposal of a topic in scope."""
    match = re.fullmatch(r"([cp])(\d{1,18})", target or "")
    if match:
        kind, number = match.group(1), int(match.group(2))
        if kind == "c":
            comment = db.session.get(Comment, number)
            if comment is not None and comment.workshop_id == workshop.id and comment.status != "hidden":
                return comment.id, None
        else:
            proposal = db.session.get(Proposal, number)
            if (proposal is not None and proposal.withdrawn_at_utc is None
                    and proposal.topic_id in {t.id for t in workshop.topics}):
                return None, proposal.id
    raise InvalidInput({"target": [_l("ドットを貼る先の付箋または提案が見つかりません。")]})


def spend_dot(workshop: Workshop, participant: Participant, target: str,
              slot_hint: int | None = None, *, seat: WorkshopSeat | None = None) -> tuple[DotVote, bool, int]:
    """Put one dot on a note ('c<id>') or a proposal ('p<id>'); return (dot, created, dots left).

    Each dot takes the lowest free slot 1 … dots per participant; the database's unique
    (workshop, participant, slot) makes racing requests take different slots or fail, so no one
    spends more than the budget. ``slot_hint`` is the slot the form offered: when that slot
    already holds a dot on the same target, the form was sent twice and nothing is added.
    Refused with ``BudgetExhausted`` (left = 0) when every slot is taken.
    """
    comment_id, proposal_id = _dot_target(workshop, target)
    _require_open(workshop)
    if (seat or seat_of(workshop, participant)) is None:
        raise InvalidInput({"table": [_l("先に、座っているテーブルを選んでください。")]})
    budget = workshop.dots_per_participant
    for _attempt in range(budget + 2):
        taken = {d.slot: d for d in db.session.scalars(
            select(DotVote).where(DotVote.workshop_id == workshop.id, DotVote.participant_id == participant.id))}
        hinted = taken.get(slot_hint) if slot_hint else None
        if hinted is not None and (hinted.comment_id, hinted.proposal_id) == (comment_id, proposal_id):
            db.session.commit()
            return hinted, False, max(budget - len(taken), 0)
        free = [s for s in range(1, budget + 1) if s not in taken]
        if not free:
            db.session.rollback()
            raise BudgetExhausted(0)
        dot = DotVote(workshop_id=workshop.id, participant_id=participant.id, slot=free[0],
                      comment_id=comment_id, proposal_id=proposal_id)
        try:
            with db.session.begin_nested():
                db.session.add(dot)
            db.session.commit()
            return dot, True, len(free) - 1
        except IntegrityError:
            continue  # a parallel request took that slot; look again
    db.session.rollback()
    raise BudgetExhausted(0)


def remove_dot(workshop: Workshop, participant: Participant, dot_id: int) -> tuple[bool, int]:
    """Take one's own dot back, freeing its slot; return (removed, dots left). Removed is False
    when the dot was already gone (a re-sent form)."""
    _require_open(workshop)
    result = db.session.execute(delete(DotVote).where(DotVote.id == dot_id, DotVote.workshop_id == workshop.id,
                                                      DotVote.participant_id == participant.id))
    used = db.session.scalar(select(func.count(DotVote.id)).where(DotVote.workshop_id == workshop.id,
                                                                  DotVote.participant_id == participant.id))
    db.session.commit()
    return bool(result.rowcount), max(workshop.dots_per_participant - used, 0)


# --- paper capture ----------------------------------------------------------------------------

def parse_paper_lines(text: str, errors: dict, name: str = "lines") -> list[tuple[str, int]]:
    """One note per line; a tally of paper dots may end the line in brackets: "意見の文 [3]".

    Blank lines are skipped; a leading bullet (・ or •) is dropped. Returns (body, dots) pairs;
    messages name the line they are about.
    """
    notes = []
    for number, raw in enumerate(normalise_newlines(text or "").split("\n"), start=1):
        if not raw.strip():
            continue
        line = _BULLET.sub("", raw).strip()
        dots = 0
        match = _TALLY.match(nfkc(line))
        if match:
            # Cut the tally off the original text at the same place: search from the end for "[" or "［".
            cut = max(line.rfind("["), line.rfind("［"))
            body = line[:cut].rstrip() if cut >= 0 else match.group("body")
            dots = int(match.group("dots"))
            if dots > PAPER_DOTS_MAX:
                errors.setdefault(name, []).append(
                    _l("%(line)d行目：ドットの数は%(max)dまでです。", line=number, max=PAPER_DOTS_MAX))
                continue
        else:
            body = line
        if visible_length(body) == 0:
            errors.setdefault(name, []).append(_l("%(line)d行目：付箋の内容がありません。", line=number))
            continue
        before = len(errors.get(name, []))
        _check_note_body(body, name, errors, line=number)
        if len(errors.get(name, [])) == before:
            notes.append((body, dots))
    if not notes and name not in errors:
        errors.setdefault(name, []).append(_l("付箋の内容を1行に1枚ずつ入力してください。"))
    elif len(notes) > PAPER_LINES_MAX:
        errors.setdefault(name, []).append(_l("一度に入力できるのは%(max)d枚までです。", max=PAPER_LINES_MAX))
    return notes


def _paper_table_and_topic(workshop: Workshop, data: Mapping, errors: dict):
    """The table and topic a paper note is typed in for, both required."""
    table = table_of(workshop, _text(data, "table", errors))
    if table is None and "table" not in errors:
        errors.setdefault("table", []).append(_l("テーブルを選んでください。"))
    topic = topic_of(workshop, _text(data, "topic", errors))
    if topic is None and "topic" not in errors:
        errors.setdefault("topic", []).append(_l("審議事項を選んでください。"))
    return table, topic


def add_paper_notes(workshop: Workshop, data: Mapping, user) -> list[Comment]:
    """Type in paper sticky notes for one table and topic: each line becomes a Comment (channel paper)."""
    errors: dict[str, list] = {}
    table, topic = _paper_table_and_topic(workshop, data, errors)
    notes = parse_paper_lines(_text(data, "lines", errors), errors)
    if errors:
        raise InvalidInput(errors)
    _require_not_closed(workshop)
    comments = [_new_comment(workshop, topic, body, channel="paper", table_id=table.id, paper_dots=dots)
                for body, dots in notes]
    db.session.add_all(comments)
    db.session.flush()
    record(user, "workshop.paper_add", "workshop", workshop.id,
           after={"comments": [c.id for c in comments], "table_id": table.id, "topic_id": topic.id,
                  "paper_dots": [c.paper_dots for c in comments]})
    db.session.commit()
    return comments


def paper_note_of(workshop: Workshop, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.workshop_id != workshop.id or comment.channel != "paper":
        return None
    return comment


def _paper_audit(comment: Comment) -> dict:
    # The text itself stays out of the audit log; its length shows that it changed.
    return {"table_id": comment.table_id, "topic_id": comment.topic_id, "paper_dots": comment.paper_dots,
            "theme_id": comment.theme_id, "body_length": len(comment.body)}


def update_paper_note(workshop: Workshop, comment: Comment, data: Mapping, user) -> Comment:
    """Correct a typed-in paper note (its transcription, table, topic or tally) until the close."""
    errors: dict[str, list] = {}
    table, topic = _paper_table_and_topic(workshop, data, errors)
    body = normalise_newlines(_text(data, "body", errors)).strip()
    _check_note_body(body, "body", errors)
    dots_text = _text(data, "paper_dots", errors).strip()
    dots = _int(dots_text) if dots_text else 0
    if dots is None or not 0 <= dots <= PAPER_DOTS_MAX:
        errors.setdefault("paper_dots", []).append(_l("ドットの数は0から%(max)dまでの数字で入力してください。",
                                                      max=PAPER_DOTS_MAX))
    if errors:
        raise InvalidInput(errors)
    _require_not_closed(workshop)
    before = _paper_audit(comment)
    body_changed = body != comment.body
    if topic.id != comment.topic_id and comment.theme_id is not None:
        comment.theme_id = None  # a theme holds notes of its own topic only
    comment.table_id, comment.topic_id, comment.body, comment.paper_dots = table.id, topic.id, body, dots
    comment.search_text = search_key(body)
    after = _paper_audit(comment)
    if after != before or body_changed:
        record(user, "workshop.paper_edit", "comment", comment.id, before=before, after=after)
    db.session.commit()
    return comment


def delete_paper_note(workshop: Workshop, comment: Comment, user) -> None:
    """Remove a mistyped paper note; refused once phones have put dots on it."""
    _require_not_closed(workshop)
    if db.session.scalar(select(func.count(DotVote.id)).where(DotVote.comment_id == comment.id)):
        raise InvalidInput({"_form": [_l("スマートフォンからドットが貼られているため、この付箋は削除できません。")]})
    before = _paper_audit(comment) | {"receipt_no": comment.receipt_no}
    db.session.delete(comment)
    record(user, "workshop.paper_delete", "comment", comment.id, before=before)
    db.session.commit()


# --- KJ grouping ------------------------------------------------------------------------------

def _theme_fields(workshop: Workshop, data: Mapping, errors: dict, *, theme: Theme | None = None):
    name = nfkc(_text(data, "name", errors)).strip()
    if not name and "name" not in errors:
        errors.setdefault("name", []).append(_l("テーマの名前を入力してください。"))
    elif len(name) > THEME_NAME_MAX:
        errors.setdefault("name", []).append(_l("テーマの名前は%(max)d文字以内にしてください。", max=THEME_NAME_MAX))
    elif has_forbidden_characters(name):
        errors.setdefault("name", []).append(_l("使えない制御文字が含まれています。"))
    elif db.session.scalar(select(Theme.id).where(Theme.workshop_id == workshop.id, Theme.name == name,
                                                  Theme.id != (theme.id if theme else -1))):
        errors.setdefault("name", []).append(_l("同じ名前のテーマがあります。"))
    topic = topic_of(workshop, _text(data, "topic", errors))
    if topic is None and "topic" not in errors:
        errors.setdefault("topic", []).append(_l("テーマの審議事項を選んでください。"))
    return name, topic


def create_theme(workshop: Workshop, data: Mapping, user) -> Theme:
    errors: dict[str, list] = {}
    name, topic = _theme_fields(workshop, data, errors)
    if errors:
        raise InvalidInput(errors)
    _require_not_closed(workshop)
    position = (db.session.scalar(select(func.max(Theme.position)).where(Theme.workshop_id == workshop.id)) or 0) + 1
    theme = Theme(workshop_id=workshop.id, topic_id=topic.id, name=name, position=position)
    try:
        with db.session.begin_nested():
            db.session.add(theme)
    except IntegrityError:  # the same name, added at the same moment
        raise InvalidInput({"name": [_l("同じ名前のテーマがあります。")]}) from None
    record(user, "workshop.theme_create", "theme", theme.id,
           after={"workshop_id": workshop.id, "name": name, "topic_id": topic.id})
    db.session.commit()
    return theme


def theme_of(workshop: Workshop, theme_id: Any) -> Theme | None:
    theme_id = _int(theme_id) if not isinstance(theme_id, int) else theme_id
    if theme_id is None:
        return None
    theme = db.session.get(Theme, theme_id)
    return theme if theme is not None and theme.workshop_id == workshop.id else None


def update_theme(workshop: Workshop, theme: Theme, data: Mapping, user) -> Theme:
    errors: dict[str, list] = {}
    name, topic = _theme_fields(workshop, data, errors, theme=theme)
    if not errors and topic.id != theme.topic_id and db.session.scalar(
            select(func.count(Comment.id)).where(Comment.theme_id == theme.id)):
        errors.setdefault("topic", []).append(_l("付箋が入っているテーマの審議事項は変えられません。"))
    if errors:
        raise InvalidInput(errors)
    _require_not_closed(workshop)
    before = {"name": theme.name, "topic_id": theme.topic_id}
    theme.name, theme.topic_id = name, topic.id
    record(user, "workshop.theme_update", "theme", theme.id, before=before, after={"name": name, "topic_id": topic.id})
    db.session.commit()
    return theme


def delete_theme(workshop: Workshop, theme: Theme, user) -> None:
    """Remove a theme; its notes go back to 未分類."""
    _require_not_closed(workshop)
    notes = list(db.session.scalars(select(Comment.id).where(Comment.theme_id == theme.id)))
    db.session.execute(update(Comment).where(Comment.theme_id == theme.id).values(theme_id=None))
    before = {"name": theme.name, "topic_id": theme.topic_id, "notes": notes}
    db.session.delete(theme)
    record(user, "workshop.theme_delete", "theme", theme.id, before=before)
    db.session.commit()


def move_notes(workshop: Workshop, moves: Mapping[Any, Any], user) -> int:
    """Place notes into themes: {comment id: theme id or None (未分類)}. Returns how many moved.

    A theme holds notes of its own topic only. All or nothing: one bad move refuses them all.
    """
    _require_not_closed(workshop)
    wanted: dict[int, int | None] = {}
    errors: dict[str, list] = {}
    for key, value in moves.items():
        comment_id = key if isinstance(key, int) and not isinstance(key, bool) else _int(key)
        theme_id = None if value in (None, "", "none") else (
            value if isinstance(value, int) and not isinstance(value, bool) else _int(value))
        if comment_id is None or (value not in (None, "", "none") and theme_id is None):
            errors.setdefault("_form", []).append(_l("付箋かテーマの指定が正しくありません。"))
            break
        wanted[comment_id] = theme_id
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).where(Comment.id.in_(list(wanted)), Comment.workshop_id == workshop.id))} if wanted else {}
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.workshop_id == workshop.id))}
    changes = []
    for comment_id, theme_id in wanted.items():
        comment = comments.get(comment_id)
        theme = themes.get(theme_id) if theme_id is not None else None
        if comment is None or (theme_id is not None and theme is None):
            errors.setdefault("_form", []).append(_l("この会の付箋かテーマではありません。"))
            break
        if theme is not None and theme.topic_id != comment.topic_id:
            errors.setdefault("_form", []).append(
                _l("テーマ「%(theme)s」には、同じ審議事項の付箋だけを入れられます。", theme=theme.name))
            break
        if comment.theme_id != theme_id:
            changes.append({"comment_id": comment_id, "from": comment.theme_id, "to": theme_id})
            comment.theme_id = theme_id
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    if changes:
        record(user, "workshop.notes_move", "workshop", workshop.id, after={"moves": changes})
    db.session.commit()
    return len(changes)


# --- the projector ----------------------------------------------------------------------------

def live_version(workshop: Workshop) -> str:
    """The projector data's version (an ETag, unquoted)'s data, from a few aggregates in one round trip.

    Any note, dot, seat, theme, table or topic change moves one of the sums or counts; nothing
    is kept per connection, so any worker process answers the same.
    """
    wid = workshop.id
    zero = literal_column("0")
    parts = [
        select(literal_column("1"), func.count(Comment.id), func.coalesce(func.max(Comment.id), 0),
               func.coalesce(func.sum(Comment.paper_dots), 0), func.coalesce(func.sum(Comment.theme_id), 0),
               func.coalesce(func.sum(func.length(Comment.body)), 0),
               func.coalesce(func.sum(case((Comment.status == "hidden", Comment.id), else_=0)), 0),
               func.coalesce(func.sum(Comment.table_id * 7 + Comment.topic_id), 0))
        .where(Comment.workshop_id == wid),
        select(literal_column("2"), func.count(DotVote.id), func.coalesce(func.max(DotVote.id), 0),
               func.coalesce(func.sum(DotVote.comment_id), 0), func.coalesce(func.sum(DotVote.proposal_id), 0),
               func.coalesce(func.sum(DotVote.slot), 0), zero, zero)
        .where(DotVote.workshop_id == wid),
        select(literal_column("3"), func.count(WorkshopSeat.id), func.coalesce(func.max(WorkshopSeat.id), 0),
               func.coalesce(func.sum(WorkshopSeat.table_id), 0), zero, zero, zero, zero)
        .where(WorkshopSeat.workshop_id == wid),
        select(literal_column("4"), func.count(Theme.id), func.coalesce(func.max(Theme.id), 0),
               func.coalesce(func.sum(func.length(Theme.name)), 0), func.coalesce(func.sum(Theme.topic_id), 0),
               func.coalesce(func.sum(Theme.position), 0), zero, zero)
        .where(Theme.workshop_id == wid),
        select(literal_column("5"), func.count(WorkshopTable.id), func.coalesce(func.max(WorkshopTable.id), 0),
               func.coalesce(func.sum(func.length(WorkshopTable.name)), 0),
               func.coalesce(func.sum(WorkshopTable.position), 0), zero, zero, zero)
        .where(WorkshopTable.workshop_id == wid),
        select(literal_column("6"), func.count(workshop_topic.c.topic_id), func.coalesce(func.sum(workshop_topic.c.topic_id), 0),
               zero, zero, zero, zero, zero)
        .where(workshop_topic.c.workshop_id == wid),
    ]
    rows = sorted(tuple(int(v) for v in row) for row in db.session.execute(union_all(*parts)))
    own = (workshop.state, workshop.join_code, workshop.title, workshop.venue, workshop.dots_per_participant,
           workshop.ward_id)
    digest = hashlib.sha256(repr((own, rows)).encode()).hexdigest()[:32]
    return f"w{wid}-{digest}"


def live_state(workshop: Workshop, *, recent: int = 60, top: int = 10) -> dict:
    """What the projector shows: counts, the latest notes by table and topic, and dot totals.

    Aggregates and two LIMITed queries: the cost does not grow with the hall's output.
    """
    wid = workshop.id
    tables = {t.id: t for t in workshop.tables}
    topics = list(workshop.topics)
    themes = dict(db.session.execute(select(Theme.id, Theme.name).where(Theme.workshop_id == wid)).all())
    phone_dots = (select(DotVote.comment_id.label("comment_id"), func.count(DotVote.id).label("n"))
                  .where(DotVote.workshop_id == wid, DotVote.comment_id.is_not(None))
                  .group_by(DotVote.comment_id).subquery())
    dots = Comment.paper_dots + func.coalesce(phone_dots.c.n, 0)
    visible = (Comment.workshop_id == wid, Comment.status != "hidden")
    notes = select(Comment, dots.label("dots")).outerjoin(phone_dots, phone_dots.c.comment_id == Comment.id) \
        .where(*visible)

    def note_json(c: Comment, n: int) -> dict:
        table = tables.get(c.table_id)
        return {"id": c.id, "topic_id": c.topic_id, "table_id": c.table_id, "table": table.name if table else "",
                "body": c.public_text, "channel": c.channel, "dots": int(n or 0), "theme": themes.get(c.theme_id, "")}

    by_topic = {t.id: {"notes": 0, "dots": 0} for t in topics}
    for topic_id, n, d in db.session.execute(
            select(Comment.topic_id, func.count(Comment.id), func.coalesce(func.sum(dots), 0))
            .outerjoin(phone_dots, phone_dots.c.comment_id == Comment.id).where(*visible).group_by(Comment.topic_id)):
        if topic_id in by_topic:
            by_topic[topic_id] = {"notes": int(n), "dots": int(d)}
    by_table = dict(db.session.execute(select(Comment.table_id, func.count(Comment.id)).where(*visible)
                                       .group_by(Comment.table_id)).all())
    seats = dict(db.session.execute(select(WorkshopSeat.table_id, func.count(WorkshopSeat.id))
                                    .where(WorkshopSeat.workshop_id == wid).group_by(WorkshopSeat.table_id)).all())
    proposal_dots = proposal_dot_totals(workshop)
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(list(proposal_dots))))} \
        if proposal_dots else {}
    for pid, n in proposal_dots.items():
        if proposals.get(pid) is not None and proposals[pid].topic_id in by_topic:
            by_topic[proposals[pid].topic_id]["dots"] += n
    latest = db.session.execute(notes.order_by(Comment.id.desc()).limit(recent)).all() if recent else []
    ranked = db.session.execute(notes.where(dots > 0).order_by(dots.desc(), Comment.id).limit(top)).all() if top else []
    ranked_proposals = sorted(proposal_dots.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {
        "workshop": {"id": wid, "title": workshop.title, "state": workshop.state,
                     "join_code": workshop.join_code, "dots_per_participant": workshop.dots_per_participant},
        "participants": sum(seats.values()),
        "notes_total": sum(v["notes"] for v in by_topic.values()),
        "dots_total": sum(v["dots"] for v in by_topic.values()),
        "topics": [{"id": t.id, "number": t.number, "title": t.title, **by_topic[t.id]} for t in topics],
        "tables": [{"id": t.id, "name": t.name, "participants": seats.get(t.id, 0), "notes": by_table.get(t.id, 0)}
                   for t in tables.values()],
        "recent": [note_json(c, n) for c, n in latest],
        "top_notes": [note_json(c, n) for c, n in ranked],
        "top_proposals": [{"id": pid, "text": proposals[pid].text, "topic_id": proposals[pid].topic_id, "dots": n}
                          for pid, n in ranked_proposals if pid in proposals],
    }
