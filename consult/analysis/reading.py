"""What the run pages show: the runs of a consultation, and one run's groups with their split by
ward, channel and age band beside the whole input's split (so 「南区に多い」 can be seen), their
representative comments and the topics they touch. All counts are read from the stored points,
so the page shows the run as it was made."""

import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, case, cast, func, literal, select

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


def _attribute_counts(run: AnalysisRun):
    """(group, subgroup, campaign, ward, channel, age band, topic, count): the run's points counted
    by the database, a few thousand rows however many points (the page never loops over every
    point). Votes have no topic (None) and the participant's relation as their "channel"."""
    if run.kind == "text":
        model, attributes = Comment, (Comment.ward_code, Comment.channel, Comment.age_band, Comment.topic_id)
    else:
        model, attributes = Participant, (Participant.ward_code, Participant.relation, Participant.age_band)
    keys = (AnalysisPoint.group_key, AnalysisPoint.subgroup_key, AnalysisPoint.campaign_key, *attributes)
    rows = db.session.execute(
        select(*keys, func.count()).join(model, model.id == AnalysisPoint.item_id)
        .where(AnalysisPoint.run_id == run.id).group_by(*keys)).all()
    if run.kind != "text":
        return [(*r[:-1], None, r[-1]) for r in rows]
    return rows


def _first_of_campaigns(run: AnalysisRun) -> dict[str, tuple]:
    """{campaign: (ward, channel, age band)} of each campaign's first comment (the lowest id)."""
    first = (select(AnalysisPoint.campaign_key, func.min(AnalysisPoint.item_id).label("item"))
             .where(AnalysisPoint.run_id == run.id, AnalysisPoint.campaign_key.is_not(None))
             .group_by(AnalysisPoint.campaign_key).subquery())
    return {key: (ward, channel, age) for key, ward, channel, age in db.session.execute(
        select(first.c.campaign_key, Comment.ward_code, Comment.channel, Comment.age_band)
        .join(Comment, Comment.id == first.c.item))}


@dataclass(frozen=True)
class Tally:
    """A finished run's counts: the whole input's split, each group's, its topics and copies."""

    whole: dict[str, Split]
    per: dict[str, dict[str, Split]]
    topics: dict[str, Counter]
    campaigns: Counter  # members that are copies in a campaign, per group
    distinct: dict[str, set]  # the campaigns among a group's members
    sizes: Counter  # as counted (members, or voices when each campaign counts once)


def _splits() -> dict[str, Split]:
    return {"ward": Split(), "channel": Split(), "age": Split()}


def _count(run: AnalysisRun, one_per_campaign: bool = False) -> Tally:
    """By default every sender counts; with `one_per_campaign` the near-identical copies of a
    copy-paste campaign count once (one voice) in each group and in the whole, under the ward,
    channel and age band of its first comment."""
    whole = _splits()
    per: dict[str, dict[str, Split]] = defaultdict(_splits)
    topics: dict[str, Counter] = defaultdict(Counter)
    campaigns: Counter = Counter()
    distinct: dict[str, set] = defaultdict(set)
    sizes: Counter = Counter()
    first = _first_of_campaigns(run) if one_per_campaign and run.kind == "text" else {}
    voiced: set = set()  # (group key or None for the whole, campaign) already counted once

    def add(target, key, ward, channel, age, n):
        target["ward"].counts[ward] += n
        target["channel"].counts[channel] += n
        target["age"].counts[age] += n
        sizes[key] += n

    for broad, fine, campaign, ward, channel, age, topic, n in _attribute_counts(run):
        campaign = campaign if run.kind == "text" else None
        # The whole input once, the broad group, and the finer group if the point has one.
        for key in (None, *(k for k in (broad, fine) if k is not None)):
            target = whole if key is None else per[key]
            if key is not None and run.kind == "text":
                topics[key][topic] += n
                if campaign is not None:
                    campaigns[key] += n
                    distinct[key].add(campaign)
            if campaign is not None and campaign in first:
                if (key, campaign) not in voiced:
                    voiced.add((key, campaign))
                    add(target, key, *first[campaign], 1)
                continue
            add(target, key, ward, channel, age, n)
    return Tally(whole, dict(per), dict(topics), campaigns, dict(distinct), sizes)


# A finished run never changes (its points are written once, at its end), so each worker counts
# it once and keeps the counts of the last few runs shown: at 100k comments the counting takes
# most of a second, the page itself well under 250 ms. Keyed by the database too (tests, tools).
_KEPT_RUNS = 16
_kept: OrderedDict = OrderedDict()
_kept_lock = threading.Lock()


def _kept_or(key: tuple, compute):
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    value = compute()
    with _kept_lock:
        _kept[key] = value
        while len(_kept) > _KEPT_RUNS:
            _kept.popitem(last=False)
    return value


def _run_key(run: AnalysisRun, *parts) -> tuple:
    return (str(db.engine.url), run.id, run.created_at_utc, run.finished_at_utc, *parts)


def tally(run: AnalysisRun, one_per_campaign: bool = False) -> Tally:
    if run.state != "done":
        return _count(run, one_per_campaign)
    return _kept_or(_run_key(run, "tally", one_per_campaign), lambda: _count(run, one_per_campaign))


def group_views(run: AnalysisRun, *, one_per_campaign: bool = False) -> tuple[list[GroupView], dict[str, Split]]:
    """The broad groups with their finer ones, and the whole input's split (see _count for
    ``one_per_campaign``)."""
    counted = tally(run, one_per_campaign)
    reps = {}
    wanted = [i for g in run.groups for i in g.detail.get("representatives", [])]
    if wanted and run.kind == "text":
        reps = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(wanted)))}
    views, by_key = [], {}
    for g in run.groups:
        view = GroupView(g, counted.per.get(g.key) or _splits(), counted.topics.get(g.key, Counter()),
                         [reps[i] for i in g.detail.get("representatives", []) if i in reps],
                         counted.campaigns[g.key], campaigns=len(counted.distinct.get(g.key, ())),
                         size=counted.sizes[g.key] if one_per_campaign else g.size)
        by_key[g.key] = view
        if g.parent_key and g.parent_key in by_key:
            by_key[g.parent_key].children.append(view)
        else:
            views.append(view)
    return views, counted.whole


# The map draws about this many dots at most: beyond it a phone gets megabytes of SVG (100k
# comments made 10 MB) and the dots cover each other anyway; every comment is still in its
# group's counts, lists and the exports. A small group keeps up to MAP_MIN_GROUP dots.
MAP_DOTS = 2000
MAP_MIN_GROUP = 10
# A multiplicative hash (Knuth's 2^32 / golden ratio) of the item id, offset by the run's id: a
# point is drawn when its hash is below its group's threshold. Plain integer SQL that SQLite and
# PostgreSQL compute alike, one pass over the run's points, the same dots on every view.
_HASH, _MOD = 2654435761, 2**32


@dataclass
class MapSample:
    points: list[tuple[int, float, float, str]]  # (item, x, y, group) of the dots drawn, by item
    sizes: Counter  # every point of each group (of the ward), drawn or not

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


def _thresholds(sizes: Counter, limit: int) -> dict:
    """Each group's share of ``limit`` (at least MAP_MIN_GROUP dots, or all of a smaller group),
    as a hash threshold: every point of the group below it is drawn."""
    total = sum(sizes.values())
    if total <= limit:
        return {key: _MOD for key in sizes}
    out = {}
    for key, n in sizes.items():
        wanted = min(n, max(limit * n / total, MAP_MIN_GROUP))
        out[key] = _MOD if wanted >= n else int(_MOD * wanted / n)
    return out


def _sample(run: AnalysisRun, ward: str | None, limit: int) -> MapSample:
    counted = tally(run)
    broad = [g.key for g in run.groups if g.parent_key is None]
    sizes = Counter({key: (counted.per[key]["ward"].counts[ward] if ward else
                           sum(counted.per[key]["ward"].counts.values()))
                     for key in broad if key in counted.per})
    sizes = +sizes  # groups with no point here are not on this map
    P = AnalysisPoint
    q = select(P.item_id, P.x, P.y, P.group_key).where(P.run_id == run.id, P.x.is_not(None))
    thresholds = _thresholds(sizes, limit)
    if any(t < _MOD for t in thresholds.values()):
        big = lambda n: literal(n, BigInteger)  # noqa: E731  (PostgreSQL would bind them as INTEGER)
        drawn = case({key: big(t) for key, t in thresholds.items()}, value=P.group_key, else_=big(0))
        q = q.where((cast(P.item_id, BigInteger) * big(_HASH) + big(run.id)) % big(_MOD) < drawn)
    if ward:
        model = Comment if run.kind == "text" else Participant
        q = q.join(model, model.id == P.item_id).where(model.ward_code == ward)
    return MapSample([tuple(r) for r in db.session.execute(q.order_by(P.item_id))], sizes)


def map_sample(run: AnalysisRun, ward: str | None = None, limit: int | None = None) -> MapSample:
    """The dots of the run's map (optionally one ward's): all of them up to ``limit`` (MAP_DOTS),
    else a sample of about ``limit`` that keeps each group's share, seeded by the run's id.
    ``sizes`` counts every point, drawn or not, for the legend and the page's note."""
    limit = MAP_DOTS if limit is None else limit
    if run.state != "done":
        return _sample(run, ward, limit)
    return _kept_or(_run_key(run, "map", ward, limit), lambda: _sample(run, ward, limit))


def proposals_named(run: AnalysisRun) -> dict:
    """A vote run's consensus and divisive proposals, as proposals (a text run has none)."""
    summary = run.summary
    wanted = summary.get("consensus", []) + summary.get("divisive", [])
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(wanted)))} if wanted else {}
    return {"proposals_consensus": [found[i] for i in summary.get("consensus", []) if i in found],
            "proposals_divisive": [found[i] for i in summary.get("divisive", []) if i in found]}
