"""What the run page reads: the splits counted by the database agree with the points one by one,
and the map draws at most MAP_DOTS dots, a sample that keeps every group and its share, the same
on every view, while the legend and the page give the full counts."""

import re
from collections import Counter

import pytest
from sqlalchemy import select

from consult.analysis import reading
from consult.analysis.models import AnalysisPoint, AnalysisRun
from consult.extensions import db
from consult.participation.models import Comment

SLUG = "kumamoto-ward-offices-h26"


@pytest.fixture
def run(runner):
    made = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "120", "--votes", "0", "--no-staff"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(args=["analysis", "run", SLUG, "--seed", "2"])
    assert result.exit_code == 0, result.output
    return db.session.get(AnalysisRun, int(result.stdout.strip().splitlines()[-1]))


def _points(run):
    return db.session.execute(select(AnalysisPoint, Comment).join(Comment, Comment.id == AnalysisPoint.item_id)
                              .where(AnalysisPoint.run_id == run.id)).all()


def test_the_splits_are_the_points_counted_one_by_one(run):
    views, whole = reading.group_views(run)
    points = _points(run)
    assert Counter(c.ward_code for _p, c in points) == whole["ward"].counts  # each point once
    assert sum(whole["ward"].counts.values()) == run.input_count
    flat = [v for view in views for v in [view, *view.children]]
    assert len(flat) == len(run.groups)
    for view in flat:
        key, fine = view.group.key, view.group.parent_key is not None
        members = [(p, c) for p, c in points if (p.subgroup_key if fine else p.group_key) == key]
        assert view.splits["ward"].counts == Counter(c.ward_code for _p, c in members)
        assert view.splits["age"].counts == Counter(c.age_band for _p, c in members)
        assert view.topics == Counter(c.topic_id for _p, c in members)
        assert view.campaign_members == sum(1 for p, _c in members if p.campaign_key)
        assert sum(view.splits["channel"].counts.values()) == view.group.size


def test_the_map_draws_a_stratified_sample_the_same_every_time(run):
    placed = {p.item_id: p.group_key for p, _c in _points(run) if p.x is not None}
    every = reading.map_sample(run)
    assert len(every.points) == len(placed) == every.total  # under the limit: every dot
    sample = reading.map_sample(run, limit=20)
    groups = Counter(placed.values())
    assert sample.sizes == groups and sample.total == len(placed)
    drawn = Counter(key for _i, _x, _y, key in sample.points)
    assert set(drawn) == set(groups)  # every group keeps dots: MAP_MIN_GROUP, or all of a small one
    assert all(drawn[key] == n for key, n in groups.items() if n <= reading.MAP_MIN_GROUP)
    assert len(sample.points) < len(placed)
    assert all(placed[item] == key for item, _x, _y, key in sample.points)
    assert reading.map_sample(run, limit=20).points == sample.points  # seeded: the same dots
    ward = reading.map_sample(run, "chuo", limit=5)
    chuo = {c.id for _p, c in _points(run) if c.ward_code == "chuo"}
    assert ward.total == len(chuo & set(placed)) and {i for i, *_ in ward.points} <= chuo


def test_each_group_keeps_its_share_of_the_dots():
    sizes = Counter({"1": 60_000, "2": 30_000, "3": 9_000, "4": 990, "5": 10, "6": 3})
    thresholds = reading._thresholds(sizes, 2000)
    expected = {key: sizes[key] * t / reading._MOD for key, t in thresholds.items()}
    assert round(expected["1"]) == 1200 and round(expected["2"]) == 600 and round(expected["3"]) == 180
    assert round(expected["4"]) == 20 and expected["5"] == 10 and expected["6"] == 3  # small groups whole
    assert 2000 <= sum(expected.values()) <= 2000 + len(sizes) * reading.MAP_MIN_GROUP
    assert reading._thresholds(Counter({"1": 5, "2": 7}), 2000) == {"1": reading._MOD, "2": reading._MOD}
    # The hash spreads consecutive ids evenly: a threshold of 10 % draws about 10 % of them.
    ids = range(1, 100_001)
    share = sum((i * reading._HASH + 7) % reading._MOD < reading._MOD // 10 for i in ids) / len(ids)
    assert 0.099 < share < 0.101


def test_the_page_says_how_many_dots_it_draws(run, staff, monkeypatch):
    client, _ = staff("secretariat")
    page = f"/staff/c/{SLUG}/analysis/{run.id}"
    assert 'id="map-sample"' not in client.get(page).get_data(as_text=True)
    monkeypatch.setattr(reading, "MAP_DOTS", 15)
    monkeypatch.setattr(reading, "MAP_MIN_GROUP", 1)
    html = client.get(page).get_data(as_text=True)
    note = re.search(r'data-drawn="(\d+)" data-of="(\d+)"', html)
    drawn, total = int(note.group(1)), int(note.group(2))
    assert total == run.input_count and 0 < drawn < total / 2
    links = re.findall(r'<a href="(/staff/c/[^"]+/moderation/\d+)"><title>', html)
    assert len(links) == drawn  # every dot drawn is a link to its comment
    legend = re.findall(r"\((\d[\d,]*)\)</text>", html)
    assert sum(int(n.replace(",", "")) for n in legend) == total  # the legend gives whole groups
