"""The dashboard's figures read from the vote rollup, the participants' vote channels and the
comment rollup are identical to the same figures counted from the vote and comment rows, for
every filter the rollups answer."""

import random
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultation.models import Consultation, Topic
from consult.consultation.services import current_consultation
from consult.extensions import db
from consult.i18n import to_jst, utcnow
from consult.participation.models import Comment, Vote
from consult.participation.services import cast_vote, received_comment, remember_profile
from consult.secretariat import stats
from consult.secretariat.filters import ReviewFilter, parse_filter

WARDS = ["chuo", "higashi", "nishi", "minami", "kita", "outside", "undisclosed"]


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):  # ward labels are in the request's language
        yield


def figures(f):
    people = stats.profiles(f)
    return {
        "totals": asdict(stats.totals(f, people)),
        "people": people.groups,
        "representativeness": [(r.code, r.participants.k, r.participants.n) for r in
                               stats.representativeness(f, people).rows],
        "relations": stats.relations(f, people).rows,
        "ages": stats.age_bands(f, people).rows,
        "proposals": [(p.proposal.id, [(r.code, r.n, {v: s.k for v, s in r.cells.items()}) for r in p.rows])
                      for p in stats.proposals_by_ward(f)],
        "over_time": [(d.day, d.comments, d.votes) for d in stats.over_time(f)],
        "matrix": [(r.topic.id, r.cells) for r in stats.topic_ward_matrix(f).rows],
        "ward_channel": stats.ward_channel_by_topic(f).comments,
    }


def _live(monkeypatch):
    """From here on, every figure is counted from the vote and comment rows."""
    monkeypatch.setattr(ReviewFilter, "rollup_answers", property(lambda self: False))
    monkeypatch.setattr(ReviewFilter, "vote_channels_answer", property(lambda self: False))
    monkeypatch.setattr(stats.counts, "_comment_rollup_answers", lambda f: False)


@pytest.fixture
def random_participation(app, participant, topic, comment):
    rng = random.Random(2014)
    proposals = topic("roles").proposals + topic("counters").proposals + topic("community").proposals
    people = [participant(rng.choice(WARDS), rng.choice(["resident", "commuter", "business"]),
                          rng.choice([None, "20s", "60s"])) for _ in range(40)]
    for p in people:
        for proposal in rng.sample(proposals, rng.randint(0, 6)):
            cast_vote(p, proposal, rng.choice(["agree", "disagree", "pass"]),
                      channel=rng.choices(["web", "workshop", "paper"], (6, 3, 1))[0])
    for p in rng.sample(people, 12):  # changed votes
        for proposal in rng.sample(proposals, 2):
            cast_vote(p, proposal, rng.choice(["agree", "disagree", "pass"]))
    for p in rng.sample(people, 8):  # ward changes after voting
        remember_profile(p, rng.choice(WARDS), p.relation, None)
    db.session.commit()
    now = utcnow()
    for v in db.session.scalars(select(Vote)).all():  # spread the votes over days (JST boundaries too)
        v.created_at_utc = now - timedelta(hours=rng.randint(0, 24 * 9))
    db.session.commit()
    for _ in range(50):  # comments from some voters, some others, some on paper without a participant
        who = rng.choice(people + [None])
        comment(rng.choice(["roles", "counters"]), ward=rng.choice(WARDS), participant=who,
                status=rng.choice(["pending", "published", "hidden"]), channel=rng.choice(["web", "workshop", "paper"]),
                created=now - timedelta(hours=rng.randint(0, 24 * 9)))
    for c in rng.sample(db.session.scalars(select(Comment)).all(), 15):  # moderation after the fact
        c.status = "hidden" if c.status != "hidden" else "published"
    db.session.commit()
    some = rng.sample(db.session.scalars(select(Comment)).all(), 6)  # ORM edits and deletions
    some[0].ward_code, some[1].topic_id = "nishi", topic("community").id
    some[2].created_at_utc -= timedelta(days=2)
    some[3].participant_id = None
    for c in some[4:]:
        db.session.delete(c)
    db.session.commit()
    # Participants are site-wide, their channel bits too: some also wrote in the other consultation,
    # through a channel they did not use here, and one wrote only there.
    here = current_consultation()
    other = db.session.scalar(select(Topic).join(Consultation, Consultation.id == Topic.consultation_id)
                              .where(Consultation.id != here.id).order_by(Topic.id))
    elsewhere = rng.sample(people, 6) + [participant("kita", "business", "60s")]
    for p in elsewhere:
        db.session.add(received_comment(other.consultation, "ほかの意見募集へのご意見です。", channel="paper",
                                        topic_id=other.id, participant_id=p.id, ward_code=p.ward_code or "chuo",
                                        relation=p.relation, age_band=p.age_band))
    db.session.commit()
    return people


def _filters():
    today = to_jst(utcnow()).date()
    yield {}
    yield {"status": "all"}
    yield {"ward": "chuo"}
    yield {"ward": "outside", "channel": "web"}
    yield {"channel": "workshop"}
    yield {"topic": "counters"}
    yield {"topic": "roles", "ward": "kita"}
    yield {"from": (today - timedelta(days=4)).isoformat()}
    yield {"from": (today - timedelta(days=6)).isoformat(), "to": (today - timedelta(days=2)).isoformat(),
           "channel": "web"}


@pytest.mark.parametrize("args", list(_filters()))
def test_rollup_figures_equal_the_live_counts(random_participation, monkeypatch, args):
    f = parse_filter(args, current_consultation().id)
    assert f.rollup_answers
    fast = figures(f)
    _live(monkeypatch)
    live = figures(f)
    assert fast == live
    assert live["totals"]["votes_total"] or args.get("from")  # the data exercises the figures


def test_withdrawn_proposals_leave_the_figures_alike(random_participation, topic, monkeypatch):
    withdrawn = topic("roles").proposals[0]
    withdrawn.withdrawn_at_utc = utcnow()
    db.session.commit()
    f = parse_filter({}, current_consultation().id)
    fast = figures(f)
    _live(monkeypatch)
    assert figures(f) == fast
