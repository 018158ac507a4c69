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
    assert set(drawn) == set(groups)  # every group keeps a dot
    assert 20 <= len(sample.points) <= 20 + len(groups)
    for key, n in groups.items():  # and its share, rounded up
        assert drawn[key] == -(-n * 20 // len(placed))
    assert all(placed[item] == key for item, _x, _y, key in sample.points)
    assert reading.map_sample(run, limit=20).points == sample.points  # seeded: the same dots
    ward = reading.map_sample(run, "chuo", limit=5)
    chuo = {c.id for _p, c in _points(run) if c.ward_code == "chuo"}
    assert ward.total == len(chuo & set(placed)) and {i for i, *_ in ward.points} <= chuo


def test_the_page_says_how_many_dots_it_draws(run, staff, monkeypatch):
    client, _ = staff("secretariat")
    page = f"/staff/c/{SLUG}/analysis/{run.id}"
    assert 'id="map-sample"' not in client.get(page).get_data(as_text=True)
    monkeypatch.setattr(reading, "MAP_DOTS", 15)
    html = client.get(page).get_data(as_text=True)
    note = re.search(r'data-drawn="(\d+)" data-of="(\d+)"', html)
    drawn, total = int(note.group(1)), int(note.group(2))
    assert total == run.input_count and 15 <= drawn < total
    links = re.findall(r'<a href="(/staff/c/[^"]+/moderation/\d+)"><title>', html)
    assert len(links) == drawn  # every dot drawn is a link to its comment
    legend = re.findall(r"\((\d[\d,]*)\)</text>", html)
    assert sum(int(n.replace(",", "")) for n in legend) == total  # the legend gives whole groups
