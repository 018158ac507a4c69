"""The dashboard's tables: topic × ward, proposals by ward, representativeness, comments over time,
relation and age."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ...consultation.models import Proposal, Topic, Ward
from ...core.codes import AGE_BANDS, RELATIONS, VOTE_VALUES, WARD_OUTSIDE, WARD_UNDISCLOSED
from ...extensions import db
from ..filters import ReviewFilter
from .counts import Profiles, Share, _comment_counts, _vote_counts, _wards, filtered_topics, heat_level, profiles


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
    for topic in filtered_topics(f):
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
