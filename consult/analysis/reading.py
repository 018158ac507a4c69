"""What the run pages show: the runs of a consultation, and one run's groups with their split by
ward, channel and age band beside the whole input's split (so 「南区に多い」 can be seen), their
representative comments and the topics they touch. All counts are read from the stored points,
so the page shows the run as it was made."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

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


def runs_of(consultation_id: int) -> list[AnalysisRun]:
    return list(db.session.scalars(select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id)
                                   .order_by(AnalysisRun.id.desc())))


def _attribute_counts(run: AnalysisRun):
    """(group, subgroup, in a campaign, ward, channel, age band, topic, count): the run's points
    counted by the database, a few thousand rows however many points (the page never loops over
    every point). Votes have no topic (None) and the participant's relation as their "channel"."""
    if run.kind == "text":
        model, attributes = Comment, (Comment.ward_code, Comment.channel, Comment.age_band, Comment.topic_id)
    else:
        model, attributes = Participant, (Participant.ward_code, Participant.relation, Participant.age_band)
    in_campaign = case((AnalysisPoint.campaign_key.is_(None), 0), else_=1)
    keys = (AnalysisPoint.group_key, AnalysisPoint.subgroup_key, in_campaign, *attributes)
    rows = db.session.execute(
        select(*keys, func.count()).join(model, model.id == AnalysisPoint.item_id)
        .where(AnalysisPoint.run_id == run.id).group_by(*keys)).all()
    if run.kind != "text":
        return [(*r[:-1], None, r[-1]) for r in rows]
    return rows


def group_views(run: AnalysisRun) -> tuple[list[GroupView], dict[str, Split]]:
    """The broad groups with their finer ones, and the whole input's split."""
    whole = {"ward": Split(), "channel": Split(), "age": Split()}
    per: dict[str, dict[str, Split]] = defaultdict(lambda: {"ward": Split(), "channel": Split(), "age": Split()})
    topics: dict[str, Counter] = defaultdict(Counter)
    campaigns: Counter = Counter()
    for broad, fine, in_campaign, ward, channel, age, topic, n in _attribute_counts(run):
        # The whole input once, the broad group, and the finer group if the point has one.
        for target in [whole] + [per[key] for key in (broad, fine) if key is not None]:
            target["ward"].counts[ward] += n
            target["channel"].counts[channel] += n
            target["age"].counts[age] += n
        for key in (broad, fine):
            if key is not None and run.kind == "text":
                topics[key][topic] += n
                if in_campaign:
                    campaigns[key] += n
    reps = {}
    wanted = [i for g in run.groups for i in g.detail.get("representatives", [])]
    if wanted and run.kind == "text":
        reps = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(wanted)))}
    views, by_key = [], {}
    for g in run.groups:
        view = GroupView(g, per[g.key], topics[g.key],
                         [reps[i] for i in g.detail.get("representatives", []) if i in reps], campaigns[g.key])
        by_key[g.key] = view
        if g.parent_key and g.parent_key in by_key:
            by_key[g.parent_key].children.append(view)
        else:
            views.append(view)
    return views, whole


# The map draws at most this many dots: beyond it a phone gets megabytes of SVG (100k comments
# made 10 MB) and the dots cover each other anyway. The rest are in the groups' lists and exports.
MAP_DOTS = 2000
# A multiplicative hash (Knuth's 2^32 / golden ratio) orders each group's points pseudo-randomly
# but the same way every time, in plain integer SQL that SQLite and PostgreSQL compute alike.
_HASH, _MOD = 2654435761, 2**32


@dataclass
class MapSample:
    points: list[tuple[int, float, float, str]]  # (item, x, y, group) of the dots drawn, by item
    sizes: Counter  # every placed point of each group (of the ward), drawn or not

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


def map_sample(run: AnalysisRun, ward: str | None = None, limit: int | None = None) -> MapSample:
    """The dots of the run's map (optionally one ward's): all of them up to ``limit``, else a
    sample stratified by group (each group keeps its share, and at least one dot), drawn in the
    database by a hash of the item id seeded with the run's id — the same dots on every view."""
    limit = MAP_DOTS if limit is None else limit
    P = AnalysisPoint
    q = select(P.item_id, P.x, P.y, P.group_key).where(P.run_id == run.id, P.x.is_not(None))
    if ward:
        model = Comment if run.kind == "text" else Participant
        q = q.join(model, model.id == P.item_id).where(model.ward_code == ward)
    order = (P.item_id * _HASH + run.id) % _MOD
    ranked = q.add_columns(func.row_number().over(partition_by=P.group_key, order_by=(order, P.item_id)).label("rank"),
                           func.count().over(partition_by=P.group_key).label("size"),
                           func.count().over().label("total")).subquery()
    # rank ≤ ceil(size × limit / total): each group's share of the limit, rounded up.
    rows = db.session.execute(
        select(ranked.c.item_id, ranked.c.x, ranked.c.y, ranked.c.group_key, ranked.c.size)
        .where((ranked.c.rank - 1) * ranked.c.total < ranked.c.size * limit)
        .order_by(ranked.c.item_id)).all()
    return MapSample([(item, x, y, key) for item, x, y, key, _size in rows],
                     Counter({key: size for _item, _x, _y, key, size in rows}))


def proposals_named(run: AnalysisRun) -> dict:
    """A vote run's consensus and divisive proposals, as proposals (a text run has none)."""
    summary = run.summary
    wanted = summary.get("consensus", []) + summary.get("divisive", [])
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(wanted)))} if wanted else {}
    return {"proposals_consensus": [found[i] for i in summary.get("consensus", []) if i in found],
            "proposals_divisive": [found[i] for i in summary.get("divisive", []) if i in found]}
