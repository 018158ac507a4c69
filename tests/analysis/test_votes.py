"""Opinion groups from votes: planted camps are found, with their consensus and divisive proposals."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from consult.analysis.errors import AnalysisInputError
from consult.analysis.votes import VoteSettings, analyse_votes

PROPOSALS = list(range(101, 121))  # 20 proposals, ids that are not column numbers


def planted(camp_sizes, divisive_profiles, consensus, seed=7, seen=0.8, noise=0.05, passes=0.08):
    """Votes of camps that agree on ``consensus``, split on ``divisive_profiles`` (proposal →
    per-camp agree/disagree) and are lukewarm, all alike, on the rest; with flips, passes and
    unseen proposals. Returns (votes, camp of each participant id)."""
    rng = np.random.default_rng(seed)
    lukewarm = {p: rng.uniform(0.25, 0.45) for p in PROPOSALS}  # split, leaning no: not consensus
    votes, camp_of = [], {}
    pid = 1000
    for camp, size in enumerate(camp_sizes):
        for _ in range(size):
            pid += 1
            camp_of[pid] = camp
            for p in PROPOSALS:
                if rng.random() > seen:
                    continue
                if rng.random() < passes:
                    votes.append((pid, p, 0))
                    continue
                if p in consensus:
                    value = 1
                elif p in divisive_profiles:
                    value = divisive_profiles[p][camp]
                else:
                    value = 1 if rng.random() < lukewarm[p] else -1
                if rng.random() < noise:
                    value = -value
                votes.append((pid, p, value))
    order = rng.permutation(len(votes))
    return [votes[i] for i in order], camp_of


def labels_of(result, camp_of):
    group_of = {m: g.key for g in result.groups for m in g.members}
    ids = sorted(camp_of)
    return [camp_of[i] for i in ids], [group_of[i] for i in ids]


TWO_DIVISIVE = {105: (1, -1), 106: (-1, 1), 107: (1, -1), 108: (-1, 1), 109: (1, -1), 110: (-1, 1)}
THREE_DIVISIVE = {105: (1, -1, -1), 106: (-1, 1, -1), 107: (-1, -1, 1), 108: (1, 1, -1), 109: (1, -1, 1),
                  110: (-1, 1, 1), 111: (1, -1, -1)}
CONSENSUS = {101, 102, 103}


def test_two_camps_recovered():
    votes, camp_of = planted((300, 200), TWO_DIVISIVE, CONSENSUS)
    result = analyse_votes(votes, PROPOSALS)
    truth, found = labels_of(result, camp_of)
    assert result.k == 2
    assert adjusted_rand_score(truth, found) >= 0.9
    assert [g.key for g in result.groups] == ["A", "B"]
    assert result.groups[0].size > result.groups[1].size  # keys by size
    assert set(result.consensus) == CONSENSUS
    assert set(result.divisive[:6]) == set(TWO_DIVISIVE)
    assert result.participants_used == 500
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in result.coordinates.values())
    assert set(result.coordinates) == set(camp_of)
    assert set(result.stage_seconds) == {"matrix", "pca", "kmeans", "groups"}


def test_three_camps_recovered():
    votes, camp_of = planted((250, 180, 120), THREE_DIVISIVE, CONSENSUS, seed=11)
    result = analyse_votes(votes, PROPOSALS)
    truth, found = labels_of(result, camp_of)
    assert result.k == 3
    assert adjusted_rand_score(truth, found) >= 0.9
    assert set(result.consensus) == CONSENSUS
    assert set(result.divisive[:7]) == set(THREE_DIVISIVE)


def test_group_tallies_add_up():
    votes, _ = planted((60, 40), TWO_DIVISIVE, CONSENSUS, seed=3)
    result = analyse_votes(votes, PROPOSALS)
    for p in PROPOSALS:
        total = sum(g.proposals[p].voted for g in result.groups)
        assert total == sum(1 for v in votes if v[1] == p)
        for g in result.groups:
            t = g.proposals[p]
            assert t.agree_share is None or t.agree_share == t.agree / t.voted


def test_deterministic():
    votes, _ = planted((120, 90, 60), THREE_DIVISIVE, CONSENSUS, seed=5)
    first = analyse_votes(votes, PROPOSALS, VoteSettings(seed=4))
    again = analyse_votes(list(reversed(votes)), PROPOSALS, VoteSettings(seed=4))  # order does not matter
    assert [g.members for g in first.groups] == [g.members for g in again.groups]
    assert first.coordinates == again.coordinates
    assert (first.consensus, first.divisive, first.k, first.silhouette) == (
        again.consensus, again.divisive, again.k, again.silhouette)


def test_min_votes_filters_participants():
    votes, camp_of = planted((60, 40), TWO_DIVISIVE, CONSENSUS, seed=3)
    votes = [v for v in votes if v[0] != 1001] + [(1001, p, 1) for p in PROPOSALS[:6]]
    votes += [(9999, p, -1) for p in PROPOSALS[:7]]
    result = analyse_votes(votes, PROPOSALS)
    used = {m for g in result.groups for m in g.members}
    assert 1001 not in used and 9999 in used  # six votes are too few, seven are enough
    assert result.participants_used == len(camp_of)
    lowered = analyse_votes(votes, PROPOSALS, VoteSettings(min_votes=6))
    assert lowered.participants_used == len(camp_of) + 1


def test_min_votes_capped_at_the_number_of_proposals():
    rng = np.random.default_rng(2)
    votes = [(i, p, int(rng.choice([1, -1]))) for i in range(40) for p in (1, 2, 3)]
    result = analyse_votes(votes, [1, 2, 3])
    assert result.participants_used == 40


def test_last_vote_wins_and_unknown_proposals_ignored():
    votes, _ = planted((60, 40), TWO_DIVISIVE, CONSENSUS, seed=3)
    changed = votes + [(1001, 101, -1), (1001, 101, 1), (1001, 999, 1)]
    result = analyse_votes(changed, PROPOSALS)
    base = analyse_votes(votes + [(1001, 101, 1)], PROPOSALS)
    assert [g.proposals[101].agree for g in result.groups] == [g.proposals[101].agree for g in base.groups]


def test_no_votes():
    with pytest.raises(AnalysisInputError) as e:
        analyse_votes([], PROPOSALS)
    assert e.value.code == "no_votes"
    with pytest.raises(AnalysisInputError) as e:
        analyse_votes([(1, 999, 1)], PROPOSALS)
    assert e.value.code == "no_votes"


def test_too_few_participants():
    votes = [(i, p, 1 if (i + p) % 2 else -1) for i in range(9) for p in PROPOSALS]
    with pytest.raises(AnalysisInputError) as e:
        analyse_votes(votes, PROPOSALS)
    assert e.value.code == "too_few_participants"
    assert "9" in str(e.value) and "10" in str(e.value)


def test_no_variation():
    votes = [(i, p, 1) for i in range(50) for p in PROPOSALS]
    with pytest.raises(AnalysisInputError) as e:
        analyse_votes(votes, PROPOSALS)
    assert e.value.code == "no_variation"


def test_bad_vote_value():
    votes = [(i, p, 2) for i in range(50) for p in PROPOSALS]
    with pytest.raises(AnalysisInputError) as e:
        analyse_votes(votes, PROPOSALS)
    assert e.value.code == "bad_vote"


def test_progress_called_per_stage():
    votes, _ = planted((60, 40), TWO_DIVISIVE, CONSENSUS, seed=3)
    seen = []
    analyse_votes(votes, PROPOSALS, progress=seen.append)
    assert seen == ["matrix", "pca", "kmeans", "groups"]
