"""What the run pages show: the runs of a consultation, and one run's groups with their split by
ward, channel and age band beside the whole input's split (so 「南区に多い」 can be seen), their
representative comments and the topics they touch. All counts are read from the stored points,
so the page shows the run as it was made."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from ..consultation.models import Proposal
from ..extensions import db
from ..participation.models import Comment, Participant
from .models import AnalysisGroup, AnalysisPoint, AnalysisRun

# A group's share of a ward (channel, age band) must be this many points above the input's own
# share to be pointed out as 「多い」; fewer than MIN_SIZE members and nothing is pointed out.
OVER_BY = 0.10
MIN_SIZE = 5


@dataclass
class Split:
    """Counts by one attribute (ward, channel, age band) and what stands out against the whole."""

    counts: Counter = field(default_factory=Counter)

    def share(self, key) -> float:
        total = sum(self.counts.values())
        return self.counts[key] / total if total else 0.0

    def over(self, whole: "Split") -> list:
        if sum(self.counts.values()) < MIN_SIZE:
            return []
        return sorted((k for k in self.counts if k is not None and self.share(k) - whole.share(k) >= OVER_BY),
                      key=lambda k: -(self.share(k) - whole.share(k)))


@dataclass
class GroupView:
    group: AnalysisGroup
    splits: dict[str, Split]
    topics: Counter
    representatives: list[Comment]
    campaign_members: int = 0
    children: list["GroupView"] = field(default_factory=list)
    campaigns: int = 0  # distinct copy-paste campaigns among its members
    size: int = 0  # as counted: its members, or its voices when each campaign counts once


def runs_of(consultation_id: int) -> list[AnalysisRun]:
    return list(db.session.scalars(select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id)
                                   .order_by(AnalysisRun.id.desc())))


def _attribute_rows(run: AnalysisRun):
    """(item, group, subgroup, campaign, ward, channel, age band, topic) for every point of the run."""
    if run.kind == "text":
        return db.session.execute(
            select(AnalysisPoint.item_id, AnalysisPoint.group_key, AnalysisPoint.subgroup_key,
                   AnalysisPoint.campaign_key, Comment.ward_code, Comment.channel, Comment.age_band, Comment.topic_id)
            .join(Comment, Comment.id == AnalysisPoint.item_id).where(AnalysisPoint.run_id == run.id)).all()
    return db.session.execute(
        select(AnalysisPoint.item_id, AnalysisPoint.group_key, AnalysisPoint.subgroup_key, AnalysisPoint.campaign_key,
               Participant.ward_code, Participant.relation, Participant.age_band, Participant.id)
        .join(Participant, Participant.id == AnalysisPoint.item_id).where(AnalysisPoint.run_id == run.id)).all()


def group_views(run: AnalysisRun, *, one_per_campaign: bool = False) -> tuple[list[GroupView], dict[str, Split]]:
    """The broad groups with their finer ones, and the whole input's split.

    By default every sender counts; with ``one_per_campaign`` the near-identical copies of a
    copy-paste campaign count once (one voice) in each group and in the whole, under the ward,
    channel and age band of its first comment (the lowest id) there."""
    rows = sorted(_attribute_rows(run), key=lambda row: row[0])
    whole = {"ward": Split(), "channel": Split(), "age": Split()}
    per: dict[str, dict[str, Split]] = defaultdict(lambda: {"ward": Split(), "channel": Split(), "age": Split()})
    topics: dict[str, Counter] = defaultdict(Counter)
    campaigns: Counter = Counter()
    distinct: dict[str | None, set] = defaultdict(set)
    counted: Counter = Counter()
    for _item, broad, fine, campaign, ward, channel, age, topic in rows:
        for key in (None, *(k for k in (broad, fine) if k is not None)):  # the whole once, then its groups
            seen = campaign is not None and run.kind == "text" and campaign in distinct[key]
            if campaign is not None and run.kind == "text":
                distinct[key].add(campaign)
                if key is not None:
                    campaigns[key] += 1
            if key is not None and run.kind == "text":
                topics[key][topic] += 1
            if seen and one_per_campaign:
                continue
            counted[key] += 1
            target = whole if key is None else per[key]
            target["ward"].counts[ward] += 1
            target["channel"].counts[channel] += 1
            target["age"].counts[age] += 1
    reps = {}
    wanted = [i for g in run.groups for i in g.detail.get("representatives", [])]
    if wanted and run.kind == "text":
        reps = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(wanted)))}
    views, by_key = [], {}
    for g in run.groups:
        view = GroupView(g, per[g.key], topics[g.key],
                         [reps[i] for i in g.detail.get("representatives", []) if i in reps], campaigns[g.key],
                         campaigns=len(distinct[g.key]), size=counted[g.key] if one_per_campaign else g.size)
        by_key[g.key] = view
        if g.parent_key and g.parent_key in by_key:
            by_key[g.parent_key].children.append(view)
        else:
            views.append(view)
    return views, whole


def map_points(run: AnalysisRun, ward: str | None = None) -> list[tuple[int, float, float, str]]:
    """(item, x, y, group) of every placed point, optionally of one ward only."""
    q = select(AnalysisPoint.item_id, AnalysisPoint.x, AnalysisPoint.y, AnalysisPoint.group_key).where(
        AnalysisPoint.run_id == run.id, AnalysisPoint.x.is_not(None))
    if ward:
        model = Comment if run.kind == "text" else Participant
        q = q.join(model, model.id == AnalysisPoint.item_id).where(model.ward_code == ward)
    return [tuple(r) for r in db.session.execute(q.order_by(AnalysisPoint.item_id))]


def proposals_named(run: AnalysisRun) -> dict:
    """A vote run's consensus and divisive proposals, as proposals (a text run has none)."""
    summary = run.summary
    wanted = summary.get("consensus", []) + summary.get("divisive", [])
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(wanted)))} if wanted else {}
    return {"proposals_consensus": [found[i] for i in summary.get("consensus", []) if i in found],
            "proposals_divisive": [found[i] for i in summary.get("divisive", []) if i in found]}
