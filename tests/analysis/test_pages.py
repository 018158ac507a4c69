"""The secretariat's analysis pages: a run started in the browser is done by a process of its own
(the web request returns at once), shown with its map and groups, and a suggestion accepted by
staff becomes a proposed opinion group; refusals say why; other roles and consultations see nothing."""

import re
import time

import pytest
from sqlalchemy import func, select

from consult.analysis.models import AnalysisGroup, AnalysisRun
from consult.consultation.models import Consultation, Proposal, Topic
from consult.extensions import db
from consult.participation.models import Comment, Vote
from consult.secretariat.models import OpinionGroup

SLUG = "kumamoto-ward-offices-h26"
PUBCOM = "jichi-kihon-jorei-h26"
PAGE = f"/staff/c/{SLUG}/analysis"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "60", "--votes", "0",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output


def wait_done(run_id: int, seconds: float = 120) -> AnalysisRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        run = db.session.get(AnalysisRun, run_id)
        if run.state in ("done", "failed"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still {run.state} after {seconds} s")


def test_a_run_started_in_the_browser_is_done_by_its_own_process_and_accepted(demo, staff):
    client, _user = staff("secretariat")
    page = client.get(PAGE)
    assert page.status_code == 200 and "分析を始める" in page.get_data(as_text=True)
    started = time.monotonic()
    response = client.post(PAGE, data={"kind": "text", "topic": "", "channel": ""})
    assert response.status_code == 303
    assert time.monotonic() - started < 5, "the request waits for the job"
    run_id = int(re.search(r"/analysis/(\d+)$", response.headers["Location"]).group(1))
    # While it works the page refreshes itself and shows how far it is.
    waiting = client.get(f"{PAGE}/{run_id}").get_data(as_text=True)
    run = wait_done(run_id)
    assert run.state == "done", run.error_message
    if "<progress" not in waiting:
        assert "完了" in waiting  # it was quicker than the first look
    html = client.get(f"{PAGE}/{run_id}").get_data(as_text=True)
    assert "<svg" in html and "分布図" in html
    first = db.session.scalar(select(AnalysisGroup).where(AnalysisGroup.run_id == run_id,
                                                          AnalysisGroup.parent_key.is_(None))
                              .order_by(AnalysisGroup.position))
    assert f'id="g-{first.key}"' in html and first.label in html

    accepted = client.post(f"{PAGE}/{run_id}/groups/{first.id}/accept", follow_redirects=True)
    assert accepted.status_code == 200 and "採用済み" in accepted.get_data(as_text=True)
    made = db.session.scalars(select(OpinionGroup).where(OpinionGroup.state == "proposed")).all()
    assert made and {g.title for g in made} == {first.label}
    held = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.opinion_group_id.in_([g.id for g in made])))
    assert held == first.size  # no comment was in a group before
    # Deciding twice is refused, and makes nothing more.
    again = client.post(f"{PAGE}/{run_id}/groups/{first.id}/accept", follow_redirects=True)
    assert "すでに採用または不採用" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OpinionGroup.id)).where(OpinionGroup.state == "proposed")) == len(made)


def test_bad_requests_are_answered_on_the_form_and_start_nothing(demo, staff):
    client, _user = staff("secretariat")
    bad_kind = client.post(PAGE, data={"kind": "llm"})
    assert bad_kind.status_code == 400 and "分析の種類を選んでください" in bad_kind.get_data(as_text=True)
    other_topic = db.session.scalar(select(Topic.id).join(Consultation).where(Consultation.slug == PUBCOM))
    wrong_topic = client.post(PAGE, data={"kind": "text", "topic": str(other_topic)})
    assert wrong_topic.status_code == 400
    # The public comment's few demo opinions are too few to group; the message gives both counts.
    few = client.post(f"/staff/c/{PUBCOM}/analysis", data={"kind": "text"})
    text = few.get_data(as_text=True)
    assert few.status_code == 422 and "20件以上" in text
    no_votes = client.post(PAGE, data={"kind": "votes"})
    assert no_votes.status_code == 422 and "賛否" in no_votes.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AnalysisRun.id))) == 0


def test_other_roles_and_other_consultations_see_nothing(demo, staff, runner):
    result = runner.invoke(args=["analysis", "run", SLUG])
    run_id = int(result.stdout.strip().splitlines()[-1])
    facilitator, _ = staff("facilitator")
    assert facilitator.get(PAGE).status_code == 403
    assert facilitator.get(f"{PAGE}/{run_id}").status_code == 403
    secretariat, _ = staff("secretariat")
    assert secretariat.get(f"/staff/c/{PUBCOM}/analysis/{run_id}").status_code == 404
    group = db.session.scalar(select(AnalysisGroup).where(AnalysisGroup.run_id == run_id).limit(1))
    assert secretariat.post(f"/staff/c/{PUBCOM}/analysis/{run_id}/groups/{group.id}/discard").status_code == 404
    assert secretariat.get(f"{PAGE}/{run_id}?ward=nowhere").status_code == 404


def test_vote_groups_show_their_consensus_proposals(app, staff, runner, participant):
    """Two camps split on the first topic's proposals but for one that both agree with."""
    topic = db.session.scalar(select(Topic).join(Consultation).where(Consultation.slug == SLUG)
                              .order_by(Topic.number))
    proposals = db.session.scalars(select(Proposal).join(Topic).join(Consultation)
                                   .where(Consultation.slug == SLUG).order_by(Proposal.id)).all()[:8]
    assert len(proposals) == 8, topic
    agreed = proposals[0]
    for n in range(40):
        person = participant(ward="chuo" if n % 2 else "kita")
        for i, p in enumerate(proposals):
            camp_agrees = (i % 2 == 0) == (n % 2 == 0)
            value = "agree" if p is agreed or camp_agrees else "disagree"
            db.session.add(Vote(participant_id=person.id, proposal_id=p.id, value=value))
    db.session.commit()
    result = runner.invoke(args=["analysis", "run", SLUG, "--kind", "votes"])
    assert result.exit_code == 0, result.output
    run = db.session.get(AnalysisRun, int(result.stdout.strip().splitlines()[-1]))
    assert run.summary["k"] == 2 and run.summary["consensus"] == [agreed.id]
    client, _ = staff("secretariat")
    html = client.get(f"{PAGE}/{run.id}").get_data(as_text=True)
    section = html.split('id="consensus"')[1].split('id="divisive"')[0]
    assert agreed.text in section
    assert "意見グループ案として採用" not in html  # vote groups are for reading


def test_the_run_page_in_english(demo, staff, runner):
    run_id = runner.invoke(args=["analysis", "run", SLUG]).stdout.strip().splitlines()[-1]
    client, _ = staff("secretariat")
    client.get("/lang?lang=en&next=/staff")
    html = client.get(f"{PAGE}/{run_id}").get_data(as_text=True)
    assert '<html lang="en">' in html and "Map of the comments" in html and "Accept as proposed opinion groups" in html
    assert "ご意見の分布図" not in html
