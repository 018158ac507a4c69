"""Analysis runs on the database: what goes in, one run at a time, refusals before any job, a run
killed halfway, and what a run keeps (settings, input count, package versions)."""

import pytest
from sqlalchemy import func, select

from consult.analysis import runs
from consult.analysis.models import AnalysisGroup, AnalysisPoint, AnalysisRun
from consult.consultation.models import Consultation
from consult.extensions import db
from consult.i18n import utcnow
from consult.participation.models import Comment

DELIBERATION = "kumamoto-ward-offices-h26"
PUBCOM = "jichi-kihon-jorei-h26"


def consultation(slug: str) -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "80", "--votes", "0",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output
    return consultation(DELIBERATION)


def test_the_cli_runs_an_analysis_and_keeps_what_made_it(demo, runner):
    result = runner.invoke(args=["analysis", "run", DELIBERATION, "--seed", "3"])
    assert result.exit_code == 0, result.output
    run = db.session.get(AnalysisRun, int(result.stdout.strip().splitlines()[-1]))
    assert run.state == "done" and run.consultation_id == demo.id
    # Every comment of the consultation but those hidden by moderation (spam and abuse).
    comments = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.topic.has(consultation_id=demo.id), Comment.status != "hidden"))
    assert run.input_count == comments and 60 < comments <= 80
    assert run.settings["engine"] == {"seed": 3} and run.settings["selection"] == {
        "topic_id": None, "channel": None, "date_from": None, "date_to": None}
    assert {"numpy", "scikit-learn"} <= set(run.package_versions)
    # Every comment has its place: a group (or excluded) and a point on the map.
    points = db.session.scalars(select(AnalysisPoint).where(AnalysisPoint.run_id == run.id)).all()
    assert len(points) == comments and all(p.group_key for p in points)
    broad = [g for g in run.groups if g.parent_key is None]
    assert len(broad) >= 2 and sum(g.size for g in broad) == comments
    assert all(g.decision == "open" and g.opinion_group_id is None for g in run.groups)


def test_the_public_comment_is_not_in_the_deliberation_s_input(demo):
    pubcom_ids = set(db.session.scalars(select(Comment.id).where(
        Comment.topic.has(consultation_id=consultation(PUBCOM).id))))
    assert pubcom_ids, "the demo data gives the public comment its own comments"
    docs = runs.text_input(demo, runs.Selection())
    assert not pubcom_ids & {doc_id for doc_id, _ in docs}


def test_hidden_comments_and_other_channels_are_left_out(demo):
    before = {doc_id for doc_id, _ in runs.text_input(demo, runs.Selection())}
    hidden = db.session.get(Comment, min(before))
    hidden.status = "hidden"
    db.session.commit()
    ids = {doc_id for doc_id, _ in runs.text_input(demo, runs.Selection())}
    assert ids == before - {hidden.id}
    paper = {doc_id for doc_id, _ in runs.text_input(demo, runs.Selection(channel="paper"))}
    assert paper and paper < ids
    assert {c.channel for c in db.session.scalars(select(Comment).where(Comment.id.in_(paper)))} == {"paper"}


def test_too_few_comments_is_refused_before_any_job(app):
    with pytest.raises(runs.RunRefused) as refused:
        runs.start("text", consultation(DELIBERATION))
    assert refused.value.code == "too_few"
    assert "20" in runs.as_text(refused.value.message)
    assert db.session.scalar(select(func.count(AnalysisRun.id))) == 0


def test_a_second_run_while_one_runs_is_refused(demo, runner):
    first = runs.start("text", demo)
    with pytest.raises(runs.RunRefused) as refused:
        runs.start("text", demo)
    assert refused.value.code == "running" and str(first.id) in runs.as_text(refused.value.message)
    result = runner.invoke(args=["analysis", "run", DELIBERATION])
    assert result.exit_code != 0 and str(first.id) in result.output
    # The other consultation is not held up by it.
    assert runs.active_run(consultation(PUBCOM).id) is None


def test_a_killed_job_leaves_the_previous_result_and_stops_blocking(demo):
    done = runs.perform(runs.start("text", demo).id)
    groups_before = [(g.key, g.size, g.label) for g in done.groups]

    class Killed(BaseException):
        pass

    def kill(stage, fraction):
        if stage == "cluster":
            raise Killed

    second = runs.start("text", demo)
    with pytest.raises(Killed):
        runs.perform(second.id, progress=kill)
    db.session.rollback()
    assert db.session.get(AnalysisRun, second.id).state == "running"
    assert not db.session.scalars(select(AnalysisGroup).where(AnalysisGroup.run_id == second.id)).all()
    db.session.expire_all()
    assert [(g.key, g.size, g.label) for g in db.session.get(AnalysisRun, done.id).groups] == groups_before

    # Its worker is gone: once its heartbeat is old, it is marked failed and a new run may start.
    db.session.get(AnalysisRun, second.id).heartbeat_at_utc = utcnow() - runs.STALE_AFTER * 2
    db.session.get(AnalysisRun, second.id).created_at_utc = utcnow() - runs.STALE_AFTER * 2
    db.session.commit()
    third = runs.start("text", demo)
    assert db.session.get(AnalysisRun, second.id).state == "failed"
    assert third.state == "queued"


def test_the_same_input_and_settings_give_the_same_groups(demo):
    a = runs.perform(runs.start("text", demo, settings={"seed": 5}).id)
    b = runs.perform(runs.start("text", demo, settings={"seed": 5}).id)
    assert [(g.key, g.parent_key, g.size, g.label) for g in a.groups] == \
        [(g.key, g.parent_key, g.size, g.label) for g in b.groups]


def test_a_run_exports_as_json_with_every_member_and_as_kouchou_csv(demo, runner, tmp_path):
    import json

    run_id = runner.invoke(args=["analysis", "run", DELIBERATION]).stdout.strip().splitlines()[-1]
    out = tmp_path / "run.json"
    result = runner.invoke(args=["analysis", "export", run_id, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    run = db.session.get(AnalysisRun, int(run_id))
    broad = [g for g in data["groups"] if g["parent"] is None]
    assert sorted(m for g in broad for m in g["members"]) == sorted(
        db.session.scalars(select(AnalysisPoint.item_id).where(AnalysisPoint.run_id == run.id)))
    assert {g["key"]: len(g["members"]) for g in data["groups"]} == {g.key: g.size for g in run.groups}
    csv_out = tmp_path / "run.csv"
    result = runner.invoke(args=["analysis", "export", run_id, "--format", "csv", "--output", str(csv_out)])
    assert result.exit_code == 0, result.output
    raw = csv_out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig").splitlines()[0].startswith("comment-id,")
    assert len(raw.decode("utf-8-sig").splitlines()) == run.input_count + 1
    # A run that does not exist: a message, not a traceback.
    missing = runner.invoke(args=["analysis", "export", "999999"])
    assert missing.exit_code != 0 and "999999" in missing.output
