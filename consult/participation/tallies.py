"""Vote aggregates kept beside the vote rows, in the same transaction as each change.

- ``vote_tally``: votes per (proposal, value), for the pages and the API;
- ``vote_rollup``: votes per (proposal, voter's current ward, channel, value, JST day of the
  first vote), for the review dashboard;
- ``participant.vote_channels``: the channels a participant voted through on proposals not
  withdrawn, and ``participant.comment_channels``: those of their comments not hidden, for the
  dashboard's participant figures;
- ``comment_rollup``: comments per (topic, ward, channel, status, JST day, without participant),
  for the dashboard's comment figures;
- ``participant_rollup``: participants per (ward, relation, age band, channels voted or
  commented through), for its participant figures — kept by database triggers (migration 0013), not here.

The ``vote`` and ``comment`` rows remain the record. ``cast_vote`` writes through ``record_vote``; every other
ORM change to a vote, a comment, a voter's ward or a proposal's withdrawal is caught by the
mapper events below; bulk inserts (demo data, bench/populate.py) call ``recount`` at their end, and so can an operator
(``flask recount``), which rebuilds everything from the vote rows and says what it corrected.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, case, delete, distinct, event, func, insert, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import attributes

from ..consultation.models import Proposal
from ..core.codes import CHANNEL_BITS
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from .models import Comment, CommentRollup, Participant, ParticipantRollup, Vote, VoteRollup, VoteTally

V, P, T, R, C = Vote.__table__, Participant.__table__, VoteTally.__table__, VoteRollup.__table__, Comment.__table__
CR, PR = CommentRollup.__table__, ParticipantRollup.__table__
ROLLUP_KEY = ("proposal_id", "ward_code", "channel", "value", "day")
COMMENT_KEY = ("topic_id", "ward_code", "channel", "status", "day", "anonymous")
PARTICIPANT_KEY = ("ward_code", "relation", "age_band", "channels")


def jst_date(utc: datetime) -> date:
    return (utc + timedelta(hours=9)).date()


def _dialect(executor) -> str:
    bind = executor if hasattr(executor, "dialect") else executor.get_bind()
    return bind.dialect.name


def _insert(executor, table):
    return (postgresql.insert if _dialect(executor) == "postgresql" else sqlite.insert)(table)


_built: dict = {}


def _once(executor, name: str, build):
    """A statement built once per dialect and process: building Core constructs costs more CPU than
    running them (SQLAlchemy caches the compiled SQL, not the construct)."""
    key = (_dialect(executor), name)
    stmt = _built.get(key)
    if stmt is None:
        stmt = _built[key] = build(key[0])
    return stmt


def _upsert_add(executor, table, keys, rows: list[dict]) -> None:
    def build(_dialect_name):
        stmt = _insert(executor, table)
        return stmt.on_conflict_do_update(index_elements=list(keys), set_={"n": table.c.n + stmt.excluded.n})

    executor.execute(_once(executor, "add:" + table.name, build), rows if len(rows) > 1 else rows[0])


def bump(executor, changes) -> None:
    """Add ``n`` (may be negative) to the tally and rollup of each (proposal_id, ward_code, channel,
    value, day, n)."""
    tally: dict[tuple[int, str], int] = {}
    rollup: dict[tuple, int] = {}
    for proposal_id, ward, channel, value, day, n in changes:
        tally[(proposal_id, value)] = tally.get((proposal_id, value), 0) + n
        key = (proposal_id, ward or "", channel, value, day)
        rollup[key] = rollup.get(key, 0) + n
    # In key order, so that parallel transactions lock the rows in the same order (no deadlock).
    if rows := [dict(proposal_id=p, value=v, n=n) for (p, v), n in sorted(tally.items()) if n]:
        _upsert_add(executor, T, ("proposal_id", "value"), rows)
    if rows := [dict(zip(ROLLUP_KEY, key), n=n) for key, n in sorted(rollup.items()) if n]:
        _upsert_add(executor, R, ROLLUP_KEY, rows)


def _channel_bit(channel_column):
    return case(CHANNEL_BITS, value=channel_column, else_=0)


def _vote_bits(pid_column):
    """The CHANNEL_BITS of a participant's votes on proposals not withdrawn, as a SQL scalar
    (sum of the distinct bits: SQLite has no bit_or)."""
    return func.coalesce(
        select(func.sum(distinct(_channel_bit(V.c.channel))))
        .select_from(V.join(Proposal.__table__, Proposal.id == V.c.proposal_id))
        .where(V.c.participant_id == pid_column, Proposal.withdrawn_at_utc.is_(None)).scalar_subquery(), 0)


def _comment_bits(pid_column):
    """The CHANNEL_BITS of a participant's comments that are not hidden, as a SQL scalar."""
    return func.coalesce(
        select(func.sum(distinct(_channel_bit(C.c.channel))))
        .where(C.c.participant_id == pid_column, C.c.status != "hidden").scalar_subquery(), 0)


def _refresh(executor, column, bits, participant_ids) -> int:
    stmt = update(P).where(column != bits).values({column.name: bits})
    if participant_ids is not None:
        # Lock the rows first (PostgreSQL): the UPDATE's subquery then sees every vote or comment
        # committed by a writer that held them; later writers OR their bit into the new value.
        executor.execute(select(P.c.id).where(P.c.id.in_(participant_ids)).with_for_update())
        stmt = stmt.where(P.c.id.in_(participant_ids))
    return executor.execute(stmt).rowcount


def refresh_vote_bits(executor, participant_ids=None) -> int:
    """Recompute ``vote_channels`` of the given participants (ids or a SELECT of ids; all when
    None); returns the number of rows that were wrong."""
    return _refresh(executor, P.c.vote_channels, _vote_bits(P.c.id), participant_ids)


def refresh_comment_bits(executor, participant_ids=None) -> int:
    """``refresh_vote_bits`` for ``comment_channels``."""
    return _refresh(executor, P.c.comment_channels, _comment_bits(P.c.id), participant_ids)


# --- the write path of cast_vote ------------------------------------------------------------

def record_vote(connection, participant_id: int, proposal_id: int, value: str, channel: str, *,
                voter: tuple[str | None, int] | None = None) -> None:
    """Insert or change one vote and its aggregates on ``connection``, in Core statements built once
    (no ORM objects); the caller commits. ``voter``: (ward, vote_channels) of a participant made in
    this transaction, which no one else can see yet, so need not be read or locked.

    The vote is an INSERT … ON CONFLICT DO NOTHING: the aggregates need the previous value of a
    changed vote, which neither SQLite nor PostgreSQL returns from ON CONFLICT DO UPDATE.
    """
    if voter is None:
        # Locks the voter's row on PostgreSQL, so a parallel ward change moves this vote too.
        voter = connection.execute(_once(connection, "voter", lambda _d: select(P.c.ward_code, P.c.vote_channels)
                                         .where(P.c.id == bindparam("pid")).with_for_update()),
                                   {"pid": participant_id}).one()
    ward, bits = voter
    now = utcnow()
    created = connection.execute(_once(connection, "vote", lambda _d: _insert(connection, V).values(
        participant_id=bindparam("pid"), proposal_id=bindparam("proposal"), value=bindparam("value"),
        channel=bindparam("channel"), created_at_utc=bindparam("now"), updated_at_utc=bindparam("now"))
        .on_conflict_do_nothing(index_elements=["participant_id", "proposal_id"]).returning(V.c.id)),
        {"pid": participant_id, "proposal": proposal_id, "value": value, "channel": channel, "now": now}).first()
    if created is not None:
        bump(connection, [(proposal_id, ward, channel, value, jst_date(now), 1)])
        if not bits & CHANNEL_BITS[channel]:
            connection.execute(update(P).where(P.c.id == participant_id)
                               .values(vote_channels=P.c.vote_channels.op("|")(CHANNEL_BITS[channel])))
        return
    old = connection.execute(select(V.c.id, V.c.value, V.c.channel, V.c.created_at_utc)
                             .where(V.c.participant_id == participant_id, V.c.proposal_id == proposal_id)
                             .with_for_update()).one()
    if old.value == value:
        return
    connection.execute(update(V).where(V.c.id == old.id).values(value=value, updated_at_utc=now))
    day = jst_date(old.created_at_utc)
    bump(connection, [(proposal_id, ward, old.channel, old.value, day, -1),
                      (proposal_id, ward, old.channel, value, day, 1)])


# --- every other change, through the ORM -------------------------------------------------------

def _ward_of(connection, participant_id: int) -> str | None:
    return connection.scalar(select(P.c.ward_code).where(P.c.id == participant_id))


@event.listens_for(Vote, "after_insert")
def _vote_inserted(_mapper, connection, vote):
    bump(connection, [(vote.proposal_id, _ward_of(connection, vote.participant_id), vote.channel, vote.value,
                       jst_date(vote.created_at_utc), 1)])
    refresh_vote_bits(connection, [vote.participant_id])


def _old(obj, name):
    history = attributes.get_history(obj, name)
    return history.deleted[0] if history.deleted else getattr(obj, name)


@event.listens_for(Vote, "after_update")
def _vote_updated(_mapper, connection, vote):
    names = ("proposal_id", "participant_id", "channel", "value", "created_at_utc")
    before = {n: _old(vote, n) for n in names}
    if all(before[n] == getattr(vote, n) for n in names):
        return
    bump(connection, [
        (before["proposal_id"], _ward_of(connection, before["participant_id"]), before["channel"], before["value"],
         jst_date(before["created_at_utc"]), -1),
        (vote.proposal_id, _ward_of(connection, vote.participant_id), vote.channel, vote.value,
         jst_date(vote.created_at_utc), 1)])
    refresh_vote_bits(connection, {before["participant_id"], vote.participant_id})


@event.listens_for(Vote, "after_delete")
def _vote_deleted(_mapper, connection, vote):
    bump(connection, [(vote.proposal_id, _ward_of(connection, vote.participant_id), vote.channel, vote.value,
                       jst_date(vote.created_at_utc), -1)])
    refresh_vote_bits(connection, [vote.participant_id])


@event.listens_for(Participant, "before_update")
def _ward_changing(_mapper, connection, participant):
    """A voter's votes count under their current ward: move them when it changes."""
    history = attributes.get_history(participant, "ward_code")
    if not history.has_changes() or (history.deleted and history.deleted[0] == participant.ward_code):
        return
    # The stored ward, with the row locked (PostgreSQL) so that no vote slips in meanwhile.
    old = connection.scalar(select(P.c.ward_code).where(P.c.id == participant.id).with_for_update())
    if (old or "") == (participant.ward_code or ""):
        return
    rows = connection.execute(select(V.c.proposal_id, V.c.channel, V.c.value, V.c.created_at_utc)
                              .where(V.c.participant_id == participant.id)).all()
    changes = []
    for proposal_id, channel, value, created in rows:
        day = jst_date(created)
        changes += [(proposal_id, old, channel, value, day, -1),
                    (proposal_id, participant.ward_code, channel, value, day, 1)]
    bump(connection, changes)


@event.listens_for(Proposal, "after_update")
def _withdrawal_changed(_mapper, connection, proposal):
    if attributes.get_history(proposal, "withdrawn_at_utc").has_changes():
        refresh_vote_bits(connection, select(V.c.participant_id).where(V.c.proposal_id == proposal.id))


def _comment_key(get) -> tuple:
    """The comment's COMMENT_KEY, its fields read through ``get(name)``."""
    return (get("topic_id"), get("ward_code") or "", get("channel"), get("status"), jst_date(get("created_at_utc")),
            get("participant_id") is None)


def bump_comments(executor, changes) -> None:
    """Add ``n`` to the comment rollup row of each (COMMENT_KEY tuple, n)."""
    merged: dict[tuple, int] = {}
    for key, n in changes:
        merged[key] = merged.get(key, 0) + n
    if rows := [dict(zip(COMMENT_KEY, key), n=n) for key, n in sorted(merged.items()) if n]:
        _upsert_add(executor, CR, COMMENT_KEY, rows)


@event.listens_for(Comment, "after_insert")
def _comment_inserted(_mapper, connection, comment):
    bump_comments(connection, [(_comment_key(lambda n: getattr(comment, n)), 1)])
    if comment.participant_id is not None and comment.status != "hidden":
        connection.execute(update(P).where(P.c.id == comment.participant_id)
                           .values(comment_channels=P.c.comment_channels.op("|")(CHANNEL_BITS[comment.channel])))


@event.listens_for(Comment, "after_update")
def _comment_updated(_mapper, connection, comment):
    before, after = _comment_key(lambda n: _old(comment, n)), _comment_key(lambda n: getattr(comment, n))
    if before != after:
        bump_comments(connection, [(before, -1), (after, 1)])
    names = ("participant_id", "channel", "status")
    if any(attributes.get_history(comment, n).has_changes() for n in names):
        ids = {_old(comment, "participant_id"), comment.participant_id} - {None}
        if ids:
            refresh_comment_bits(connection, ids)


@event.listens_for(Comment, "after_delete")
def _comment_deleted(_mapper, connection, comment):
    bump_comments(connection, [(_comment_key(lambda n: _old(comment, n)), -1)])
    if comment.participant_id is not None:
        refresh_comment_bits(connection, [comment.participant_id])


# --- rebuilding from the record ------------------------------------------------------------------

def _jst_day_sql(session, column):
    if _dialect(session) == "postgresql":
        return func.cast(column + literal_column("interval '9 hours'"), VoteRollup.day.type)
    return func.date(column, literal_column("'+9 hours'"))


def _lock(session) -> None:
    """Hold off vote writers while recounting, so nothing is counted twice or missed."""
    if _dialect(session) == "postgresql":
        session.execute(text("LOCK TABLE vote, comment, participant IN SHARE MODE"))
    else:  # a write as the transaction's first statement takes SQLite's write lock, waiting if need be
        session.execute(update(T).where(literal_column("0") == 1).values(n=T.c.n))


def recount(session) -> dict[str, int]:
    """Rebuild the aggregates from the vote and comment rows; return how many rows of each were
    wrong (and are now right). The caller commits."""
    _lock(session)
    fixed = {}
    expected_tally = {(p, v): n for p, v, n in session.execute(
        select(V.c.proposal_id, V.c.value, func.count()).group_by(V.c.proposal_id, V.c.value))}
    day = _jst_day_sql(session, V.c.created_at_utc)
    ward = func.coalesce(P.c.ward_code, "")
    expected_rollup = {(p, w, c, v, str(d)): n for p, w, c, v, d, n in session.execute(
        select(V.c.proposal_id, ward, V.c.channel, V.c.value, day, func.count())
        .select_from(V.join(P, P.c.id == V.c.participant_id))
        .group_by(V.c.proposal_id, ward, V.c.channel, V.c.value, day))}
    cday = _jst_day_sql(session, C.c.created_at_utc)
    anonymous = C.c.participant_id.is_(None)
    expected_comments = {(t, w, c, s, str(d), bool(a)): n for t, w, c, s, d, a, n in session.execute(
        select(C.c.topic_id, C.c.ward_code, C.c.channel, C.c.status, cday, anonymous, func.count())
        .group_by(C.c.topic_id, C.c.ward_code, C.c.channel, C.c.status, cday, anonymous))}
    for name, table, keys, expected in (("vote_tally", T, ("proposal_id", "value"), expected_tally),
                                        ("vote_rollup", R, ROLLUP_KEY, expected_rollup),
                                        ("comment_rollup", CR, COMMENT_KEY, expected_comments)):
        current = {tuple(str(x) if k == "day" else x for k, x in zip(keys, row[:-1])): row[-1]
                   for row in session.execute(select(*[table.c[k] for k in keys], table.c.n)) if row[-1]}
        fixed[name] = sum(current.get(k) != expected.get(k) for k in current.keys() | expected.keys())
        if fixed[name]:
            session.execute(delete(table))
            rows = [dict(zip(keys, k), n=n) for k, n in expected.items()]
            for row in rows:
                if "day" in row:
                    row["day"] = date.fromisoformat(row["day"])
            if rows:
                session.execute(insert(table), rows)
    fixed["participant.vote_channels"] = refresh_vote_bits(session)
    fixed["participant.comment_channels"] = refresh_comment_bits(session)
    fixed["participant_rollup"] = _recount_participants(session)  # after the bits, which it counts
    return fixed


def _recount_participants(session) -> int:
    """participant_rollup against the participant rows; the triggers keep it, so a difference means
    a trigger went missing (a table rebuilt by a migration) or rows written with triggers off."""
    key = (func.coalesce(P.c.ward_code, ""), func.coalesce(P.c.relation, ""), func.coalesce(P.c.age_band, ""),
           P.c.vote_channels.op("|")(P.c.comment_channels))
    expected = {tuple(row[:-1]): row[-1] for row in session.execute(select(*key, func.count()).group_by(*key))}
    current = {tuple(row[:-1]): row[-1] for row in session.execute(
        select(*[PR.c[k] for k in PARTICIPANT_KEY], PR.c.n)) if row[-1]}
    wrong = sum(current.get(k) != expected.get(k) for k in current.keys() | expected.keys())
    if wrong:
        session.execute(delete(PR))
        if expected:
            session.execute(insert(PR), [dict(zip(PARTICIPANT_KEY, k), n=n) for k, n in expected.items()])
    return wrong


@action
def rebuild() -> dict[str, int]:
    """``recount`` of the app's own session, as one action (``flask recount``)."""
    return recount(db.session)
