"""The vote aggregates (tally, rollup, participants' vote channels) always equal what the vote
rows say: after new votes, changed votes, ward changes, ORM edits, withdrawals and under load;
`flask recount` finds and corrects any difference."""

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from consult.consultation.models import Proposal
from consult.extensions import db
from consult.participation import tallies
from consult.participation.models import Comment, Participant, ParticipantRollup, Vote, VoteRollup, VoteTally
from consult.core.codes import CHANNEL_BITS
from consult.participation.services import cast_vote, create_participant, remember_profile, vote_counts
from tests.served import Browser, serve


def expected_aggregates(connection):
    """What the vote rows say, computed in Python from the rows themselves."""
    wards = dict(connection.execute(select(Participant.id, Participant.ward_code)).all())
    withdrawn = {pid for pid, w in connection.execute(select(Proposal.id, Proposal.withdrawn_at_utc)) if w}
    tally, rollup, bits = {}, {}, {}
    for pid, proposal_id, value, channel, created in connection.execute(
            select(Vote.participant_id, Vote.proposal_id, Vote.value, Vote.channel, Vote.created_at_utc)):
        tally[(proposal_id, value)] = tally.get((proposal_id, value), 0) + 1
        key = (proposal_id, wards[pid] or "", channel, value, tallies.jst_date(created))
        rollup[key] = rollup.get(key, 0) + 1
        if proposal_id not in withdrawn:
            bits[pid] = bits.get(pid, 0) | CHANNEL_BITS[channel]
    comment_bits = {}
    for pid, channel in connection.execute(select(Comment.participant_id, Comment.channel).where(
            Comment.participant_id.is_not(None), Comment.status != "hidden")):
        comment_bits[pid] = comment_bits.get(pid, 0) | CHANNEL_BITS[channel]
    # participant_rollup: what the participant rows say, with the bits they hold (checked above)
    people = {}
    for w, r, a, voted, commented in connection.execute(select(
            Participant.ward_code, Participant.relation, Participant.age_band, Participant.vote_channels,
            Participant.comment_channels)):
        key = (w or "", r or "", a or "", voted | commented)
        people[key] = people.get(key, 0) + 1
    return tally, rollup, bits, comment_bits, people


def stored_aggregates(connection):
    tally = {(p, v): n for p, v, n in connection.execute(select(VoteTally.proposal_id, VoteTally.value, VoteTally.n))
             if n}
    rollup = {tuple(r[:-1]): r[-1] for r in connection.execute(
        select(VoteRollup.proposal_id, VoteRollup.ward_code, VoteRollup.channel, VoteRollup.value, VoteRollup.day,
               VoteRollup.n)) if r[-1]}
    bits = {pid: b for pid, b in connection.execute(select(Participant.id, Participant.vote_channels)) if b}
    comment_bits = {pid: b for pid, b in connection.execute(select(Participant.id, Participant.comment_channels)) if b}
    R = ParticipantRollup
    people = {tuple(r[:-1]): r[-1] for r in connection.execute(
        select(R.ward_code, R.relation, R.age_band, R.channels, R.n)) if r[-1]}
    return tally, rollup, bits, comment_bits, people


def assert_consistent(connection=None):
    connection = connection or db.session
    assert stored_aggregates(connection) == expected_aggregates(connection)


def _proposals(topic):
    return topic("roles").proposals + topic("counters").proposals


def test_new_changed_and_repeated_votes_move_the_tally(participant, topic):
    a, b = participant("chuo"), participant("kita")
    proposal = topic("counters").proposals[0]
    cast_vote(a, proposal, "agree")
    cast_vote(b, proposal, "agree", channel="workshop")
    assert vote_counts(proposal.topic, proposal)[proposal.id] == {"agree": 2, "disagree": 0, "pass": 0}
    cast_vote(a, proposal, "disagree")
    cast_vote(a, proposal, "disagree")  # unchanged: nothing moves
    assert vote_counts(proposal.topic)[proposal.id] == {"agree": 1, "disagree": 1, "pass": 0}
    assert db.session.scalar(select(func.count(Vote.id))) == 2
    db.session.expire_all()
    assert (db.session.get(Participant, a.id).vote_channels, db.session.get(Participant, b.id).vote_channels) == (1, 2)
    assert_consistent()


def test_a_changed_vote_keeps_its_channel_and_day(participant, topic):
    a = participant("chuo")
    proposal = topic("counters").proposals[0]
    cast_vote(a, proposal, "agree", channel="paper")
    cast_vote(a, proposal, "pass", channel="web")  # the same vote, changed: still a paper vote
    assert db.session.execute(select(Vote.channel, Vote.value)).all() == [("paper", "pass")]
    assert_consistent()


def test_a_ward_change_moves_the_voters_votes(participant, topic, client):
    a = participant("chuo")
    for proposal in topic("counters").proposals[:3]:
        cast_vote(a, proposal, "agree")
    remember_profile(a, "nishi", "resident", None)
    db.session.commit()
    assert {w for (_, w, *_rest) in stored_aggregates(db.session)[1]} == {"nishi"}
    assert_consistent()
    # and through the web: a comment's profile changes the ward of a voter who voted by form
    client.post("/c/kumamoto-ward-offices-h26/topics/counters/proposals/unify-branch-services/vote",
                data={"value": "agree", "ward": "higashi", "relation": "resident"})
    client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={"topic": "roles", "ward": "minami", "relation": "resident",
                                          "body": "区の窓口について", "consent": True})
    assert_consistent()


def test_the_api_vote_path_keeps_the_aggregates(client, topic):
    """The JSON vote (participation.services.vote_by_keys, Core statements): a new voter, a changed
    vote, a voter without a profile who only supported, a withdrawn proposal and a closed phase."""
    body = {"topic": "counters", "proposal": "fewer-trips", "value": "agree", "ward": "kita", "relation": "resident"}
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json=body).status_code == 200
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={**body, "value": "pass", "ward": "chuo"}).get_json()["counts"] == \
        {"agree": 0, "disagree": 0, "pass": 1}
    assert_consistent()
    assert db.session.execute(select(Participant.ward_code, Participant.vote_channels)).all() == [("kita", 1)]
    supporter = client.application.test_client()  # known by a support only: no profile yet
    public_id = create_participant().public_id
    db.session.commit()
    with supporter.session_transaction() as cookie:
        cookie["participant"] = public_id
    assert supporter.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={**body, "ward": "nishi"}).status_code == 200
    assert db.session.scalar(select(Participant.ward_code).where(Participant.public_id == public_id)) == "nishi"
    assert_consistent()
    withdrawn = next(p for p in topic("counters").proposals if p.key == "fewer-trips")
    withdrawn.withdrawn_at_utc = withdrawn.topic.consultation.created_at_utc
    db.session.commit()
    refused = client.application.test_client().post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json=body)
    assert refused.status_code == 422 and "proposal" in refused.get_json()["errors"]
    withdrawn.topic.consultation.phase = "closed"
    db.session.commit()
    closed = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={**body, "proposal": "unify-branch-services"})
    assert closed.status_code == 403
    assert db.session.scalar(select(func.count(Vote.id))) == 2
    assert_consistent()


def test_orm_edits_withdrawals_and_recount(participant, topic, runner):
    rng = random.Random(7)
    people = [participant(rng.choice(["chuo", "kita", "outside"])) for _ in range(6)]
    proposals = _proposals(topic)
    for p in people:
        for proposal in rng.sample(proposals, 4):
            cast_vote(p, proposal, rng.choice(["agree", "disagree", "pass"]), channel=rng.choice(list(CHANNEL_BITS)))
    # an ORM insert, update and delete (fixtures, scripts) keep the aggregates too
    extra = Vote(participant_id=people[0].id, proposal_id=next(x.id for x in proposals if x.id not in {
        v for v, in db.session.execute(select(Vote.proposal_id).where(Vote.participant_id == people[0].id))}),
        value="pass", channel="paper")
    db.session.add(extra)
    db.session.commit()
    some = db.session.scalars(select(Vote).limit(3)).all()
    some[0].value = "agree" if some[0].value != "agree" else "disagree"
    some[1].created_at_utc -= timedelta(days=3)
    db.session.delete(some[2])
    db.session.commit()
    assert_consistent()
    withdrawn = proposals[0]
    withdrawn.withdrawn_at_utc = withdrawn.topic.consultation.created_at_utc
    db.session.commit()
    assert_consistent()
    withdrawn.withdrawn_at_utc = None
    db.session.commit()
    assert_consistent()

    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0 and "nothing changed" in result.output
    db.session.execute(text("UPDATE vote_tally SET n = n + 3"))
    db.session.execute(text("DELETE FROM vote_rollup WHERE ward_code = 'kita'"))
    db.session.execute(text("UPDATE participant SET vote_channels = 0, comment_channels = 7"))
    db.session.execute(text("INSERT INTO comment_rollup (topic_id, ward_code, channel, status, day, anonymous, n) "
                            "SELECT min(id), 'kita', 'web', 'published', '2026-01-01', false, 5 FROM topic"))
    db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0
    assert "of vote_tally" in result.output and "of vote_rollup" in result.output
    assert "of comment_rollup" in result.output
    assert db.session.execute(text("SELECT coalesce(sum(n), 0) FROM comment_rollup")).scalar_one() == \
        db.session.execute(text("SELECT count(*) FROM comment")).scalar_one()
    assert "of participant.vote_channels" in result.output and "of participant.comment_channels" in result.output
    db.session.rollback()
    assert_consistent()
    # The participant rollup is the triggers', not the mapper's: an ORM delete and a raw UPDATE of a
    # profile move it too; rows changed behind the triggers' back are found and put right by recount.
    db.session.delete(participant("minami", age_band="30s"))
    db.session.execute(text("UPDATE participant SET relation = 'commuter', age_band = NULL WHERE ward_code = 'outside'"))
    db.session.commit()
    assert_consistent()
    db.session.execute(text("UPDATE participant_rollup SET n = n + 2"))
    db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0 and "of participant_rollup" in result.output
    db.session.rollback()
    assert_consistent()


def _engine(database_url: str):
    url = make_url(database_url)
    if url.drivername.startswith("postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url)


def test_the_tally_equals_the_vote_rows_under_concurrent_load(database_url):
    """Several workers; phones that share a cookie race on the same proposals; voters change ward
    mid-way through comments."""
    proposals = {"roles": ["ward-head-authority", "slim-headquarters", "reorganize-by-use", "shared-vision"],
                 "counters": ["unify-branch-services", "convenience-store-certificates", "fewer-trips"]}
    wards = ["chuo", "higashi", "nishi", "minami", "kita"]

    def run(index, port, shared):
        rng = random.Random(index)
        browser = Browser(port)
        if index % 2:  # every other client shares its participant with the one before
            browser.cookies = shared[index - 1]
        statuses = []
        for i in range(60):
            topic = rng.choice(list(proposals))
            ward = rng.choice(wards)
            status, _ = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {
                "topic": topic, "proposal": rng.choice(proposals[topic]),
                "value": rng.choice(["agree", "disagree", "pass"]), "ward": ward, "relation": "resident"})
            statuses.append(status)
            if i % 15 == 7:
                status, _ = browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", {
                    "topic": topic, "ward": rng.choice(wards), "relation": "resident", "consent": True,
                    "body": f"負荷試験 {index}-{i}"})
                statuses.append(status)
        return statuses

    with serve(database_url, workers=3, threads=4) as port:
        shared = {}
        for index in range(0, 12, 2):  # a first vote, to get the cookie that the pair shares
            browser = Browser(port)
            browser.json("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"topic": "roles", "proposal": "shared-vision", "value": "pass",
                                                   "ward": "kita", "relation": "resident"})
            shared[index] = dict(browser.cookies)
        with ThreadPoolExecutor(12) as pool:
            statuses = [s for batch in pool.map(lambda i: run(i, port, shared), range(12)) for s in batch]
    assert set(statuses) <= {200, 201}, sorted(set(statuses))
    engine = _engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM vote")).scalar() > 0
        assert_consistent(conn)
    engine.dispose()
