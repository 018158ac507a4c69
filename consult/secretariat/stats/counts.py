"""The counts every figure is made of: intervals and shares, and one GROUP BY each for votes,
comments and the participants behind them (from the rollups where they answer the filter)."""

import math
from dataclasses import dataclass

from sqlalchemy import case, distinct, func, literal_column, or_, select, union

from ...consultation.models import Consultation, Proposal, Topic
from ...consultation.services import ward_choices
from ...core.codes import CHANNEL_BITS, CHANNELS, CHANNELS_BY_KIND, IMPORTED
from ...core.text import search_key
from ...extensions import db
from ...participation.models import Comment, CommentRollup, Participant, ParticipantRollup, Vote, VoteRollup
from ..filters import ReviewFilter

# Every channel (core.codes.CHANNELS, the imported one too) has its count, 0 where a kind takes none;
# pages print their kind's columns.



def shown_channels(consultation: Consultation) -> tuple[str, ...]:
    """The channels a consultation's tables print: its kind's, and the imported channel when it
    holds imported comments (no kind takes that channel by hand). Asked of comment_rollup: the
    comment table has no index that answers "none imported" without reading every comment."""
    imported = db.session.scalar(select(CommentRollup.n).join(Topic, Topic.id == CommentRollup.topic_id).where(
        Topic.consultation_id == consultation.id, CommentRollup.channel == IMPORTED, CommentRollup.n > 0).limit(1))
    return CHANNELS_BY_KIND[consultation.kind] + ((IMPORTED,) if imported is not None else ())


Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95 % interval
HEAT_LEVELS = 5


# --- small arithmetic ----------------------------------------------------------------------

def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of the proportion k/n; None when n is 0."""
    if n <= 0:
        return None
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Share:
    """k out of n, with the share and its 95 % Wilson interval (None when n is 0)."""

    k: int
    n: int

    @property
    def share(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n)


def heat_level(n: int, largest: int) -> int:
    """0 for none, else 1…HEAT_LEVELS in proportion to the largest cell."""
    if n <= 0 or largest <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * n / largest))


def jst_day(column):
    """The JST calendar day of a naive-UTC timestamp column, as 'YYYY-MM-DD', in SQL.

    Literals, not bound parameters, so that PostgreSQL sees the same expression in SELECT and
    GROUP BY.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column + literal_column("interval '9 hours'"), literal_column("'YYYY-MM-DD'"))
    return func.date(column, literal_column("'+9 hours'"))


def _wards() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ward_choices()]


def filtered_topics(f: ReviewFilter) -> list[Topic]:
    query = select(Topic).where(Topic.consultation_id == f.consultation_id).order_by(Topic.number)
    if f.topic_id is not None:
        query = query.where(Topic.id == f.topic_id)
    return db.session.scalars(query).all()


# --- votes --------------------------------------------------------------------------------

def _vote_counts(f: ReviewFilter, *keys: str) -> list[tuple]:
    """(key…, votes) grouped by ``keys`` (proposal, ward, channel, value, day: 'YYYY-MM-DD'),
    from the rollup when the filter lets it answer, else from the vote rows."""
    if f.rollup_answers:
        cols = {"proposal": VoteRollup.proposal_id, "ward": VoteRollup.ward_code, "channel": VoteRollup.channel,
                "value": VoteRollup.value, "day": VoteRollup.day}
        n = func.sum(VoteRollup.n)
        query = (select(*[cols[k] for k in keys], n).select_from(VoteRollup)
                 .join(Proposal, Proposal.id == VoteRollup.proposal_id).where(*f.rollup_conditions())
                 .group_by(*[cols[k] for k in keys]).having(n > 0))  # changed votes leave zeros behind
    else:
        cols = {"proposal": Vote.proposal_id, "ward": Participant.ward_code, "channel": Vote.channel,
                "value": Vote.value, "day": jst_day(Vote.created_at_utc)}
        query = f.vote_base(*[cols[k] for k in keys], func.count(), voter="ward" in keys).group_by(
            *[cols[k] for k in keys])
    rows = db.session.execute(query).all()
    if "day" in keys:
        i = keys.index("day")
        rows = [(*r[:i], str(r[i]), *r[i + 1:]) for r in rows]
    # The rollup keeps '' for a voter without a ward, the vote rows NULL.
    if "ward" in keys:
        i = keys.index("ward")
        rows = [(*r[:i], r[i] or None, *r[i + 1:]) for r in rows]
    return [tuple(r) for r in rows]


# --- comments ------------------------------------------------------------------------------

def _comment_rollup_answers(f: ReviewFilter) -> bool:
    """The comment rollup knows topics, wards, channels, statuses, JST days and anonymity, but
    neither workshops, opinion groups nor text."""
    return f.workshop_id is None and not f.group and not (f.q and search_key(f.q))


def _comment_rollup_conditions(f: ReviewFilter, status: str) -> list:
    """``f.comment_conditions``' twins on CommentRollup."""
    conds = [CommentRollup.topic_id.in_(select(Topic.id).where(Topic.consultation_id == f.consultation_id))]
    conds += [column == value for column, value in ((CommentRollup.topic_id, f.topic_id),
                                                     (CommentRollup.ward_code, f.ward or None),
                                                     (CommentRollup.channel, f.channel or None)) if value is not None]
    if status == "active":
        conds.append(CommentRollup.status != "hidden")
    elif status != "all":
        conds.append(CommentRollup.status == status)
    if f.date_from is not None:
        conds.append(CommentRollup.day >= f.date_from)
    if f.date_to is not None:
        conds.append(CommentRollup.day <= f.date_to)
    return conds


def _comment_counts(f: ReviewFilter, *keys: str, status: str | None = None, anonymous: bool = False) -> list[tuple]:
    """(key…, comments) grouped by ``keys`` (topic, ward, channel, status, day: 'YYYY-MM-DD'),
    from the rollup when the filter lets it answer, else from the comment rows; ``anonymous``:
    only comments without a participant."""
    status = status or f.status
    if _comment_rollup_answers(f):
        cols = {"topic": CommentRollup.topic_id, "ward": CommentRollup.ward_code, "channel": CommentRollup.channel,
                "status": CommentRollup.status, "day": CommentRollup.day}
        n = func.sum(CommentRollup.n)
        conds = _comment_rollup_conditions(f, status) + ([CommentRollup.anonymous.is_(True)] if anonymous else [])
        query = (select(*[cols[k] for k in keys], n).where(*conds).group_by(*[cols[k] for k in keys])
                 .having(n > 0))  # moved and deleted comments leave zeros behind
    else:
        cols = {"topic": Comment.topic_id, "ward": Comment.ward_code, "channel": Comment.channel,
                "status": Comment.status, "day": jst_day(Comment.created_at_utc)}
        conds = f.comment_conditions(status=status) + ([Comment.participant_id.is_(None)] if anonymous else [])
        query = select(*[cols[k] for k in keys], func.count()).where(*conds).group_by(*[cols[k] for k in keys])
    rows = db.session.execute(query).all()
    if "day" in keys:
        i = keys.index("day")
        rows = [(*r[:i], str(r[i]), *r[i + 1:]) for r in rows]
    return [tuple(r) for r in rows]


# --- who took part -------------------------------------------------------------------------

def _channel_bit(column):
    return case(CHANNEL_BITS, value=column, else_=0)


def _cohort(f: ReviewFilter, only: list[int] | None = None):
    """(pid, channel) of every participant with a matching comment or vote, without repeats;
    of the participants ``only``, if given."""
    comments = select(Comment.participant_id.label("pid"), Comment.channel.label("channel")).where(
        Comment.participant_id.is_not(None), *f.comment_conditions())
    votes = f.vote_base(Vote.participant_id.label("pid"), Vote.channel.label("channel"))
    if only is not None:
        comments, votes = comments.where(Comment.participant_id.in_(only)), votes.where(Vote.participant_id.in_(only))
    return union(comments, votes).subquery("cohort")


def _people_live(f: ReviewFilter, only: list[int] | None = None):
    """(participant, CHANNEL_BITS of the channels they took part through), from the cohort."""
    cohort = _cohort(f, only)
    bits = (select(cohort.c.pid, func.sum(_channel_bit(cohort.c.channel)).label("bits"))
            .group_by(cohort.c.pid).subquery("bits"))
    return (select(Participant.ward_code, Participant.relation, Participant.age_band, bits.c.bits)
            .join(bits, bits.c.pid == Participant.id))


def _people_from_vote_channels(f: ReviewFilter, elsewhere: list[int]):
    """The same rows, with the vote side read from Participant.vote_channels instead of the votes."""
    comment_bits = (select(Comment.participant_id.label("pid"),
                           func.sum(distinct(_channel_bit(Comment.channel))).label("bits"))
                    .where(Comment.participant_id.is_not(None), *f.comment_conditions())
                    .group_by(Comment.participant_id).subquery("comment_bits"))
    voted = Participant.vote_channels.op("&")(CHANNEL_BITS[f.channel] if f.channel else sum(CHANNEL_BITS.values()))
    if f.ward:  # a vote counts under the voter's ward, a comment under the ward it was sent for
        voted = case((Participant.ward_code == f.ward, voted), else_=0)
    return (select(Participant.ward_code, Participant.relation, Participant.age_band,
                   voted.op("|")(func.coalesce(comment_bits.c.bits, 0)).label("bits"))
            .outerjoin(comment_bits, comment_bits.c.pid == Participant.id)
            .where(or_(voted != 0, comment_bits.c.bits.is_not(None)), Participant.id.not_in(elsewhere)))


def _single_consultation() -> bool:
    return db.session.scalar(select(func.count()).select_from(Consultation)) <= 1


# Above this many participants who took part elsewhere, the live count is the cheaper one.
ELSEWHERE_MAX = 5000


def _elsewhere(consultation_id: int) -> list[int] | None:
    """Participants who voted or commented in another consultation: their vote and comment
    channel bits (kept site-wide, participants belong to no consultation) may stand for that one,
    so their figures are counted live. None when there are too many for that to pay."""
    if _single_consultation():
        return []
    other = select(Topic.id).where(Topic.consultation_id != consultation_id)
    voters = (select(Vote.participant_id).join(Proposal, Proposal.id == Vote.proposal_id)
              .where(Proposal.topic_id.in_(other)))
    writers = select(Comment.participant_id).where(Comment.topic_id.in_(other), Comment.participant_id.is_not(None))
    ids = db.session.scalars(union(voters, writers).limit(ELSEWHERE_MAX + 1)).all()
    return ids if len(ids) <= ELSEWHERE_MAX else None


def _grouped(people) -> dict:
    people = people.subquery("people")
    rows = db.session.execute(
        select(people.c.ward_code, people.c.relation, people.c.age_band, people.c.bits, func.count())
        .group_by(people.c.ward_code, people.c.relation, people.c.age_band, people.c.bits)).all()
    return {(w, r, a, int(bits)): n for w, r, a, bits, n in rows}


def _add(groups: dict, more: dict, sign: int = 1) -> dict:
    for key, n in more.items():
        if left := groups.get(key, 0) + sign * n:
            groups[key] = left
        else:
            groups.pop(key, None)
    return groups


@dataclass
class Profiles:
    """Participants counted by (ward, relation, age band, channels) in one GROUP BY over the
    people matching the filter, built once per request: the participant totals and the
    representativeness, relation and age tables are sums of these few groups."""

    groups: dict[tuple[str | None, str | None, str | None, int], int]

    @property
    def counts(self) -> dict[tuple[str | None, str | None, str | None], int]:
        out: dict = {}
        for (w, r, a, _bits), n in self.groups.items():
            out[(w, r, a)] = out.get((w, r, a), 0) + n
        return out

    @property
    def total(self) -> int:
        return sum(self.groups.values())

    def channels(self) -> dict[str, int]:
        return {c: sum(n for key, n in self.groups.items() if key[3] & bit) for c, bit in CHANNEL_BITS.items()}

    def by(self, index: int) -> dict[str | None, int]:
        out: dict[str | None, int] = {}
        for key, n in self.groups.items():
            out[key[index]] = out.get(key[index], 0) + n
        return out


def _profiles_from_channels(f: ReviewFilter) -> Profiles:
    """The default view's people, from participant_rollup (kept by triggers): their vote channels
    and the channels of their comments not hidden stand for the cohort exactly."""
    mask = CHANNEL_BITS[f.channel] if f.channel else sum(CHANNEL_BITS.values())
    R = ParticipantRollup
    groups: dict = {}
    for w, r, a, channels, n in db.session.execute(
            select(R.ward_code, R.relation, R.age_band, R.channels, R.n).where(R.n > 0)):
        if bits := channels & mask:
            key = (w or None, r or None, a or None, bits)  # '' in the rollup's key is no value
            groups[key] = groups.get(key, 0) + n
    return Profiles(groups)


def profiles(f: ReviewFilter) -> Profiles:
    """Who took part: a participant with a matching comment or vote, by profile and channels."""
    elsewhere = _elsewhere(f.consultation_id) if f.vote_channels_answer else None
    if elsewhere is None:
        return Profiles(_grouped(_people_live(f)))
    # Participants who took part in another consultation too: counted live, the rest from their bits.
    live = _grouped(_people_live(f, elsewhere)) if elsewhere else {}
    if f.status == "active" and not f.ward:  # a comment's ward is its own, not the profile's
        groups = _profiles_from_channels(f).groups
        if elsewhere:
            mask = CHANNEL_BITS[f.channel] if f.channel else sum(CHANNEL_BITS.values())
            counted: dict = {}
            for w, r, a, voted, commented in db.session.execute(
                    select(Participant.ward_code, Participant.relation, Participant.age_band,
                           Participant.vote_channels, Participant.comment_channels)
                    .where(Participant.id.in_(elsewhere))):
                if bits := (voted | commented) & mask:
                    counted[(w, r, a, bits)] = counted.get((w, r, a, bits), 0) + 1
            _add(groups, counted, -1)
        return Profiles(_add(groups, live))
    return Profiles(_add(_grouped(_people_from_vote_channels(f, elsewhere)), live))


@dataclass
class Totals:
    comments: dict[str, int]
    votes: dict[str, int]
    participants: dict[str, int]
    comments_total: int
    votes_total: int
    participants_total: int
    statuses: dict[str, int]
    comments_without_participant: int


def totals(f: ReviewFilter, people: Profiles | None = None) -> Totals:
    comments = dict(_comment_counts(f, "channel"))
    votes = dict(_vote_counts(f, "channel"))
    people = people or profiles(f)
    statuses = dict(_comment_counts(f, "status", status="all"))
    anonymous = sum(n for _channel, n in _comment_counts(f, "channel", anonymous=True))
    fill = lambda d: {c: d.get(c, 0) for c in CHANNELS}  # noqa: E731
    return Totals(comments=fill(comments), votes=fill(votes), participants=fill(people.channels()),
                  comments_total=sum(comments.values()), votes_total=sum(votes.values()),
                  participants_total=people.total,
                  statuses={s: statuses.get(s, 0) for s in ("pending", "published", "hidden")},
                  comments_without_participant=anonymous or 0)
