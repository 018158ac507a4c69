"""Opinion groups from agree / disagree / pass votes, the way Polis draws them.

Pure: votes in, a :class:`VoteResult` out; no database, no request. The groups are a suggestion
for staff to read, never a verdict on anyone.

Steps and the choices made:

1. **Matrix.** One row per participant with at least ``min_votes`` votes (passes count: the
   person saw the proposal), one column per proposal; agree = 1, disagree = -1, pass = 0. A
   participant who voted twice on a proposal keeps the last vote given. Votes on proposals not in
   ``proposal_ids`` (withdrawn ones) are ignored. Dense float64: 100k × 20 is 16 MB.
2. **Centring.** Each column loses the mean of the votes *seen* on it; a proposal a participant
   never saw is then 0, i.e. "the average opinion", which is how Polis fills missing votes. So an
   unseen proposal neither pulls a person towards agreement nor towards disagreement.
   As in Polis, a participant's projection is then stretched by sqrt(proposals / seen): without
   this, someone who saw few proposals sits near the centre only because most of the row is 0.
3. **PCA** to two dimensions with numpy's SVD; each component's sign is fixed (largest loading
   positive) so the picture does not mirror between runs.
4. **k-means** (scikit-learn, seeded) on the 2-D projection for k = 2..5, fitted on a seeded
   sample of at most 20,000 participants and then applied to all; k is the one with the best
   silhouette, computed on a seeded sample of at most 5,000 points so it stays fast.
5. **Groups** are keyed "A", "B", … by size, largest first. Per group and proposal: agree,
   disagree and pass counts, and the agree share among the group's members who voted on it
   (passes included in the denominator, as Polis does).
   *Consensus*: agree share > 0.5 with at least ``min_group_voters`` voters in every group.
   *Divisive*: ranked by max − min of the groups' agree shares, those ≥ ``divisive_threshold``.
"""

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from flask_babel import lazy_gettext as _l
from threadpoolctl import threadpool_limits

from consult.analysis.errors import AnalysisInputError

GROUP_KEYS = "ABCDE"
SILHOUETTE_SAMPLE = 5000
KMEANS_SAMPLE = 20000


@dataclass(frozen=True)
class VoteSettings:
    min_votes: int = 7  # capped at the number of proposals
    min_participants: int = 10
    k_min: int = 2
    k_max: int = 5
    seed: int = 1
    min_group_voters: int = 3  # a group's share on a proposal counts only with this many voters
    consensus_share: float = 0.5  # agree share above this in every group
    divisive_threshold: float = 0.3  # max − min of the agree shares
    max_divisive: int = 10
    kmeans_restarts: int = 4


@dataclass
class ProposalTally:
    agree: int
    disagree: int
    passed: int

    @property
    def voted(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def agree_share(self) -> float | None:
        return self.agree / self.voted if self.voted else None


@dataclass
class VoteGroup:
    key: str
    members: list[int]  # participant ids, ascending
    proposals: dict[int, ProposalTally]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class VoteResult:
    groups: list[VoteGroup]
    coordinates: dict[int, tuple[float, float]]
    consensus: list[int]
    divisive: list[int]
    divisiveness: dict[int, float]  # max − min agree share per proposal (where measurable)
    k: int
    silhouette: float
    participants_used: int
    stage_seconds: dict[str, float] = field(default_factory=dict)


def _read_votes(votes: Iterable[tuple[int, int, int]]) -> np.ndarray:
    flat = np.fromiter(itertools.chain.from_iterable(votes), dtype=np.int64)
    if flat.size % 3:
        raise AnalysisInputError("bad_vote", _l("賛否は（参加者・提案・値）の組で渡してください。"))
    return flat.reshape(-1, 3)


def _matrix(triples: np.ndarray, proposal_ids: list[int], min_votes: int):
    """Rows of the participants kept, their ids, the votes (-1/0/1) and the seen mask."""
    proposals = np.asarray(proposal_ids, dtype=np.int64)
    order = np.argsort(proposals, kind="stable")
    pos = np.searchsorted(proposals[order], triples[:, 1])
    pos = np.minimum(pos, len(proposals) - 1)
    known = proposals[order][pos] == triples[:, 1]
    triples, col = triples[known], order[pos[known]]
    if not len(triples):
        raise AnalysisInputError("no_votes", _l("この範囲の提案にはまだ賛否がありません。"))
    if np.any((triples[:, 2] < -1) | (triples[:, 2] > 1)):
        raise AnalysisInputError("bad_vote", _l("賛否の値は1（賛成）、-1（反対）、0（どちらともいえない）のいずれかです。"))
    people, row = np.unique(triples[:, 0], return_inverse=True)
    cell = row * len(proposals) + col
    # The last vote given on a cell wins: take the first occurrence in the reversed order.
    _, first_rev = np.unique(cell[::-1], return_index=True)
    last = len(cell) - 1 - first_rev
    values = np.zeros(len(people) * len(proposals), dtype=np.float64)
    seen = np.zeros(len(people) * len(proposals), dtype=bool)
    values[cell[last]] = triples[last, 2]
    seen[cell[last]] = True
    values = values.reshape(len(people), len(proposals))
    seen = seen.reshape(len(people), len(proposals))
    keep = seen.sum(axis=1) >= min_votes
    return people[keep], values[keep], seen[keep]


def _project(values: np.ndarray, seen: np.ndarray) -> np.ndarray:
    counts = seen.sum(axis=0)
    means = np.divide((values * seen).sum(axis=0), counts, out=np.zeros(values.shape[1]), where=counts > 0)
    centred = np.where(seen, values - means, 0.0)
    if not np.any(np.abs(centred) > 1e-12):
        raise AnalysisInputError(
            "no_variation", _l("全員がすべての提案に同じ賛否を示しているため、グループに分けられません。"))
    # P × P eigenproblem instead of an n × P SVD: the same components, far less work at 100k rows.
    _, _, vt = np.linalg.svd(centred.T @ centred)
    components = vt[:2]
    for c in components:  # fix the sign so that the picture does not mirror between runs
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    projection = centred @ components.T
    if projection.shape[1] < 2:
        projection = np.hstack([projection, np.zeros((len(projection), 1))])
    stretch = np.sqrt(values.shape[1] / np.maximum(seen.sum(axis=1), 1))
    return projection * stretch[:, None]


def _cluster(points: np.ndarray, settings: VoteSettings) -> tuple[np.ndarray, int, float]:
    from sklearn import config_context
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(settings.seed)
    sample = np.sort(rng.choice(len(points), size=min(len(points), SILHOUETTE_SAMPLE), replace=False))
    # Centres from a seeded sample, then every point to its nearest centre: in two dimensions
    # 20,000 points place the centres as well as 100,000 do, at a fifth of the cost.
    fit = np.sort(rng.choice(len(points), size=min(len(points), KMEANS_SAMPLE), replace=False))
    distinct = len(np.unique(points.round(9), axis=0))
    best = None
    for k in range(settings.k_min, min(settings.k_max, distinct) + 1):
        model = KMeans(n_clusters=k, n_init=settings.kmeans_restarts, random_state=settings.seed).fit(points[fit])
        labels = model.predict(points)
        picked = labels[sample]
        if len(np.unique(picked)) < 2 or len(np.unique(picked)) >= len(sample):
            continue
        with config_context(working_memory=64):  # MB a chunk: the 5,000² distances would be 200 MB at once
            score = float(silhouette_score(points[sample], picked))
        if best is None or score > best[2] + 1e-12:
            best = (labels, k, score)
    if best is None:
        raise AnalysisInputError(
            "no_variation", _l("賛否の傾向に差がほとんどなく、グループに分けられません。"))
    return best


def _scale(projection: np.ndarray) -> np.ndarray:
    """Into [0, 1] with one factor for both axes, so distances on the map stay honest; the
    narrower axis is centred."""
    low, high = projection.min(axis=0), projection.max(axis=0)
    span = float((high - low).max()) or 1.0
    scaled = (projection - low) / span
    return scaled + (1 - (high - low) / span) / 2


def analyse_votes(votes: Iterable[tuple[int, int, int]], proposal_ids: Iterable[int],
                  settings: VoteSettings = VoteSettings(),
                  progress: Callable[[str], None] | None = None) -> VoteResult:
    """Groups of participants who vote alike, and the proposals that unite or divide them."""
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = round(now - clock, 4)
        clock = now
        if progress is not None:
            progress(name)

    proposal_ids = list(dict.fromkeys(int(p) for p in proposal_ids))
    if not proposal_ids:
        raise AnalysisInputError("no_votes", _l("賛否を示せる提案がまだありません。"))
    triples = _read_votes(votes)
    if not len(triples):
        raise AnalysisInputError("no_votes", _l("まだ賛否がありません。"))
    min_votes = min(settings.min_votes, len(proposal_ids))
    people, values, seen = _matrix(triples, proposal_ids, min_votes)
    if len(people) < settings.min_participants:
        raise AnalysisInputError("too_few_participants", _l(
            "提案%(votes)d件以上に賛否を示した参加者が%(found)d人です。"
            "グループに分けるには%(needed)d人以上が必要です。", found=len(people), votes=min_votes,
            needed=settings.min_participants))
    stage("matrix")

    projection = _project(values, seen)
    stage("pca")

    # One thread: on a busy two-core worker OpenMP's threads fight each other (6 s instead of 2 s).
    with threadpool_limits(limits=1):
        labels, k, silhouette = _cluster(projection, settings)
    stage("kmeans")

    # Keys by size, largest first; a tie goes to the group holding the smaller participant id.
    sizes = np.bincount(labels, minlength=k)
    first_member = np.array([people[labels == g].min() for g in range(k)])
    ranking = sorted(range(k), key=lambda g: (-sizes[g], first_member[g]))
    groups = []
    shares = np.full((k, len(proposal_ids)), np.nan)
    for rank, g in enumerate(ranking):
        mine = labels == g
        v, s = values[mine], seen[mine]
        agree = ((v == 1) & s).sum(axis=0)
        disagree = ((v == -1) & s).sum(axis=0)
        passed = ((v == 0) & s).sum(axis=0)
        tallies = {}
        for j, pid in enumerate(proposal_ids):
            tally = ProposalTally(int(agree[j]), int(disagree[j]), int(passed[j]))
            tallies[pid] = tally
            if tally.voted >= settings.min_group_voters:
                shares[rank, j] = tally.agree_share
        groups.append(VoteGroup(GROUP_KEYS[rank], [int(p) for p in people[mine]], tallies))

    measured = ~np.isnan(shares)
    everywhere = measured.all(axis=0)
    with np.errstate(invalid="ignore"):
        lowest = np.where(measured, shares, np.inf).min(axis=0)
        highest = np.where(measured, shares, -np.inf).max(axis=0)
    consensus_cols = [j for j in range(len(proposal_ids)) if everywhere[j] and lowest[j] > settings.consensus_share]
    consensus = [proposal_ids[j] for j in sorted(consensus_cols, key=lambda j: (-lowest[j], j))]
    spread = {j: float(highest[j] - lowest[j]) for j in range(len(proposal_ids)) if measured[:, j].sum() >= 2}
    divisive_cols = sorted((j for j, d in spread.items() if d >= settings.divisive_threshold),
                           key=lambda j: (-spread[j], j))[:settings.max_divisive]
    scaled = _scale(projection)
    coordinates = {int(p): (float(x), float(y)) for p, (x, y) in zip(people, scaled)}
    stage("groups")

    return VoteResult(
        groups=groups, coordinates=coordinates, consensus=consensus,
        divisive=[proposal_ids[j] for j in divisive_cols],
        divisiveness={proposal_ids[j]: round(d, 4) for j, d in spread.items()},
        k=k, silhouette=round(silhouette, 4), participants_used=len(people), stage_seconds=stages)
