"""Under load and through a crash, nothing that got a receipt number is lost or doubled.

A gunicorn server with several workers on loopback; 64 concurrent clients send 5,000 comments
(plus re-sends under the same Idempotency-Key) and 20,000 votes (many changing an earlier vote).
Rate limits are off here: they are tested on their own; this test is about the data.
"""

import random
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.served import Browser, serve, start, stop

PROPOSALS = {"roles": ["ward-head-authority", "slim-headquarters", "reorganize-by-use", "shared-vision"],
             "counters": ["unify-branch-services", "convenience-store-certificates", "fewer-trips", "one-stop",
                          "weekend-opening", "consolidate-offices"]}
CLIENTS = 64
COMMENTS = 5000
VOTES = 20000


def _engine(database_url: str):
    url = make_url(database_url)
    if url.drivername.startswith("postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url)


@pytest.mark.load
def test_concurrent_comments_and_votes_are_stored_exactly_once(database_url):
    rng = random.Random(5)
    # Each client is one participant, served by one thread, so its own votes arrive in order and
    # its last vote on each proposal is the value that must remain.
    plans = []
    for c in range(CLIENTS):
        comments = [(f"load-{c:02d}-{i:05d}-key", rng.choice(["roles", "counters"]))
                    for i in range(COMMENTS // CLIENTS + (1 if c < COMMENTS % CLIENTS else 0))]
        votes = [(topic, rng.choice(PROPOSALS[topic]), rng.choice(["agree", "disagree", "pass"]))
                 for topic in (rng.choice(["roles", "counters"])
                               for _ in range(VOTES // CLIENTS + (1 if c < VOTES % CLIENTS else 0)))]
        plans.append((comments, votes))
    assert sum(len(c) for c, _ in plans) == COMMENTS and sum(len(v) for _, v in plans) == VOTES

    results = {"status": [], "receipts": {}, "last_vote": {}}
    lock = threading.Lock()

    def run(index, port):
        comments, votes = plans[index]
        browser = Browser(port)
        statuses, receipts, last = [], {}, {}
        ward = ["chuo", "higashi", "nishi", "minami", "kita"][index % 5]
        for n, (key, topic) in enumerate(comments):
            body = {"topic": topic, "ward": ward, "relation": "resident", "body": f"負荷試験の意見 {key}",
                    "consent": True}
            status, data = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", body, {"Idempotency-Key": key})
            statuses.append(status)
            receipts[key] = data["receipt_no"]
            if n % 10 == 0:  # a re-send of the same comment (a double tap, a retry)
                status, again = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", body, {"Idempotency-Key": key})
                statuses.append(status)
                assert again["receipt_no"] == receipts[key]
            # interleave this client's votes with its comments
            for topic_v, proposal, value in votes[n * 4:(n + 1) * 4]:
                status, _ = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": topic_v, "proposal": proposal,
                                                                    "value": value, "ward": ward,
                                                                    "relation": "resident"})
                statuses.append(status)
                last[proposal] = value
        for topic_v, proposal, value in votes[len(comments) * 4:]:
            status, _ = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": topic_v, "proposal": proposal,
                                                                "value": value, "ward": ward, "relation": "resident"})
            statuses.append(status)
            last[proposal] = value
        with lock:
            results["status"].extend(statuses)
            results["receipts"].update(receipts)
            for proposal, value in last.items():
                results["last_vote"][(index, proposal)] = value

    started = time.monotonic()
    with serve(database_url, workers=4, threads=4) as port:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(lambda i: run(i, port), range(CLIENTS)))
    elapsed = time.monotonic() - started

    statuses = results["status"]
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    assert set(statuses) <= {200, 201}
    engine = _engine(database_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT submission_key, receipt_no FROM comment "
                                        "WHERE submission_key LIKE 'load-%'")).all())
        vote_rows = conn.execute(text("SELECT count(*) FROM vote")).scalar()
        pairs = conn.execute(text("SELECT count(DISTINCT participant_id || '-' || proposal_id) FROM vote")).scalar()
        # Which participant was which client: its comments carry the client's number in their key.
        client_of = {pid: int(key.split("-")[1]) for pid, key in conn.execute(text(
            "SELECT participant_id, submission_key FROM comment WHERE submission_key LIKE 'load-%'"))}
        final = {(client_of[pid], key): value for pid, key, value in conn.execute(text(
            "SELECT vote.participant_id, proposal.key, vote.value FROM vote "
            "JOIN proposal ON proposal.id = vote.proposal_id"))}
    engine.dispose()
    assert stored == results["receipts"]  # every receipt is stored, once, under its key
    assert len(stored) == COMMENTS
    assert vote_rows == pairs == len(results["last_vote"])  # one row per participant and proposal
    assert final == results["last_vote"]  # and it holds the last value that participant sent
    print(f"\nload: {len(statuses):,} requests from {CLIENTS} clients in {elapsed:.1f} s, "
          f"{COMMENTS:,} comments, {VOTES:,} votes → {vote_rows:,} vote rows, 0 server errors")


def test_kill_9_mid_burst_loses_no_receipted_comment(database_url):
    receipts: list[str] = []
    lock = threading.Lock()
    stop_flag = threading.Event()
    process, port = start(database_url, workers=3, threads=2)

    def burst(n):
        browser = Browser(port)
        i = 0
        while not stop_flag.is_set():
            try:
                status, data = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", {
                    "topic": "roles", "ward": "kita", "relation": "resident", "consent": True,
                    "body": f"停電試験 {n}-{i}"}, {"Idempotency-Key": f"crash-{n:02d}-{i:06d}-key"})
            except OSError:
                return  # the server is gone
            if status == 201:
                with lock:
                    receipts.append(data["receipt_no"])
            i += 1

    with ThreadPoolExecutor(16) as pool:
        for n in range(16):
            pool.submit(burst, n)
        time.sleep(2.0)
        stop(process, kill=True)  # kill -9 of master and workers, mid-write
        stop_flag.set()
    assert len(receipts) > 20

    # Restart on the same database: it opens, answers, and holds every receipted comment.
    with serve(database_url, workers=2, threads=2):
        pass
    engine = _engine(database_url)
    with engine.connect() as conn:
        stored = {r for (r,) in conn.execute(text("SELECT receipt_no FROM comment"))}
    engine.dispose()
    missing = set(receipts) - stored
    assert not missing, f"{len(missing)} receipted comments lost"
    if database_url.startswith("sqlite"):
        with sqlite3.connect(make_url(database_url).database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"\ncrash: {len(receipts)} comments receipted before kill -9; all {len(receipts)} present after restart")
