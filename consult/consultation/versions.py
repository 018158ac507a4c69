"""Versions of the public pages for the page cache (consult/pagecache.py): one statement each,
built once, whose result changes whenever anything the page shows changes.

What they rest on:
- every staff change (moderation, masking, sections, proposals, topics, wards, phases, paper
  notes, imports) writes an audit event in the same transaction (consult/audit/), so the last
  audit id moves with each of them;
- citizens add rows (comments, which may be published at once; supports; participants; votes)
  and move the vote tallies, which are read as they are: the very counts ``vote_counts`` returns;
- section revisions are never edited, only added;
- what the pages print of the consultation and the topic is read directly, so that a change made
  outside the app (a script, ``flask seed``) shows too; PAGE_CACHE_MAX_AGE bounds anything else;
- the clock moves two things the pages print: the days left (by the JST date) and, at the closing
  moment, the forms giving way to the closed notice (``_clock``).
"""

from datetime import datetime

from sqlalchemy import bindparam, func, select

from .. import pagecache
from ..audit.models import AuditEvent
from ..extensions import db
from ..i18n import to_jst, utcnow
from .models import Consultation, Meeting, Proposal, Section, SectionRevision, Topic, Ward

_statements: dict = {}


def _last(column):
    return select(func.max(column)).scalar_subquery()


def _content_ids() -> tuple:
    from ..participation.models import Comment, Support

    return (_last(AuditEvent.id), _last(Comment.id), _last(Support.id), _last(SectionRevision.id),
            _last(Section.id), _last(Proposal.id), _last(Ward.id))


def _consultation_shown() -> tuple:
    return (Consultation.id, Consultation.phase, Consultation.premoderation, Consultation.comments_open_at_utc,
            Consultation.comments_close_at_utc, Consultation.results_published_at_utc)


_CLOSE = 4  # the position of comments_close_at_utc in _consultation_shown()


def _clock(close_at) -> tuple:
    """Today's date in JST and whether the closing moment has passed (the raw driver gives SQLite's
    timestamps as text)."""
    now = utcnow()
    if isinstance(close_at, str):
        close_at = datetime.fromisoformat(close_at)
    return to_jst(now).date(), close_at is not None and now >= close_at


def _rows(name: str, build, params: dict | None = None) -> list:
    """Run a version statement on a connection of its own, straight through the driver.

    Built and compiled once per dialect (the snapshot column differs): building, compiling and
    running a select through the ORM session costs three times what the query itself does. Its
    own connection reads a snapshot no later than the render that may follow in the request's
    session, so a page is never kept under a version newer than its content — unless the session
    has begun reading already, whose snapshot the version must then share.
    """
    dialect = db.engine.dialect
    key = (name, dialect.name)
    if key not in _statements:
        _statements[key] = build().compile(dialect=dialect)
    compiled = _statements[key]
    values = compiled.construct_params(params or {})
    arguments = tuple(values[k] for k in compiled.positiontup) if compiled.positiontup else values
    if db.session().in_transaction():
        return db.session.connection().exec_driver_sql(compiled.string, arguments).all()
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(compiled.string, arguments)
        return cursor.fetchall()
    finally:
        connection.close()  # back to the pool, which rolls back what the read began


def _topic_shown() -> tuple:
    return Topic.number, Topic.title, Topic.title_en, Topic.lead, Topic.summary_notice


_TOPIC_COLUMNS = len(_topic_shown())  # the columns before _consultation_shown()


def _topic_statement():
    from ..participation.models import VoteTally

    current = select(func.max(Consultation.id)).scalar_subquery()
    fixed = (*_topic_shown(), *_consultation_shown(),
             *_content_ids(), pagecache.snapshot_column())
    # One row per proposal and vote value: the tallies ``vote_counts`` reads, read with the rest
    # (through vote_counts they would cost an ORM topic, its proposals and a query: 4× the time).
    return (select(*fixed, Proposal.id, VoteTally.value, VoteTally.n)
            .select_from(Topic).join(Consultation, Consultation.id == Topic.consultation_id)
            .outerjoin(Proposal, Proposal.topic_id == Topic.id)
            .outerjoin(VoteTally, VoteTally.proposal_id == Proposal.id)
            .where(Consultation.id == current, Topic.slug == bindparam("slug"))
            .order_by(Proposal.id, VoteTally.value))


def topic_version(slug: str) -> pagecache.Version | None:
    rows = _rows("topic", _topic_statement, {"slug": slug})
    if not rows:
        return None  # 404, rendered as usual
    width = len(rows[0]) - 3  # the last three: proposal, vote value, count
    *shown, snapshot = rows[0][:width]
    votes = tuple(tuple(row[width:]) for row in rows)
    return pagecache.version((*shown, votes, _clock(shown[_TOPIC_COLUMNS + _CLOSE])), snapshot)


def _home_statement():
    from ..participation.models import Participant, Vote

    # The home page shows how many votes and participants there are: a new one is a new row.
    return (select(Consultation.title, Consultation.body, *_consultation_shown(), *_content_ids(), _last(Topic.id),
                   _last(Meeting.id), _last(Participant.id), _last(Vote.id), pagecache.snapshot_column())
            .order_by(Consultation.id.desc()).limit(1))


def home_version() -> pagecache.Version | None:
    rows = _rows("home", _home_statement)
    if not rows:
        return None
    *values, snapshot = rows[0]
    return pagecache.version((*values, _clock(values[2 + _CLOSE])), snapshot)  # after title and body


def _comments_statement():
    from ..participation.models import Comment

    return select(_last(AuditEvent.id), _last(Comment.id), pagecache.snapshot_column())


def comments_version() -> pagecache.Version:
    """Which comments are published, and where: a comment is published as it arrives, or by an
    audited moderation; it leaves by an audited moderation or deletion."""
    [(*values, snapshot)] = _rows("comments", _comments_statement)
    return pagecache.version(tuple(values), snapshot)
