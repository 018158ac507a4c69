"""The comment period's end, shown on every public page and form, and kept to the minute."""

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult.consultation.services import current_consultation
from consult.extensions import db
from consult.i18n import deadline, jst_day_start_utc, to_jst, utcnow
from consult.participation.models import Comment, Vote
from consult.seed.demo import give_demo_period
from tests.conftest import confirm_and_submit


def _utc(*jst) -> datetime:
    return datetime(*jst) - timedelta(hours=9)


@pytest.mark.parametrize("close_jst, now_jst, expected", [
    ((2014, 10, 31, 23, 59, 59), (2014, 10, 6, 12, 0), "10月31日（金）23:59まで・あと25日"),
    ((2014, 10, 31, 23, 59, 59), (2014, 10, 30, 23, 0), "10月31日（金）23:59まで・あと1日"),
    ((2014, 10, 31, 23, 59, 59), (2014, 10, 31, 0, 0), "本日23:59まで"),
    ((2014, 10, 31, 17, 0), (2014, 10, 31, 16, 59), "本日17:00まで"),
    # Closing at midnight is the end of the day before, as a person reads it.
    ((2014, 11, 1, 0, 0), (2014, 10, 30, 10, 0), "10月31日（金）24:00まで・あと1日"),
    ((2014, 10, 31, 23, 59, 59), (2014, 11, 1, 0, 0), ""),
])
def test_deadline_in_words(app, close_jst, now_jst, expected):
    with app.test_request_context("/"):
        assert deadline(_utc(*close_jst), _utc(*now_jst)) == expected


def test_deadline_in_english(app):
    with app.test_request_context("/?lang=en"):
        assert deadline(_utc(2014, 10, 31, 23, 59, 59), _utc(2014, 10, 6, 12, 0)) == \
            "Until Fri 31 October, 23:59 JST · 25 days left"
        assert deadline(_utc(2014, 10, 31, 23, 59, 59), _utc(2014, 10, 31, 9, 0)) == "Until today, 23:59 JST"


def _close_in(delta: timedelta):
    consultation = current_consultation()
    consultation.phase = "open"
    consultation.comments_close_at_utc = utcnow() + delta
    db.session.commit()
    return consultation


def test_home_topic_and_form_show_the_deadline(client):
    # 23:59 JST ten JST days from now, so the count is 10 whatever hour the suite runs at
    # (a fixed "now + 10 days 1 hour" read 11 days when run after 23:00 JST).
    last_day = to_jst(utcnow()).date() + timedelta(days=10)
    _close_in(jst_day_start_utc(last_day) + timedelta(hours=23, minutes=59) - utcnow())
    for path in ("/c/kumamoto-ward-offices-h26/", "/c/kumamoto-ward-offices-h26/topics/roles", "/c/kumamoto-ward-offices-h26/topics/roles/comment"):
        html = client.get(path).get_data(as_text=True)
        assert "まで・あと10日" in html, path
    english = client.get("/c/kumamoto-ward-offices-h26/topics/roles?lang=en").get_data(as_text=True)
    assert "10 days left" in english


def test_the_form_closes_itself_at_the_closing_moment(client):
    _close_in(timedelta(seconds=2))
    assert client.get("/c/kumamoto-ward-offices-h26/topics/roles/comment").status_code == 200
    topic = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)  # kept by the page cache
    assert 'class="vote-form"' in topic
    time.sleep(2.2)
    closed = client.get("/c/kumamoto-ward-offices-h26/topics/roles/comment")
    assert closed.status_code == 403
    text = closed.get_data(as_text=True)
    assert "に締め切りました" in text and "まで・あと" not in text
    topic = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert 'class="vote-form"' not in topic and "に締め切りました" in topic
    _confirm, submit = confirm_and_submit(client, "roles")
    vote = client.post("/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote",
                       data={"value": "agree", "ward": "chuo", "relation": "resident"})
    api = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={"topic": "roles", "ward": "chuo", "relation": "resident",
                                                "body": "締切後の意見", "consent": True})
    assert (submit.status_code, vote.status_code, api.status_code) == (403, 403, 403)
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_demo_data_gives_a_period_around_today_and_keeps_one_staff_set(app):
    consultation = current_consultation()
    now = _utc(2026, 12, 6, 10, 0)
    give_demo_period(consultation, now)
    assert consultation.comments_open_at_utc < now < consultation.comments_close_at_utc
    with app.test_request_context("/"):
        assert deadline(consultation.comments_close_at_utc, now) == "1月3日（日）23:59まで・あと28日"
    set_by_staff = datetime(2014, 10, 31, 8, 0)
    consultation.comments_close_at_utc = set_by_staff
    give_demo_period(consultation, now)
    assert consultation.comments_close_at_utc == set_by_staff
