"""Versions of the public pages (home, topic) and of the published comments for the page cache
(consult/pagecache.py): one statement each, built once, whose result changes whenever anything
the page shows changes.

What they rest on:
- every staff change (moderation, masking, sections, proposals, topics, wards, phases, paper
  notes, imports) writes an audit event in the same transaction (consult/audit/), so the last
  audit id moves with each of them;
- citizens add rows (comments, which may be published at once; supports; participants; votes)
  and move the vote tallies, which are read as they are: the very counts ``vote_counts`` returns;
- section revisions are never edited, only added;
- what the pages print of the consultation and the topic is read directly, so that a change made
  outside the app (a script, ``flask seed``) shows too; PAGE_CACHE_MAX_AGE bounds anything else;
- the clock moves what the pages print of the period (consultation.versions.clock).
"""

from sqlalchemy import bindparam, select

from .. import pagecache
from ..audit.models import AuditEvent
from ..consultation.context import current_consultation_id
from ..consultation.models import Consultation, Meeting, Proposal, Section, SectionRevision, Topic, Ward
from ..consultation.versions import CLOSE, clock, consultation_shown
from ..pagecache import last_id, version_rows
from .models import Comment, Participant, Support, Vote, VoteTally


def _content_ids() -> tuple:
    return (last_id(AuditEvent.id), last_id(Comment.id), last_id(Support.id), last_id(SectionRevision.id),
            last_id(Section.id), last_id(Proposal.id), last_id(Ward.id))


def _topic_shown() -> tuple:
    return Topic.number, Topic.title, Topic.title_en, Topic.lead, Topic.summary_notice


_TOPIC_COLUMNS = len(_topic_shown())  # the columns before consultation_shown()


def _topic_statement():
    fixed = (*_topic_shown(), *consultation_shown(),
             *_content_ids(), pagecache.snapshot_column())
    # One row per proposal and vote value: the tallies ``vote_counts`` reads, read with the rest
    # (through vote_counts they would cost an ORM topic, its proposals and a query: 4× the time).
    return (select(*fixed, Proposal.id, VoteTally.value, VoteTally.n)
            .select_from(Topic).join(Consultation, Consultation.id == Topic.consultation_id)
            .outerjoin(Proposal, Proposal.topic_id == Topic.id)
            .outerjoin(VoteTally, VoteTally.proposal_id == Proposal.id)
            .where(Consultation.id == bindparam("consultation"), Topic.slug == bindparam("slug"))
            .order_by(Proposal.id, VoteTally.value))


def topic_version(slug: str) -> pagecache.Version | None:
    rows = version_rows("topic", _topic_statement, {"slug": slug, "consultation": current_consultation_id()})
    if not rows:
        return None  # 404, rendered as usual
    width = len(rows[0]) - 3  # the last three: proposal, vote value, count
    *shown, snapshot = rows[0][:width]
    votes = tuple(tuple(row[width:]) for row in rows)
    return pagecache.version((*shown, votes, clock(shown[_TOPIC_COLUMNS + CLOSE])), snapshot)


def _home_statement():
    # The home page shows how many votes and participants there are: a new one is a new row.
    return (select(Consultation.title, Consultation.body, *consultation_shown(), *_content_ids(), last_id(Topic.id),
                   last_id(Meeting.id), last_id(Participant.id), last_id(Vote.id), pagecache.snapshot_column())
            .where(Consultation.id == bindparam("consultation")))


def home_version() -> pagecache.Version | None:
    rows = version_rows("home", _home_statement, {"consultation": current_consultation_id()})
    if not rows:
        return None
    *values, snapshot = rows[0]
    return pagecache.version((*values, clock(values[2 + CLOSE])), snapshot)  # after title and body


def _comments_statement():
    return select(last_id(AuditEvent.id), last_id(Comment.id), pagecache.snapshot_column())


def comments_version() -> pagecache.Version:
    """Which comments are published, and where: a comment is published as it arrives, or by an
    audited moderation; it leaves by an audited moderation or deletion."""
    [(*values, snapshot)] = version_rows("comments", _comments_statement)
    return pagecache.version(tuple(values), snapshot)
