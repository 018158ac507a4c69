"""Rate limits and the honeypot: what a script posting in a loop meets."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment, Vote
from tests.conftest import valid_comment

VOTE_URL = "/topics/counters/proposals/unify-branch-services/vote"


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_VOTES="5/minute")
def test_votes_are_limited_per_participant_with_a_translated_429(client):
    statuses = [client.post(VOTE_URL, data={"value": "agree", "ward": "chuo", "relation": "resident"}).status_code
                for _ in range(8)]
    # The first vote makes the participant (only the address ceiling applies to it); five more pass.
    assert statuses[:6] == [303] * 6 and statuses[6:] == [429, 429]
    page = client.post(VOTE_URL, data={"value": "agree"})
    assert "しばらく受付を止めています" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Vote.id))) == 1  # one row, however often it was sent


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_COMMENTS="2/minute")
def test_api_comments_are_limited(client):
    codes = [client.post("/api/v1/comments", json={**valid_comment(), "topic": "roles", "consent": True}).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = client.post("/api/v1/comments", json={**valid_comment(), "topic": "roles", "consent": True})
    assert limited.is_json and limited.get_json()["error"] == "too_many_requests"
    assert db.session.scalar(select(func.count(Comment.id))) == 3


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_VOTES="1000/minute", RATE_LIMIT_WRITES_PER_ADDRESS="4/minute")
def test_many_cookies_from_one_address_meet_the_address_ceiling(app):
    codes = []
    for _ in range(6):  # a script that drops its cookie each time
        fresh = app.test_client()
        codes.append(fresh.post(VOTE_URL, data={"value": "agree", "ward": "chuo", "relation": "resident"}).status_code)
    assert codes[:4] == [303] * 4 and codes[4:] == [429, 429]


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_LOGIN="3/minute")
def test_login_is_limited(client):
    codes = [client.post("/login", data={"email": "x@example.jp", "password": "wrong password"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_honeypot_stores_nothing(client):
    response = client.post("/topics/roles/comment", data={"action": "confirm", "website": "http://spam.example",
                                                          **valid_comment()})
    assert response.status_code == 422
    submit = client.post("/topics/roles/comment/submit", data={"website": "spam", "submission_key": "k" * 20,
                                                               **valid_comment()})
    assert submit.status_code == 422
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_api_refuses_cross_site_writes(client):
    body = {**valid_comment(), "topic": "roles", "consent": True}
    assert client.post("/api/v1/comments", json=body, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/api/v1/comments", json=body,
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/api/v1/comments", json=body, headers={"Origin": "http://localhost",
                                                               "Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
