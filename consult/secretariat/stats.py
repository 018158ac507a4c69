"""The review's figures. Each one is a single GROUP BY in SQL under a ``ReviewFilter``; Python
only arranges the few aggregated rows into tables (never loops over comments or votes).

Who counts as a participant: a person (pseudonymous participant id) with at least one comment or
vote matching the filter. Paper notes typed in without a participant count as comments, not as
participants; the totals say how many there are. A participant's ward, relation and age band are
those of their profile (what they told us last).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal_column, or_, select, union

from ..consultation.models import Consultation, Proposal, Topic, Ward
from ..consultation.services import ward_choices
from ..core.codes import AGE_BANDS, CHANNEL_BITS, CHANNELS, RELATIONS, VOTE_VALUES, WARD_OUTSIDE, WARD_UNDISCLOSED
from ..core.text import search_key
from ..extensions import db
from ..participation.models import Comment, CommentRollup, Participant, Support, Vote, VoteRollup
from ..workshops.models import Theme, Workshop, WorkshopSeat
from .filters import ReviewFilter
from .models import GroupState, OpinionGroup

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


def _topics(f: ReviewFilter) -> list[Topic]:
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


def _cohort(f: ReviewFilter):
    """(pid, channel) of every participant with a matching comment or vote, without repeats."""
    comments = select(Comment.participant_id.label("pid"), Comment.channel.label("channel")).where(
        Comment.participant_id.is_not(None), *f.comment_conditions())
    votes = f.vote_base(Vote.participant_id.label("pid"), Vote.channel.label("channel"))
    return union(comments, votes).subquery("cohort")


def _people_live(f: ReviewFilter):
    """(participant, CHANNEL_BITS of the channels they took part through), from the cohort."""
    cohort = _cohort(f)
    bits = (select(cohort.c.pid, func.sum(_channel_bit(cohort.c.channel)).label("bits"))
            .group_by(cohort.c.pid).subquery("bits"))
    return (select(Participant.ward_code, Participant.relation, Participant.age_band, bits.c.bits)
            .join(bits, bits.c.pid == Participant.id))


def _people_from_vote_channels(f: ReviewFilter):
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
            .where(or_(voted != 0, comment_bits.c.bits.is_not(None))))


def _single_consultation() -> bool:
    return db.session.scalar(select(func.count()).select_from(Consultation)) <= 1


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
    """The default view's people, from one index of participant: their vote channels and the
    channels of their comments not hidden stand for the cohort exactly."""
    mask = CHANNEL_BITS[f.channel] if f.channel else sum(CHANNEL_BITS.values())
    keys = (Participant.ward_code, Participant.relation, Participant.age_band, Participant.vote_channels,
            Participant.comment_channels)
    groups: dict = {}
    for w, r, a, voted, commented, n in db.session.execute(select(*keys, func.count()).group_by(*keys)):
        if bits := (voted | commented) & mask:
            groups[(w, r, a, bits)] = groups.get((w, r, a, bits), 0) + n
    return Profiles(groups)


def profiles(f: ReviewFilter) -> Profiles:
    """Who took part: a participant with a matching comment or vote, by profile and channels."""
    fast = f.vote_channels_answer and _single_consultation()
    if fast and f.status == "active" and not f.ward:  # a comment's ward is its own, not the profile's
        return _profiles_from_channels(f)
    people = (_people_from_vote_channels(f) if fast else _people_live(f)).subquery("people")
    rows = db.session.execute(
        select(people.c.ward_code, people.c.relation, people.c.age_band, people.c.bits, func.count())
        .group_by(people.c.ward_code, people.c.relation, people.c.age_band, people.c.bits)).all()
    return Profiles({(w, r, a, int(bits)): n for w, r, a, bits, n in rows})


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


# --- topic × ward --------------------------------------------------------------------------

@dataclass
class MatrixRow:
    topic: Topic
    cells: list[int]
    total: int


@dataclass
class Matrix:
    columns: list[tuple[str, str]]
    rows: list[MatrixRow]
    column_totals: list[int]
    total: int
    largest: int

    def level(self, n: int) -> int:
        return heat_level(n, self.largest)


def topic_ward_matrix(f: ReviewFilter) -> Matrix:
    counts = _comment_counts(f, "topic", "ward")
    columns = _wards()
    known = {code for code, _ in columns}
    columns += sorted({(w, w) for _, w, _ in counts if w not in known})
    cell = {(t, w): n for t, w, n in counts}
    rows = []
    for topic in _topics(f):
        cells = [cell.get((topic.id, code), 0) for code, _ in columns]
        rows.append(MatrixRow(topic, cells, sum(cells)))
    column_totals = [sum(r.cells[i] for r in rows) for i in range(len(columns))]
    largest = max((n for r in rows for n in r.cells), default=0)
    return Matrix(columns, rows, column_totals, sum(column_totals), largest)


# --- proposals by ward ---------------------------------------------------------------------

@dataclass
class VoteRow:
    label: str
    code: str
    n: int
    cells: dict[str, Share]


@dataclass
class ProposalResult:
    proposal: Proposal
    rows: list[VoteRow]
    total: VoteRow


def _vote_row(label: str, code: str, counts: dict[str, int]) -> VoteRow:
    n = sum(counts.values())
    return VoteRow(label, code, n, {v: Share(counts.get(v, 0), n) for v in VOTE_VALUES})


def proposals_by_ward(f: ReviewFilter) -> list[ProposalResult]:
    rows = _vote_counts(f, "proposal", "ward", "value")
    by: dict[tuple[int, str], dict[str, int]] = {}
    for proposal_id, ward, value, n in rows:
        by.setdefault((proposal_id, ward or ""), {})[value] = n
    proposals = db.session.scalars(
        select(Proposal).join(Topic, Topic.id == Proposal.topic_id)
        .where(Topic.consultation_id == f.consultation_id, Proposal.withdrawn_at_utc.is_(None),
               *([Topic.id == f.topic_id] if f.topic_id is not None else []))
        .order_by(Topic.number, Proposal.position, Proposal.id)).all()
    columns = _wards()
    known = {code for code, _ in columns}
    extra = sorted({w for (_, w) in by if w not in known})
    results = []
    for proposal in proposals:
        ward_rows = [_vote_row(label, code, by.get((proposal.id, code), {})) for code, label in columns]
        ward_rows += [_vote_row(code or "—", code, by.get((proposal.id, code), {})) for code in extra]
        overall: dict[str, int] = {}
        for row in ward_rows:
            for value, share in row.cells.items():
                overall[value] = overall.get(value, 0) + share.k
        results.append(ProposalResult(proposal, ward_rows, _vote_row("", "total", overall)))
    return results


# --- representativeness --------------------------------------------------------------------

@dataclass
class RepRow:
    code: str
    label: str
    population: int | None
    population_share: float | None
    participants: Share  # of participants living in one of the city's wards
    ratio: float | None  # participant share ÷ population share
    verdict: str  # over | under | even | unknown


@dataclass
class Representativeness:
    rows: list[RepRow]
    city_participants: int
    outside: int
    undisclosed: int
    unknown: int
    population_total: int
    population_source: str
    population_as_of: date | None


def representativeness(f: ReviewFilter, people: Profiles | None = None) -> Representativeness:
    counts = (people or profiles(f)).by(0)
    wards = db.session.scalars(select(Ward).order_by(Ward.position)).all()
    labels = dict(_wards())
    city_n = sum(counts.get(w.code, 0) for w in wards)
    population_total = sum(w.population or 0 for w in wards)
    rows = []
    for w in wards:
        share = Share(counts.get(w.code, 0), city_n)
        pop_share = (w.population / population_total) if (w.population and population_total) else None
        ratio = verdict = None
        if pop_share and share.share is not None:
            ratio = share.share / pop_share
            low, high = share.interval
            verdict = "over" if pop_share < low else "under" if pop_share > high else "even"
        rows.append(RepRow(w.code, labels.get(w.code, w.name), w.population, pop_share, share, ratio,
                           verdict or "unknown"))
    known = {w.code for w in wards} | {WARD_OUTSIDE, WARD_UNDISCLOSED}
    return Representativeness(
        rows=rows, city_participants=city_n, outside=counts.get(WARD_OUTSIDE, 0),
        undisclosed=counts.get(WARD_UNDISCLOSED, 0),
        unknown=sum(n for code, n in counts.items() if code not in known),
        population_total=population_total,
        population_source=next((w.population_source for w in wards if w.population_source), ""),
        population_as_of=next((w.population_as_of for w in wards if w.population_as_of), None))


# --- over time, relation, age --------------------------------------------------------------

@dataclass
class Day:
    day: date
    comments: int
    votes: int


def over_time(f: ReviewFilter, *, fill_gaps_up_to: int = 120) -> list[Day]:
    """Comments and votes per JST day; days without any are filled in when the span is short."""
    comments = dict(_comment_counts(f, "day"))
    votes = dict(_vote_counts(f, "day"))
    days = sorted(date.fromisoformat(str(d)) for d in set(comments) | set(votes) if d)
    if days and (days[-1] - days[0]).days <= fill_gaps_up_to:
        days = [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    return [Day(d, comments.get(d.isoformat(), 0), votes.get(d.isoformat(), 0)) for d in days]


@dataclass
class Breakdown:
    rows: list[tuple[str, int]]  # (code, participants); "" for not stated
    total: int


def _profile_breakdown(counts: dict, codes) -> Breakdown:
    rows = [(code, counts.get(code, 0)) for code in codes]
    rows.append(("", sum(n for code, n in counts.items() if code not in codes)))
    return Breakdown(rows, sum(counts.values()))


def relations(f: ReviewFilter, people: Profiles | None = None) -> Breakdown:
    return _profile_breakdown((people or profiles(f)).by(1), RELATIONS)


def age_bands(f: ReviewFilter, people: Profiles | None = None) -> Breakdown:
    return _profile_breakdown((people or profiles(f)).by(2), AGE_BANDS)


# --- for the review document and the workbook ---------------------------------------------

@dataclass
class WardChannel:
    """Per topic: comments by ward × channel, and participants by ward."""

    columns: list[tuple[str, str]]
    comments: dict[tuple[int, str, str], int] = field(default_factory=dict)
    participants: dict[tuple[int, str], int] = field(default_factory=dict)

    def row(self, topic_id: int, ward: str) -> dict[str, Any]:
        counts = {c: self.comments.get((topic_id, ward, c), 0) for c in CHANNELS}
        return {**counts, "total": sum(counts.values()), "participants": self.participants.get((topic_id, ward), 0)}

    def total(self, topic_id: int) -> dict[str, Any]:
        rows = [self.row(topic_id, code) for code, _ in self.columns]
        return {k: sum(r[k] for r in rows) for k in (*CHANNELS, "total", "participants")}


def ward_channel_by_topic(f: ReviewFilter) -> WardChannel:
    comments = _comment_counts(f, "topic", "ward", "channel")
    pairs = union(
        select(Comment.topic_id.label("topic_id"), Comment.participant_id.label("pid"))
        .where(Comment.participant_id.is_not(None), *f.comment_conditions()),
        f.vote_base(Proposal.topic_id.label("topic_id"), Vote.participant_id.label("pid"))).subquery("pairs")
    participants = db.session.execute(
        select(pairs.c.topic_id, Participant.ward_code, func.count())
        .join(Participant, Participant.id == pairs.c.pid)
        .group_by(pairs.c.topic_id, Participant.ward_code)).all()
    return WardChannel(columns=_wards(), comments={(t, w, c): n for t, w, c, n in comments},
                       participants={(t, w): n for t, w, n in participants})


@dataclass
class GroupCount:
    group: OpinionGroup
    count: int


def group_counts(f: ReviewFilter, *, states=("confirmed",)) -> dict[int, list[GroupCount]]:
    """topic id → its opinion groups (in the given states) with the number of matching comments."""
    rows = db.session.execute(
        select(OpinionGroup, func.count(Comment.id))
        .join(Topic, Topic.id == OpinionGroup.topic_id)
        .outerjoin(Comment, and_(Comment.opinion_group_id == OpinionGroup.id, *f.comment_conditions()))
        .where(Topic.consultation_id == f.consultation_id, OpinionGroup.state.in_(states),
               *([OpinionGroup.topic_id == f.topic_id] if f.topic_id is not None else []))
        .group_by(OpinionGroup.id, Topic.number)
        .order_by(Topic.number, OpinionGroup.position, OpinionGroup.id)).all()
    out: dict[int, list[GroupCount]] = {}
    for group, n in rows:
        out.setdefault(group.topic_id, []).append(GroupCount(group, n))
    return out


def ungrouped_counts(f: ReviewFilter) -> dict[int, int]:
    return dict(db.session.execute(
        select(Comment.topic_id, func.count()).where(Comment.opinion_group_id.is_(None), *f.comment_conditions())
        .group_by(Comment.topic_id)).all())


def proposed_group_counts(f: ReviewFilter) -> dict[int, int]:
    return dict(db.session.execute(
        select(OpinionGroup.topic_id, func.count()).join(Topic, Topic.id == OpinionGroup.topic_id)
        .where(Topic.consultation_id == f.consultation_id, OpinionGroup.state == GroupState.PROPOSED)
        .group_by(OpinionGroup.topic_id)).all())


@dataclass
class Quote:
    topic_id: int
    text: str
    ward_code: str
    channel: str
    supports: int


def quotes(f: ReviewFilter, per_topic: int = 3) -> dict[int, list[Quote]]:
    """A few published comments per topic, as published (the masked copy where there is one):
    the most supported first, then the earliest; the same text is quoted once."""
    support = select(Support.comment_id, func.count().label("n")).group_by(Support.comment_id).subquery()
    n = func.coalesce(support.c.n, 0)
    text = func.coalesce(Comment.body_published, Comment.body)
    order = (n.desc(), Comment.created_at_utc, Comment.id)
    first = (select(Comment.topic_id, text.label("text"), Comment.ward_code, Comment.channel, n.label("supports"),
                    Comment.created_at_utc, Comment.id,
                    func.row_number().over(partition_by=(Comment.topic_id, text), order_by=order).label("copy"))
             .outerjoin(support, support.c.comment_id == Comment.id)
             .where(*f.comment_conditions(status="published")).subquery())
    ranked = (select(first.c.topic_id, first.c.text, first.c.ward_code, first.c.channel, first.c.supports,
                     func.row_number().over(partition_by=first.c.topic_id,
                                            order_by=(first.c.supports.desc(), first.c.created_at_utc,
                                                      first.c.id)).label("rank"))
              .where(first.c.copy == 1).subquery())
    rows = db.session.execute(select(ranked.c.topic_id, ranked.c.text, ranked.c.ward_code, ranked.c.channel,
                                     ranked.c.supports).where(ranked.c.rank <= per_topic)
                              .order_by(ranked.c.topic_id, ranked.c.rank)).all()
    out: dict[int, list[Quote]] = {}
    for row in rows:
        out.setdefault(row.topic_id, []).append(Quote(*row))
    return out


@dataclass
class WorkshopRow:
    workshop: Workshop
    ward_name: str
    comments: dict[str, int]
    seats: int
    themes: int


def workshop_rows(f: ReviewFilter) -> list[WorkshopRow]:
    """Every workshop of the consultation with its matching comments by channel, seats and themes."""
    counts = db.session.execute(
        select(Comment.workshop_id, Comment.channel, func.count())
        .where(Comment.workshop_id.is_not(None), *f.comment_conditions())
        .group_by(Comment.workshop_id, Comment.channel)).all()
    seats = dict(db.session.execute(select(WorkshopSeat.workshop_id, func.count()).group_by(WorkshopSeat.workshop_id)).all())
    themes = dict(db.session.execute(select(Theme.workshop_id, func.count()).group_by(Theme.workshop_id)).all())
    by: dict[int, dict[str, int]] = {}
    for workshop_id, channel, n in counts:
        by.setdefault(workshop_id, {})[channel] = n
    rows = db.session.execute(
        select(Workshop, Ward.name).join(Ward, Ward.id == Workshop.ward_id)
        .where(Workshop.consultation_id == f.consultation_id)
        .order_by(Ward.position, Workshop.starts_at_utc, Workshop.id)).all()
    return [WorkshopRow(w, ward_name, {c: by.get(w.id, {}).get(c, 0) for c in CHANNELS},
                        seats.get(w.id, 0), themes.get(w.id, 0)) for w, ward_name in rows]
