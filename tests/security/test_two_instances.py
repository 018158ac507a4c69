"""The documented production shape: two app instances on one PostgreSQL and one Redis.

Each instance is its own gunicorn (as on two hosts behind a proxy); a citizen's requests go to
either. A comment and a vote through each, the same session on both, and a rate limit that holds
across both (counted in Redis, not per process). Runs in the PostgreSQL pass of `make test`.
"""

import os
import re
import shutil
import subprocess
import time

import pytest
import redis
from sqlalchemy import select

from consult.auth.services import create_user
from consult.extensions import db
from consult.participation.models import Comment

from tests.conftest import PG_URL
from tests.served import Browser, free_port, start, stop

pytestmark = pytest.mark.skipif(not PG_URL, reason="runs against PostgreSQL (TEST_DATABASE_URL)")

VOTE_LIMIT = 6


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def two_instances(database_url, redis_url):
    env = {"CONSULT_RATELIMIT_ENABLED": "true", "CONSULT_RATELIMIT_STORAGE_URI": redis_url,
           "CONSULT_RATE_LIMIT_VOTES": f"{VOTE_LIMIT}/minute", "CONSULT_SECRET_KEY": "shared-between-instances"}
    started = [start(database_url, workers=2, threads=4, env=env) for _ in range(2)]
    yield [port for _, port in started], redis_url
    for process, _ in started:
        stop(process)


def _citizen(ports):
    """One person whose requests the proxy sends to either instance: one cookie jar for both."""
    first, second = Browser(ports[0]), Browser(ports[1])
    second.cookies = first.cookies
    return first, second


def test_comment_vote_session_and_rate_limit_across_two_instances(two_instances, app):
    ports, redis_url = two_instances
    a, b = _citizen(ports)
    profile = {"ward": "kita", "relation": "resident"}

    status, first = a.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", {"topic": "roles", "body": "一つ目のサーバーから送った意見です。",
                                                         "consent": True, **profile})
    assert status == 201
    status, second = b.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", {"topic": "counters", "consent": True,
                                                          "body": "二つ目のサーバーから送った意見です。", **profile})
    assert status == 201, second

    stored = db.session.execute(select(Comment.receipt_no, Comment.participant_id)).all()
    assert {r for r, _ in stored} == {first["receipt_no"], second["receipt_no"]}
    assert len({p for _, p in stored}) == 1  # one person, not one per instance
    status, vote = a.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": "roles", "proposal": "ward-head-authority",
                                                     "value": "agree"})
    assert status == 200, vote  # no ward asked: the participant's profile is known on this instance too
    status, vote = b.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": "roles", "proposal": "ward-head-authority",
                                                     "value": "disagree"})
    assert status == 200, vote  # the same participant, its vote changed through the other instance
    status, topic = b.json("GET", "/api/v1/consultations/kumamoto-ward-offices-h26/topics/roles")
    counts = next(p["counts"] for p in topic["proposals"] if p["key"] == "ward-head-authority")
    assert counts["agree"] == 0 and counts["disagree"] == 1

    # The vote limit counts both instances' votes together: 2 made above, alternate the rest.
    statuses = [(a if n % 2 else b).json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": "roles", "value": "pass",
                                                                    "proposal": "ward-head-authority"})[0]
                for n in range(VOTE_LIMIT)]
    assert statuses.count(200) == VOTE_LIMIT - 2 and statuses.count(429) == 2, statuses
    assert redis.Redis.from_url(redis_url).keys("LIMITS*")  # the counters really live in Redis


def test_a_staff_session_is_valid_on_both_instances(two_instances, app):
    create_user("two@example.jp", "secretariat", "a long enough password", name="two")
    db.session.commit()
    ports, _ = two_instances
    a, b = _citizen(ports)
    status, login_page = a.request("GET", "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page.decode()).group(1)
    status, _ = a.request("POST", "/login", headers={"Content-Type": "application/x-www-form-urlencoded"},
                          raw=f"csrf_token={token}&email=two%40example.jp&password=a+long+enough+password".encode())
    assert status == 303
    status, page = b.request("GET", "/staff")
    assert status == 200 and "two" in page.decode()
