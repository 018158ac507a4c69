"""Phases 準備中 → 意見募集中 → 締切 → 結果公表: every transition (logged), the comment period and its
checks, and what citizens can and cannot do in each phase (web forms, votes, supports, API)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult.consultation.services import current_consultation
from consult.editing import phases
from consult.extensions import db
from consult.i18n import JST, utcnow
from consult.participation.models import Comment, Support, Vote
from consult.participation.services import new_receipt_no
from tests.conftest import confirm_and_submit, valid_comment


def _jst(dt: datetime) -> str:
    return dt.replace(tzinfo=None).__add__(timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")


def _set_phase(phase: str, **dates):
    c = current_consultation()
    c.phase = phase
    for name, value in dates.items():
        setattr(c, name, value)
    db.session.commit()
    return c


def _move(client, target, expected, close_at=""):
    return client.post("/staff/c/kumamoto-ward-offices-h26/phase", data={"target": target, "expected": expected, "close_at": close_at})


def test_the_whole_cycle_is_logged(staff, events, client):
    staff_client, user = staff()
    c = _set_phase("draft")
    future = utcnow() + timedelta(days=30)

    # draft → open needs a closing time in the future
    response = _move(staff_client, "open", "draft")
    assert response.status_code == 422 and "締切日時を入力してください" in response.get_data(as_text=True)
    response = _move(staff_client, "open", "draft", _jst(utcnow() - timedelta(hours=1)))
    assert response.status_code == 422 and "今より後にしてください" in response.get_data(as_text=True)
    assert _move(staff_client, "open", "draft", _jst(future)).status_code == 303
    db.session.refresh(c)
    assert c.phase == "open" and c.comments_open_at_utc <= utcnow()
    assert abs(c.comments_close_at_utc - future) < timedelta(minutes=1)
    opened = events("consultation.phase")[-1]
    assert opened.user_id == user.id and opened.before["phase"] == "draft" and opened.after["phase"] == "open"
    assert opened.note == "opened"

    # open → closed before the closing time: an early close, the actual time recorded
    assert _move(staff_client, "closed", "open").status_code == 303
    db.session.refresh(c)
    assert c.phase == "closed" and c.comments_close_at_utc <= utcnow()
    closed = events("consultation.phase")[-1]
    assert closed.note == "closed early" and closed.before["comments_close_at_utc"] != closed.after["comments_close_at_utc"]

    # closed → open again (an extension after the close) needs a new closing time
    assert _move(staff_client, "open", "closed").status_code == 422
    assert _move(staff_client, "open", "closed", _jst(future + timedelta(days=7))).status_code == 303
    db.session.refresh(c)
    assert c.phase == "open" and events("consultation.phase")[-1].note == "reopened"

    assert _move(staff_client, "closed", "open").status_code == 303
    assert _move(staff_client, "published", "closed").status_code == 303
    db.session.refresh(c)
    assert c.phase == "published" and c.results_published_at_utc is not None
    assert events("consultation.phase")[-1].note == "published"

    assert _move(staff_client, "closed", "published").status_code == 303
    db.session.refresh(c)
    assert c.phase == "closed" and c.results_published_at_utc is None
    assert [e.after["phase"] for e in events("consultation.phase")] == ["open", "closed", "open", "closed",
                                                                        "published", "closed"]


@pytest.mark.parametrize("phase,target", [("draft", "closed"), ("draft", "published"), ("open", "published"),
                                          ("closed", "draft"), ("published", "open"), ("closed", "nonsense")])
def test_transitions_out_of_order_are_refused(staff, events, phase, target):
    client, _user = staff()
    _set_phase(phase)
    response = _move(client, target, phase, _jst(utcnow() + timedelta(days=3)))
    assert response.status_code == 409
    assert "変更できません" in response.get_data(as_text=True)
    assert current_consultation().phase == phase and events("consultation.phase") == []


def test_back_to_draft_only_while_nothing_has_arrived(staff, events, client):
    staff_client, _user = staff()
    _set_phase("open")
    assert _move(staff_client, "draft", "open").status_code == 303
    assert current_consultation().phase == "draft" and events("consultation.phase")[-1].note == "back to draft"
    _set_phase("open")
    confirm_and_submit(client, "roles")
    response = _move(staff_client, "draft", "open")
    assert response.status_code == 409 and "準備中には戻せません" in response.get_data(as_text=True)
    assert current_consultation().phase == "open"


def test_a_change_made_by_someone_else_first_is_refused(staff, events):
    client, _user = staff()
    _set_phase("closed")
    response = _move(client, "published", "open")
    assert response.status_code == 409 and "別の職員が先に段階を変更しました" in response.get_data(as_text=True)
    assert events("consultation.phase") == []


def test_period_dates_out_of_order_are_refused(staff, events):
    client, _user = staff()
    _set_phase("draft")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/period", data={"open_at": "2030-10-31T17:00", "close_at": "2030-10-01T09:00"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "締切日時は受付開始日時より後にしてください。" in html
    assert 'value="2030-10-31T17:00"' in html  # what was typed is kept
    response = client.post("/staff/c/kumamoto-ward-offices-h26/period", data={"open_at": "来週", "close_at": ""})
    assert response.status_code == 422 and "日付と時刻（日本時間）で入力してください" in response.get_data(as_text=True)
    assert events("consultation.period") == []

    assert client.post("/staff/c/kumamoto-ward-offices-h26/period",
                       data={"open_at": "2030-10-01T09:00", "close_at": "2030/10/31 17:00"}).status_code == 303
    c = current_consultation()
    assert c.comments_open_at_utc == datetime(2030, 10, 1, 0, 0)  # 09:00 JST is 00:00 UTC
    assert c.comments_close_at_utc == datetime(2030, 10, 31, 8, 0)
    assert events("consultation.period")[0].after["comments_close_at_utc"] == "2030-10-31T08:00:00"


def test_extending_while_open_is_logged(staff, events, client):
    staff_client, _user = staff()
    close = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    _set_phase("open", comments_open_at_utc=utcnow() - timedelta(days=1), comments_close_at_utc=close)
    later = close + timedelta(days=14)
    response = staff_client.post("/staff/c/kumamoto-ward-offices-h26/period", data={
        "open_at": _jst(current_consultation().comments_open_at_utc), "close_at": _jst(later)})
    assert response.status_code == 303
    [event] = events("consultation.period")
    assert event.note == "extended"
    # shortening into the past while open is refused: that is what closing is for
    response = staff_client.post("/staff/c/kumamoto-ward-offices-h26/period", data={"open_at": "", "close_at": _jst(utcnow() - timedelta(hours=2))})
    assert response.status_code == 422 and "締切日時を過去にできません" in response.get_data(as_text=True)
    home = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    local = later + timedelta(hours=9)
    assert f"{local.year}年{local.month}月{local.day}日） {local:%H:%M}" in home


def _published_comment(participant):
    comment = Comment(receipt_no=new_receipt_no(), topic_id=1, ward_code="chuo", relation="resident",
                      body="公開済みのご意見", status="published", participant=participant(), published_at_utc=utcnow())
    db.session.add(comment)
    db.session.commit()
    return comment


def _counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Comment, Vote, Support))


@pytest.mark.parametrize("phase", ["draft", "open", "closed", "published"])
def test_what_citizens_can_do_in_each_phase(client, participant, phase):
    comment = _published_comment(participant)
    _set_phase(phase)
    is_open = phase == "open"
    before = _counts()

    form = client.get("/c/kumamoto-ward-offices-h26/topics/roles/comment")
    assert form.status_code == (200 if is_open else 403)
    if not is_open:
        assert "受付期間ではありません" in form.get_data(as_text=True)
    _confirm, submit = confirm_and_submit(client, "roles")
    assert submit.status_code == (303 if is_open else 403)

    vote = client.post("/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote",
                       data={"value": "agree", "ward": "chuo", "relation": "resident"})
    assert vote.status_code == (303 if is_open else 403)
    support = client.post(f"/c/kumamoto-ward-offices-h26/comments/{comment.id}/support")
    assert support.status_code == (303 if is_open else 403)

    api_comment = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={"topic": "roles", **valid_comment(), "consent": True})
    assert api_comment.status_code == (201 if is_open else 403)
    if not is_open:
        assert api_comment.get_json()["error"] == "not_accepting"
    api_vote = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={"topic": "roles", "proposal": "ward-head-authority", "value": "pass",
                                                  "ward": "chuo", "relation": "resident"})
    assert api_vote.status_code == (200 if is_open else 403)

    after = _counts()
    if is_open:
        assert after[0] == before[0] + 2 and after[1] == before[1] + 1 and after[2] == before[2] + 1
    else:
        assert after == before  # nothing stored

    topic_page = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert ("この審議事項に意見を書く" in topic_page) is is_open
    assert ('class="vote-form"' in topic_page) is is_open
    home = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    expected = {"draft": "意見募集は準備中です", "open": "ご意見と提案への賛否を受け付けています",
                "closed": "意見募集は締め切りました", "published": "意見募集の結果を公表しました"}[phase]
    assert expected in home and expected in topic_page
    assert ("/receipt" in home) is (phase != "draft")


def test_home_page_shows_the_period_in_wareki(client):
    _set_phase("draft", comments_open_at_utc=datetime(2014, 10, 1, 0, 0), comments_close_at_utc=datetime(2090, 10, 31, 8, 0))
    html = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert "平成26年10月1日（2014年10月1日） 09:00 から受け付ける予定です" in html
    _set_phase("open")
    html = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert "令和72年10月31日（2090年10月31日） 17:00 まで" in html
    # Past its closing time an open consultation is closed to citizens, before anyone moves the phase.
    _set_phase("open", comments_close_at_utc=datetime(2014, 10, 31, 8, 0))
    html = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert "意見募集は 平成26年10月31日（2014年10月31日） 17:00 に締め切りました" in html


def test_due_change_and_follow_schedule(events):
    now = datetime(2014, 10, 15, 0, 0)
    c = _set_phase("draft", comments_open_at_utc=datetime(2014, 10, 1), comments_close_at_utc=datetime(2014, 10, 31))
    assert phases.due_change(c, now) == "open"
    assert phases.follow_schedule(c, now=now) == "open"
    db.session.commit()
    assert phases.due_change(c, now) is None
    assert phases.follow_schedule(c, now=datetime(2014, 11, 1)) == "closed"
    db.session.commit()
    assert [e.note for e in events("consultation.phase")] == ["scheduled", "scheduled"]
    assert all(e.user_id is None for e in events("consultation.phase"))


def test_cli_changes_the_phase(runner, events):
    _set_phase("open")
    result = runner.invoke(args=["editing", "phase", "closed"])
    assert result.exit_code == 0, result.output
    assert "phase is now closed" in result.output
    result = runner.invoke(args=["editing", "phase", "open"])
    assert result.exit_code != 0 and "新しい締切日時" in result.output
    result = runner.invoke(args=["editing", "phase", "open", "--close", "2099-03-31 17:00"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["editing", "status"])
    assert "phase=open" in result.output and "2099-03-31 17:00 JST" in result.output
    result = runner.invoke(args=["editing", "tick"])
    assert "unchanged" in result.output
    # tick also closed the seed's public comment, whose period (H26.10) is long past
    assert [e.after["phase"] for e in events("consultation.phase")] == ["closed", "open", "closed"]


def test_staff_phase_page_explains_each_phase(staff):
    client, _user = staff()
    _set_phase("open", comments_close_at_utc=utcnow() - timedelta(hours=1))
    html = client.get("/staff/c/kumamoto-ward-offices-h26/phase").get_data(as_text=True)
    assert "意見募集を締め切る" in html and "締切日時を過ぎたため、市民からの受付はその時点で止まっています" in html
    assert "段階ごとに市民ができること" in html and "× できない" in html


def test_to_jst_helper_matches_jst():
    assert _jst(datetime(2014, 10, 31, 8, 0)) == datetime(2014, 10, 31, 17, 0, tzinfo=JST).strftime("%Y-%m-%dT%H:%M")
