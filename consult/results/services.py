"""Public results: once the consultation is closed (or its results published), the opinion
groups with the city's answers and the aggregate figures — published comments only, no
personal data (no receipt numbers, no relation or age of anyone, no single comment's author)."""

from dataclasses import dataclass

from ..analysis.summaries import public_vote_groups
from ..consultation.models import Consultation, Phase, Topic
from ..secretariat import stats
from ..secretariat.document import VoteGroupsPart
from ..secretariat.filters import ReviewFilter

PUBLIC_PHASES = (Phase.CLOSED, Phase.PUBLISHED)


def results_public(consultation: Consultation | None) -> bool:
    return consultation is not None and consultation.effective_phase in PUBLIC_PHASES


def public_filter(consultation: Consultation) -> ReviewFilter:
    return ReviewFilter(consultation_id=consultation.id, status="published", default_status="published")


@dataclass
class PublicTopic:
    topic: Topic
    comments: int
    by_ward: list[tuple[str, int]]
    proposals: list[stats.ProposalResult]
    groups: list[stats.GroupCount]
    ungrouped: int


@dataclass
class PublicResults:
    totals: stats.Totals
    topics: list[PublicTopic]
    # The latest vote-group analysis, without groups too small to show (analysis.summaries).
    vote_groups: VoteGroupsPart | None = None


def public_results(consultation: Consultation) -> PublicResults:
    f = public_filter(consultation)
    matrix = stats.topic_ward_matrix(f)
    proposals = stats.proposals_by_ward(f)
    groups = stats.group_counts(f)
    ungrouped = stats.ungrouped_counts(f)
    topics = []
    for row in matrix.rows:
        topics.append(PublicTopic(
            topic=row.topic, comments=row.total,
            by_ward=[(label, n) for (_code, label), n in zip(matrix.columns, row.cells)],
            proposals=[p for p in proposals if p.proposal.topic_id == row.topic.id],
            groups=groups.get(row.topic.id, []), ungrouped=ungrouped.get(row.topic.id, 0)))
    return PublicResults(totals=stats.totals(f), topics=topics, vote_groups=public_vote_groups(consultation))
