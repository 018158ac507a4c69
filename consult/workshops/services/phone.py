"""What a phone does at an open workshop: sit at a table, send notes, spend and take back dots.

Each write is safe to send twice (a re-sent form, a parallel request): seats are one per
participant, notes carry the form's submission key, dots take slots the database keeps unique.
"""

from dataclasses import dataclass, field
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...consultation.models import Proposal, Topic
from ...consultation.services import ward_choices
from ...core import fields
from ...core.codes import AGE_BANDS, RELATIONS
from ...core.errors import InvalidInput, NotAccepting
from ...core.text import normalise_newlines
from ...extensions import db
from ...participation.models import Comment, Participant
from ..models import DotVote, Workshop, WorkshopSeat
from .common import check_note_body, dot_target, new_comment, require_open, table_of, topic_of


class BudgetExhausted(InvalidInput):
    """Every dot has been spent; ``left`` is the number still free (0)."""

    def __init__(self, left: int = 0):
        super().__init__({"dot": [_l("ドットはもう残っていません（残り%(left)d個）。別の付箋に貼るには、貼ったドットを外してください。",
                                     left=left)]})
        self.left = left


def seat_of(workshop: Workshop, participant: Participant | None) -> WorkshopSeat | None:
    if participant is None:
        return None
    # With its table, which the phone's pages print (one statement rather than two).
    return db.session.scalar(select(WorkshopSeat).options(joinedload(WorkshopSeat.table))
                             .where(WorkshopSeat.workshop_id == workshop.id,
                                    WorkshopSeat.participant_id == participant.id))


def join_workshop(workshop: Workshop, participant: Participant, data: Mapping) -> WorkshopSeat:
    """Sit a participant at a table (or move them); ward defaults to the workshop's, relation and
    age band are optional. One seat per participant and workshop, however often this is sent."""
    if not workshop.is_open:
        raise NotAccepting()
    errors: dict[str, list] = {}
    table = table_of(workshop, fields.string(data, "table", errors))
    if table is None and "table" not in errors:
        fields.add(errors, "table", _l("座っているテーブルを選んでください。"))
    ward_code = fields.string(data, "ward", errors).strip() or workshop.ward.code
    if ward_code not in dict(ward_choices()):
        fields.add(errors, "ward", _l("区の選択肢にない値です。一覧から選んでください。"))
    relation = fields.string(data, "relation", errors).strip() or None
    if relation is not None and relation not in RELATIONS:
        fields.add(errors, "relation", _l("区との関わりの選択肢にない値です。"))
    age_band = fields.string(data, "age_band", errors).strip() or None
    if age_band is not None and age_band not in AGE_BANDS:
        fields.add(errors, "age_band", _l("年代の選択肢にない値です。"))
    if errors:
        raise InvalidInput(errors)

    require_open(workshop)
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
    topic = topic_of(workshop, fields.string(data, "topic", errors))
    if topic is None and "topic" not in errors:
        fields.add(errors, "topic", _l("どの審議事項についての付箋か選んでください。"))
    body = normalise_newlines(fields.string(data, "body", errors))
    check_note_body(body, "body", errors)
    if errors:
        raise InvalidInput(errors)
    return topic, body.strip()


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
    consultation = require_open(workshop)
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
        comment = new_comment(workshop, topic, body, channel="workshop", table_id=seat.table_id,
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
    parsed = dot_target(target)
    if parsed:
        kind, number = parsed
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
    require_open(workshop)
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
    require_open(workshop)
    result = db.session.execute(delete(DotVote).where(DotVote.id == dot_id, DotVote.workshop_id == workshop.id,
                                                      DotVote.participant_id == participant.id))
    used = db.session.scalar(select(func.count(DotVote.id)).where(DotVote.workshop_id == workshop.id,
                                                                  DotVote.participant_id == participant.id))
    db.session.commit()
    return bool(result.rowcount), max(workshop.dots_per_participant - used, 0)
