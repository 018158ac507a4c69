"""The phone's three writes — sit at a table, send a note, spend a dot — in Core statements built
once per dialect and process, without loading ORM objects (issue 13, item 4; as the vote's
``participation.services.vote_by_keys``).

Each write is one SELECT of everything it needs (the workshop by its join code with its state,
ward, budget and consultation's phase, the participant by the cookie's id with their seat, and
what the form names: the table, the topic, an earlier note of the same submission key, the
target of a dot and the dots already spent), then an INSERT … ON CONFLICT that makes a re-sent
or racing form harmless, in the same transaction. The database's constraints stay the guard:
one seat per participant and workshop, one note per submission key, one dot per slot.

Whatever is not the plain case raises ``Fallback`` before anything is written: the caller
rolls back and takes the ORM path (services/phone.py), which renders the page or the refusal
(an unknown or closed code, no seat, a form with errors, a phone whose ward changes — the ORM's
events move its earlier votes). The comment's ORM events (participation/tallies.py) are done
here by hand: the comment rollup and the participant's channel bits. Nothing listens to seats or
dots.
"""

from dataclasses import dataclass
from typing import Mapping

from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ...consultation.models import Consultation, Proposal, Ward
from ...core.codes import AGE_BANDS, CHANNEL_BITS, RELATIONS, WARD_OUTSIDE, WARD_UNDISCLOSED
from ...core import fields
from ...core.text import normalise_newlines
from ...edge import parse_int
from ...extensions import db
from ...i18n import utcnow
from ...participation import tallies
from ...participation.models import Comment, Participant
from ...participation.services import new_receipt_no
from ..models import DotVote, Workshop, WorkshopSeat, WorkshopTable, workshop_topic
from .common import check_note_body, dot_target
from .phone import BudgetExhausted, NoteReceipt

W, WARD, C, P = Workshop.__table__, Ward.__table__, Consultation.__table__, Participant.__table__
S, T, CM, D, PR = WorkshopSeat.__table__, WorkshopTable.__table__, Comment.__table__, DotVote.__table__, Proposal.__table__
WT = workshop_topic


class Fallback(Exception):
    """Not the plain case: roll back and let the ORM path answer."""


@dataclass(frozen=True)
class Phone:
    """The SELECT's first row: the workshop, the participant (pid None: none) and their seat."""

    workshop_id: int
    state: str
    dots: int
    ward_code: str
    phase: str
    premoderation: bool
    pid: int | None
    p_ward: str | None
    relation: str | None
    age_band: str | None
    seat_table: int | None


_built: dict = {}


def _once(name: str, build):
    """Built once per dialect and process: building the constructs costs more than running them."""
    dialect = db.engine.dialect.name
    stmt = _built.get((dialect, name))
    if stmt is None:
        stmt = _built[(dialect, name)] = build(dialect)
    return stmt


def _insert(dialect: str, table):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _phone_select(dialect: str, *extra, joins=None):
    """The workshop by code, its ward and consultation, the participant by public id and their
    seat, and ``extra`` columns; the workshop row share-locked on PostgreSQL, so that a close
    cannot slip between this check and the insert (SQLite's writers are serial already)."""
    source = (W.join(WARD, WARD.c.id == W.c.ward_id).join(C, C.c.id == W.c.consultation_id)
              .outerjoin(P, P.c.public_id == bindparam("public_id"))
              .outerjoin(S, and_(S.c.workshop_id == W.c.id, S.c.participant_id == P.c.id)))
    for table, on in joins or ():
        source = source.outerjoin(table, on)
    stmt = (select(W.c.id, W.c.state, W.c.dots_per_participant, WARD.c.code, C.c.phase, C.c.premoderation,
                   P.c.id, P.c.ward_code, P.c.relation, P.c.age_band, S.c.table_id, *extra)
            .select_from(source).where(W.c.join_code == bindparam("code")))
    if dialect == "postgresql":
        stmt = stmt.with_for_update(read=True, of=W)
    return stmt


def _phone(row) -> Phone:
    return Phone(*row[:11])


def _open(phone: Phone | None, *, seated: bool = True) -> Phone:
    """The plain case: an open workshop of an open consultation, a known participant, seated."""
    if phone is None or phone.state != "open" or phone.phase != "open":
        raise Fallback()
    if seated and (phone.pid is None or phone.seat_table is None):
        raise Fallback()
    return phone


# --- sitting at a table ----------------------------------------------------------------------

def _join_select(dialect):
    table_ok = exists().where(T.c.id == bindparam("table"), T.c.workshop_id == W.c.id)
    ward_ok = exists().where(WARD.c.code == bindparam("ward"))
    return _phone_select(dialect, table_ok, ward_ok)


def _new_participant(dialect):
    return insert(P).values(public_id=bindparam("public_id"), ward_code=bindparam("ward"),
                            relation=bindparam("relation"), age_band=bindparam("age_band"), is_demo=False,
                            created_at_utc=bindparam("now"), vote_channels=0, comment_channels=0).returning(P.c.id)


def _profile(dialect):
    return (update(P).where(P.c.id == bindparam("pid"))
            .values(relation=bindparam("relation"), age_band=bindparam("age_band")))


def _seat(dialect):
    stmt = _insert(dialect, S).values(workshop_id=bindparam("workshop"), participant_id=bindparam("pid"),
                                      table_id=bindparam("table"), joined_at_utc=bindparam("now"))
    return stmt.on_conflict_do_update(index_elements=["workshop_id", "participant_id"],
                                      set_={"table_id": stmt.excluded.table_id})


def join_by_code(code: str, public_id: str | None, data: Mapping, new_public_id: str) -> str | None:
    """Seat the phone (a new participant, with ``new_public_id``, when it has none yet); returns
    the public id of the participant made, if one was. Commits."""
    errors: dict = {}
    table = fields.string(data, "table", errors)
    ward = fields.string(data, "ward", errors).strip()
    relation = fields.string(data, "relation", errors).strip() or None
    age_band = fields.string(data, "age_band", errors).strip() or None
    if errors or not _is_id(table) or (relation is not None and relation not in RELATIONS) \
            or (age_band is not None and age_band not in AGE_BANDS):
        raise Fallback()
    conn = db.session.connection()
    row = conn.execute(_once("join", _join_select), {"code": code, "public_id": public_id, "table": int(table),
                                                     "ward": ward}).first()
    phone = _open(_phone(row) if row else None, seated=False)
    table_ok, ward_ok = row[11], row[12]
    if not table_ok or (ward and not (ward_ok or ward in (WARD_OUTSIDE, WARD_UNDISCLOSED))):
        raise Fallback()
    ward = ward or phone.ward_code  # the workshop's, when the form names none
    now = utcnow()
    made = None
    if phone.pid is None:
        made = new_public_id
        pid = conn.execute(_once("participant", _new_participant), {
            "public_id": made, "ward": ward, "relation": relation, "age_band": age_band, "now": now}).scalar_one()
    else:
        if phone.p_ward != ward:
            raise Fallback()  # the ORM moves the participant's earlier votes to the new ward
        pid = phone.pid
        new_profile = (relation or phone.relation, age_band or phone.age_band)
        if new_profile != (phone.relation, phone.age_band):
            conn.execute(_once("profile", _profile), {"pid": pid, "relation": new_profile[0],
                                                      "age_band": new_profile[1]})
    conn.execute(_once("seat", _seat), {"workshop": phone.workshop_id, "pid": pid, "table": int(table), "now": now})
    db.session.commit()
    return made


# --- a note ----------------------------------------------------------------------------------

_EARLIER = CM.alias("earlier")


def _note_select(dialect):
    topic_ok = exists().where(WT.c.workshop_id == W.c.id, WT.c.topic_id == bindparam("topic"))
    return _phone_select(dialect, topic_ok, _EARLIER.c.id, _EARLIER.c.receipt_no, _EARLIER.c.participant_id,
                         joins=[(_EARLIER, _EARLIER.c.submission_key == bindparam("key"))])


def _by_key(dialect):
    return select(CM.c.id, CM.c.receipt_no, CM.c.participant_id).where(CM.c.submission_key == bindparam("key"))


def _new_note(dialect):
    stmt = _insert(dialect, CM).values(
        receipt_no=bindparam("receipt_no"), submission_key=bindparam("key"), topic_id=bindparam("topic"),
        participant_id=bindparam("pid"), ward_code=bindparam("ward"), relation=bindparam("relation"),
        age_band=bindparam("age_band"), channel="workshop", status=bindparam("status"), body=bindparam("body"),
        is_demo=False, created_at_utc=bindparam("now"), published_at_utc=bindparam("published"),
        workshop_id=bindparam("workshop"), table_id=bindparam("table"), paper_dots=0)
    return stmt.on_conflict_do_nothing().returning(CM.c.id)


def _comment_bit(dialect):
    bits = P.c.comment_channels
    return (update(P).where(P.c.id == bindparam("pid"), bits.op("&")(CHANNEL_BITS["workshop"]) == 0)
            .values(comment_channels=bits.op("|")(CHANNEL_BITS["workshop"])))


def _is_id(text: str) -> bool:
    """Digits naming a row id the database can hold; anything else takes the ORM path, which
    answers it as before (a 4xx), so no statement here sees an integer PostgreSQL refuses."""
    return text == text.strip() and parse_int(text) is not None


def note_by_code(code: str, public_id: str | None, data: Mapping, submission_key: str | None):
    """Store a phone's note; returns (comment id, receipt number, created). Commits."""
    errors: dict = {}
    topic = fields.string(data, "topic", errors)
    body = normalise_newlines(fields.string(data, "body", errors))
    check_note_body(body, "body", errors)
    if errors or not public_id or not _is_id(topic):
        raise Fallback()
    body = body.strip()
    conn = db.session.connection()
    row = conn.execute(_once("note", _note_select), {"code": code, "public_id": public_id, "topic": int(topic),
                                                     "key": submission_key}).first()
    phone = _open(_phone(row) if row else None)
    topic_ok, earlier_id, earlier_receipt, earlier_pid = row[11:15]
    if not topic_ok:
        raise Fallback()
    if earlier_id is not None:
        if earlier_pid == phone.pid:
            db.session.commit()
            return NoteReceipt(earlier_id, earlier_receipt, False)
        submission_key = None  # someone else's key: never theirs to read back
    now = utcnow()
    status = "pending" if phone.premoderation else "published"
    for _attempt in range(5):
        receipt_no = new_receipt_no()
        created = conn.execute(_once("new note", _new_note), {
            "receipt_no": receipt_no, "key": submission_key, "topic": int(topic), "pid": phone.pid,
            "ward": phone.ward_code, "relation": phone.relation, "age_band": phone.age_band, "status": status,
            "body": body, "now": now, "published": None if phone.premoderation else now,
            "workshop": phone.workshop_id, "table": phone.seat_table}).first()
        if created is not None:
            # What the Comment mapper's after_insert does (participation/tallies.py).
            tallies.bump_comments(conn, [((int(topic), phone.ward_code, "workshop", status, tallies.jst_date(now),
                                           False), 1)])
            conn.execute(_once("comment bit", _comment_bit), {"pid": phone.pid})
            db.session.commit()
            return NoteReceipt(created[0], receipt_no, True)
        if submission_key:  # the same form, sent in parallel, was stored first
            found = conn.execute(_once("by key", _by_key), {"key": submission_key}).first()
            if found is not None:
                if found.participant_id == phone.pid:
                    db.session.commit()
                    return NoteReceipt(found.id, found.receipt_no, False)
                submission_key = None
        # else: a receipt number collided (1 in 2^60); draw another
    raise RuntimeError("could not allocate a receipt number")


# --- a dot -----------------------------------------------------------------------------------

def _dot_select(dialect):
    note_ok = exists().where(CM.c.id == bindparam("comment"), CM.c.workshop_id == W.c.id, CM.c.status != "hidden")
    proposal_ok = exists().where(PR.c.id == bindparam("proposal"), PR.c.withdrawn_at_utc.is_(None),
                                 WT.c.topic_id == PR.c.topic_id, WT.c.workshop_id == W.c.id)
    return _phone_select(dialect, note_ok, proposal_ok, D.c.slot, D.c.comment_id, D.c.proposal_id,
                         joins=[(D, and_(D.c.workshop_id == W.c.id, D.c.participant_id == P.c.id))])


def _dots_of(dialect):
    return select(D.c.slot, D.c.comment_id, D.c.proposal_id).where(
        D.c.workshop_id == bindparam("workshop"), D.c.participant_id == bindparam("pid"))


def _new_dot(dialect):
    return (_insert(dialect, D).values(workshop_id=bindparam("workshop"), participant_id=bindparam("pid"),
                                       slot=bindparam("slot"), comment_id=bindparam("comment"),
                                       proposal_id=bindparam("proposal"), created_at_utc=bindparam("now"))
            .on_conflict_do_nothing(index_elements=["workshop_id", "participant_id", "slot"]).returning(D.c.id))


def dot_by_code(code: str, public_id: str | None, target: str, slot_hint: int | None) -> tuple[bool, int]:
    """Put one dot on 'c<id>' or 'p<id>' in the lowest free slot; returns (created, dots left).
    A form sent twice (its offered slot holds a dot on the same target) adds nothing. Raises
    ``BudgetExhausted`` (rolled back) when every slot is taken. Commits."""
    parsed = dot_target(target)
    if parsed is None or not public_id:
        raise Fallback()
    kind, number = parsed
    comment_id, proposal_id = (number, None) if kind == "c" else (None, number)
    conn = db.session.connection()
    rows = conn.execute(_once("dot", _dot_select), {"code": code, "public_id": public_id, "comment": comment_id,
                                                    "proposal": proposal_id}).all()
    phone = _open(_phone(rows[0]) if rows else None)
    note_ok, proposal_ok = rows[0][11:13]
    if not (note_ok if comment_id is not None else proposal_ok):
        raise Fallback()
    taken = {r[13]: (r[14], r[15]) for r in rows if r[13] is not None}
    budget = phone.dots
    for _attempt in range(budget + 2):
        if slot_hint and taken.get(slot_hint) == (comment_id, proposal_id):
            db.session.commit()
            return False, max(budget - len(taken), 0)
        free = [s for s in range(1, budget + 1) if s not in taken]
        if not free:
            db.session.rollback()
            raise BudgetExhausted(0)
        created = conn.execute(_once("new dot", _new_dot), {
            "workshop": phone.workshop_id, "pid": phone.pid, "slot": free[0], "comment": comment_id,
            "proposal": proposal_id, "now": utcnow()}).first()
        if created is not None:
            db.session.commit()
            return True, len(free) - 1
        # A parallel request took that slot (PostgreSQL; SQLite's writers are serial): look again.
        taken = {r.slot: (r.comment_id, r.proposal_id) for r in
                 conn.execute(_once("dots of", _dots_of), {"workshop": phone.workshop_id, "pid": phone.pid})}
    db.session.rollback()
    raise BudgetExhausted(0)
