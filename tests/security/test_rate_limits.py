"""Rate limits and the honeypot: what a script posting in a loop meets."""

import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment, Vote
from tests.conftest import valid_comment

VOTE_URL = "/c/kumamoto-ward-offices-h26/topics/counters/proposals/unify-branch-services/vote"


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
    codes = [client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={**valid_comment(), "topic": "roles", "consent": True}).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={**valid_comment(), "topic": "roles", "consent": True})
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
    response = client.post("/c/kumamoto-ward-offices-h26/topics/roles/comment", data={"action": "confirm", "website": "http://spam.example",
                                                          **valid_comment()})
    assert response.status_code == 422
    submit = client.post("/c/kumamoto-ward-offices-h26/topics/roles/comment/submit", data={"website": "spam", "submission_key": "k" * 20,
                                                               **valid_comment()})
    assert submit.status_code == 422
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_api_refuses_cross_site_writes(client):
    body = {**valid_comment(), "topic": "roles", "consent": True}
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body,
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body, headers={"Origin": "http://localhost",
                                                               "Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def _with_a_slow_timer_swap(storage_class):
    """The storage class with a pause right after its timer is replaced: the moment a busy worker's
    thread may be switched out by chance, held open on purpose so another thread runs then."""

    def get(self):
        return self.__dict__["timer"]

    def set_(self, timer):
        self.__dict__["timer"] = timer
        time.sleep(0.02)

    # No STORAGE_SCHEME of its own: limits does not register it in place of the real one.
    return type(f"Slow{storage_class.__name__}", (storage_class,), {"timer": property(get, set_)})


@pytest.mark.parametrize("storage_class, safe", [("MemoryStorage", False), ("LockedMemoryStorage", True)])
def test_the_limiter_storage_starts_its_expiry_timer_once_under_concurrent_hits(monkeypatch, storage_class, safe):
    import limits.storage

    import consult.ratelimit

    storage = _with_a_slow_timer_swap(getattr(consult.ratelimit, storage_class, None)
                                      or getattr(limits.storage, storage_class))()
    storage.timer.join()
    errors = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(repr(args.exc_value)))
    # A Timer started twice fails in its own start-up, which Python reports as "unraisable".
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: errors.append(repr(unraisable.exc_value)))

    failed_hits = []

    def hit():
        try:
            storage.acquire_entry("k", 1000, 60)
        except Exception as exc:  # noqa: BLE001 — what a request would have turned into a 500
            failed_hits.append(repr(exc))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.1)
    assert (errors + failed_hits == []) is safe, errors + failed_hits
    assert storage.get_moving_window("k", 1000, 60)[1] == 8 - len(failed_hits)  # a failed hit was not counted


def test_the_default_storage_is_the_locked_one(app):
    from consult.ratelimit import LockedMemoryStorage, limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory-locked://"
    assert isinstance(limiter.storage, LockedMemoryStorage)
