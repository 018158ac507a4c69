"""The public results page's 「賛否によるグループ（参考）」: only once the results are public, with the
run's date, sizes, consensus and divisive proposals and agree shares; no ward split, no map, no
participant; groups of fewer than 5 counted together, shares from fewer than 5 voters withheld."""

import json

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from consult.analysis import runs, summaries
from consult.analysis.models import AnalysisGroup, AnalysisRun
from consult.consultation.models import Consultation, Proposal, Topic
from consult.extensions import db
from consult.i18n import utcnow
from tests.core.test_english_pages import Unmarked

SLUG = "kumamoto-ward-offices-h26"
RESULTS = f"/c/{SLUG}/results"
HEADING = "賛否によるグループ（参考）"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "60", "--comments", "40", "--votes", "600",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))


def close(consultation) -> None:
    db.session.execute(update(Consultation).where(Consultation.id == consultation.id).values(phase="closed"))
    db.session.commit()


def test_shown_only_once_the_results_are_public(demo, client):
    run = runs.perform(runs.start("votes", demo).id)
    assert run.state == "done" and all(g.size >= summaries.PUBLIC_MIN_GROUP for g in run.groups)
    waiting = client.get(RESULTS)
    assert waiting.status_code == 404 and HEADING not in waiting.get_data(as_text=True)
    close(demo)
    html = client.get(RESULTS).get_data(as_text=True)
    section = html.split('id="vote-groups-h"')[1].split("</section>")[0]
    assert HEADING in section and f"対象 {run.input_count} 人" in section
    assert "令和" in section  # the run's date, in the house's 和暦 (西暦)
    for g in run.groups:
        assert f"<th scope=\"row\">グループ{g.key}</th><td class=\"num\">{g.size}人</td>" in section
    texts = {p.id: p.text for p in db.session.scalars(select(Proposal))}
    for pid in run.summary["consensus"] + run.summary["divisive"]:
        assert str(escape(texts[pid])) in section
    # Nothing about single participants, no staff link, no ward split, no map, no run id for staff.
    assert "/staff/" not in section and "<svg" not in section and "中央区" not in section


def test_not_shown_without_a_votes_run(demo, client):
    close(demo)
    html = client.get(RESULTS).get_data(as_text=True)
    assert "審議事項1" in html and HEADING not in html


def _planted_run(consultation, sizes: dict[str, int], voters: dict[str, int], proposal: Proposal) -> AnalysisRun:
    """A finished votes run as stored, with groups of the given sizes; on ``proposal`` group k had
    ``voters[k]`` voters, all of whom agreed."""
    run = AnalysisRun(consultation_id=consultation.id, kind="votes", state="done", input_count=sum(sizes.values()),
                      finished_at_utc=utcnow(), settings_json=json.dumps({"selection": {}, "engine": {}}),
                      summary_json=json.dumps({"k": len(sizes), "silhouette": 0.5, "consensus": [proposal.id],
                                               "divisive": []}))
    run.groups = [AnalysisGroup(key=key, position=i, size=size, detail_json=json.dumps(
        {"proposals": {str(proposal.id): {"agree": voters[key], "disagree": 0, "pass": 0}}}))
        for i, (key, size) in enumerate(sizes.items())]
    db.session.add(run)
    db.session.commit()
    return run


def test_small_groups_and_small_cells_are_withheld(app, demo, client):
    proposal = db.session.scalar(select(Proposal).join(Topic).where(Topic.consultation_id == demo.id)
                                 .order_by(Proposal.id))
    _planted_run(demo, {"A": 40, "B": 12, "C": 3}, {"A": 30, "B": 4, "C": 3}, proposal)
    with app.test_request_context("/"):  # the settings are written in the request's language
        part = summaries.public_vote_groups(demo)
    assert [g.key for g in part.groups] == ["A", "B"]
    assert (part.hidden_groups, part.hidden_participants) == (1, 3)
    assert part.consensus[0].shares == [1.0, None]  # B: 4 voters, fewer than 5
    assert part.groups[0].wards == {}  # no ward split in public
    close(demo)
    html = client.get(RESULTS).get_data(as_text=True)
    section = html.split('id="vote-groups-h"')[1].split("</section>")[0]
    assert "グループC" not in section and "5人未満のグループ（1）" in section and "3人" in section
    assert "100.0%" in section and "—" in section
    # The staff's document shows every group.
    with app.test_request_context("/"):
        staff_part = summaries.vote_groups_part(summaries.latest_votes_run(demo.id))
    assert [g.key for g in staff_part.groups] == ["A", "B", "C"]


def test_every_group_too_small_shows_nothing(app, demo, client):
    proposal = db.session.scalar(select(Proposal).join(Topic).where(Topic.consultation_id == demo.id))
    _planted_run(demo, {"A": 4, "B": 3}, {"A": 4, "B": 3}, proposal)
    with app.test_request_context("/"):
        assert summaries.public_vote_groups(demo) is None
    close(demo)
    assert HEADING not in client.get(RESULTS).get_data(as_text=True)


def test_in_english(demo, client):
    runs.perform(runs.start("votes", demo).id)
    close(demo)
    html = client.get(RESULTS + "?lang=en").get_data(as_text=True)
    section = html.split('id="vote-groups-h"')[1].split("</section>")[0]
    assert "Groups by votes (for reference)" in section and "Proposals most of every group agree with" in section
    parser = Unmarked()
    parser.feed(section)
    assert parser.found == []
