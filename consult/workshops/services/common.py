"""What the workshop modules share: the state error, the labels, join codes, reading a form's
fields, the state checks made under a row lock, and a note's text rules and its Comment row."""

import re
import secrets
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...consultation.models import Consultation, Topic
from ...core import fields
from ...core.errors import NotAccepting
from ...core.text import has_forbidden_characters, nfkc, visible_length
from ...edge import MAX_ID, parse_int
from ...extensions import db
from ...participation.models import Comment, Participant
from ...participation.services import received_comment
from ..models import Workshop, WorkshopTable

# Join codes: no 0/O, 1/I to misread from a projector at the back of a hall.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
NOTE_MAX = 300  # characters, NFKC-normalised, as a person counts them


class WrongState(Exception):
    """The action does not fit the workshop's state (e.g. closing a planned workshop)."""

    def __init__(self, message):
        super().__init__("wrong state")
        self.message = message


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


def values_of(data: Mapping, name: str) -> list:
    """Every value of a field: a form's repeated field (getlist) or a JSON list."""
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def dot_target(target: Any) -> tuple[str, int] | None:
    """A dot's target as the form sends it: 'c12' (a note) or 'p3' (a proposal) → ('c', 12), with
    the number one the tables can hold; anything else None."""
    if not isinstance(target, str) or len(target) < 2 or target[0] not in "cp" or target != target.strip():
        return None
    number = parse_int(target[1:])
    return None if number is None else (target[0], number)


def int_of(value: Any) -> int | None:
    """A count or an id as typed (full-width digits too), within what the tables hold, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    return parse_int(nfkc(value), 0, MAX_ID) if isinstance(value, str) else None


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


def locked_state(workshop: Workshop) -> str:
    """The workshop's state, read under a share lock on its row (PostgreSQL; SQLite's writers are
    serial already), so that a close cannot slip between a phone's check and its insert."""
    return db.session.scalar(select(Workshop.state).where(Workshop.id == workshop.id).with_for_update(read=True))


def require_open(workshop: Workshop) -> Consultation:
    """The workshop must be open (and its consultation accepting); returns the consultation."""
    if locked_state(workshop) != "open":
        raise NotAccepting()
    consultation = db.session.get(Consultation, workshop.consultation_id)
    if consultation.phase != "open":
        raise NotAccepting()
    return consultation


def require_not_closed(workshop: Workshop) -> None:
    if locked_state(workshop) == "closed":
        raise NotAccepting()


def check_note_body(body: str, name: str, errors: dict, *, line: int | None = None) -> None:
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
        fields.add(errors, name, message)


def new_comment(workshop: Workshop, topic: Topic, body: str, *, channel: str, table_id: int | None,
                 participant: Participant | None = None, paper_dots: int = 0,
                 submission_key: str | None = None, consultation: Consultation | None = None) -> Comment:
    """A note of this workshop as a comment: the workshop's ward, the phone's profile if any."""
    consultation = consultation or db.session.get(Consultation, workshop.consultation_id)
    return received_comment(consultation, body, channel=channel, submission_key=submission_key, topic_id=topic.id,
                            participant_id=participant.id if participant else None, ward_code=workshop.ward.code,
                            relation=participant.relation if participant else None,
                            age_band=participant.age_band if participant else None,
                            workshop_id=workshop.id, table_id=table_id, paper_dots=paper_dots)
