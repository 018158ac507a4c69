"""Versions of the public pages for the page cache (consult/pagecache.py): one statement each,
built once, whose result changes whenever anything the page shows changes.

What they rest on:
- every staff change (moderation, masking, sections, proposals, topics, wards, phases, paper
  notes, imports) writes an audit event in the same transaction (consult/audit.py), so the last
  audit id moves with each of them;
- citizens add rows (comments, which may be published at once; supports; participants; votes)
  and move the vote tallies, which are read as they are: the very counts ``vote_counts`` returns;
- section revisions are never edited, only added;
- what the pages print of the consultation and the topic is read directly, so that a change made
  outside the app (a script, ``flask seed``) shows too; PAGE_CACHE_MAX_AGE bounds anything else.
"""

from sqlalchemy import bindparam, func, select

from .. import pagecache
from ..extensions import db
from .models import Consultation, Meeting, Proposal, Section, SectionRevision, Topic, Ward

_statements: dict = {}


def _last(column):
    return select(func.max(column)).scalar_subquery()


def _content_ids() -> tuple:
    from ..participation.models import Comment, Support
    from ..secretariat.models import AuditEvent

    return (_last(AuditEvent.id), _last(Comment.id), _last(Support.id), _last(SectionRevision.id),
            _last(Section.id), _last(Proposal.id), _last(Ward.id))


def _consultation_shown() -> tuple:
    return (Consultation.id, Consultation.phase, Consultation.premoderation, Consultation.comments_open_at_utc,
            Consultation.comments_close_at_utc, Consultation.results_published_at_utc)


def _statement(name: str, build):
    """Statements are built once per dialect (the snapshot column differs): building a select
    costs more than running it."""
    key = (name, db.engine.dialect.name)
    if key not in _statements:
        _statements[key] = build()
    return _statements[key]


def _topic_statement():
    from ..participation.models import VoteTally

    current = select(func.max(Consultation.id)).scalar_subquery()
    fixed = (Topic.number, Topic.title, Topic.title_en, Topic.lead, Topic.summary_notice, *_consultation_shown(),
             *_content_ids(), pagecache.snapshot_column())
    # One row per proposal and vote value: the tallies ``vote_counts`` reads, read with the rest
    # (through vote_counts they would cost an ORM topic, its proposals and a query: 4× the time).
    return (select(*fixed, Proposal.id, VoteTally.value, VoteTally.n)
            .select_from(Topic).join(Consultation, Consultation.id == Topic.consultation_id)
            .outerjoin(Proposal, Proposal.topic_id == Topic.id)
            .outerjoin(VoteTally, VoteTally.proposal_id == Proposal.id)
            .where(Consultation.id == current, Topic.slug == bindparam("slug"))
            .order_by(Proposal.id, VoteTally.value)), len(fixed)


def topic_version(slug: str) -> pagecache.Version | None:
    statement, width = _statement("topic", _topic_statement)
    rows = db.session.connection().execute(statement, {"slug": slug}).all()
    if not rows:
        return None  # 404, rendered as usual
    *shown, snapshot = rows[0][:width]
    votes = tuple(tuple(row[width:]) for row in rows)
    return pagecache.version((*shown, votes), snapshot)


def _home_statement():
    from ..participation.models import Participant, Vote

    # The home page shows how many votes and participants there are: a new one is a new row.
    return (select(Consultation.title, Consultation.body, *_consultation_shown(), *_content_ids(), _last(Topic.id),
                   _last(Meeting.id), _last(Participant.id), _last(Vote.id), pagecache.snapshot_column())
            .order_by(Consultation.id.desc()).limit(1))


def home_version() -> pagecache.Version | None:
    row = db.session.connection().execute(_statement("home", _home_statement)).first()
    if row is None:
        return None
    *values, snapshot = row
    return pagecache.version(tuple(values), snapshot)


def _comments_statement():
    from ..participation.models import Comment
    from ..secretariat.models import AuditEvent

    return select(_last(AuditEvent.id), _last(Comment.id), pagecache.snapshot_column())


def comments_version() -> pagecache.Version:
    """Which comments are published, and where: a comment is published as it arrives, or by an
    audited moderation; it leaves by an audited moderation or deletion."""
    *values, snapshot = db.session.connection().execute(_statement("comments", _comments_statement)).one()
    return pagecache.version(tuple(values), snapshot)
