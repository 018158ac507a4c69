"""Agree / disagree / pass: one vote per participant and proposal, changeable; supports."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.consultation.models import Consultation, Proposal
from consult.extensions import db
from consult.participation.models import Comment, Participant, Support, Vote
from consult.participation.services import new_receipt_no

VOTE_URL = "/c/kumamoto-ward-offices-h26/topics/counters/proposals/unify-branch-services/vote"


def _votes():
    return db.session.execute(select(Vote.participant_id, Vote.value)).all()


def test_first_vote_asks_for_ward_and_relation(client):
    response = client.post(VOTE_URL, data={"value": "agree"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "お住まいの区などを選んでください" in html and "区との関わりを選んでください" in html
    assert _votes() == []
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_vote_then_change_keeps_one_row(client):
    first = client.post(VOTE_URL, data={"value": "agree", "ward": "nishi", "relation": "business"})
    assert first.status_code == 303
    assert first.headers["Location"].endswith("#proposal-unify-branch-services")
    second = client.post(VOTE_URL, data={"value": "disagree"})  # profile remembered: not asked again
    assert second.status_code == 303
    [(participant_id, value)] = _votes()
    assert value == "disagree"
    participant = db.session.get(Participant, participant_id)
    assert (participant.ward_code, participant.relation) == ("nishi", "business")
    html = client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    assert "現在：反対" in html


def test_votes_are_counted_per_proposal(client, app):
    other = app.test_client()
    client.post(VOTE_URL, data={"value": "agree", "ward": "chuo", "relation": "resident"})
    other.post(VOTE_URL, data={"value": "agree", "ward": "kita", "relation": "resident"})
    proposal = db.session.scalar(select(Proposal).where(Proposal.key == "unify-branch-services"))
    from consult.participation.services import vote_counts
    assert vote_counts(proposal.topic)[proposal.id] == {"agree": 2, "disagree": 0, "pass": 0}


def test_invalid_vote_value(client):
    response = client.post(VOTE_URL, data={"value": "maybe", "ward": "chuo", "relation": "resident"})
    assert response.status_code == 422
    assert "いずれかを選んでください" in response.get_data(as_text=True)
    assert _votes() == []


def test_unknown_proposal_is_404(client):
    assert client.post("/c/kumamoto-ward-offices-h26/topics/counters/proposals/nope/vote", data={"value": "agree"}).status_code == 404


def test_no_votes_when_closed(client):
    db.session.execute(Consultation.__table__.update().values(phase="closed"))
    db.session.commit()
    response = client.post(VOTE_URL, data={"value": "agree", "ward": "chuo", "relation": "resident"})
    assert response.status_code == 403
    assert _votes() == []


def test_database_allows_one_vote_per_participant_and_proposal(participant, topic):
    p = participant()
    proposal = topic("counters").proposals[0]
    db.session.add(Vote(participant_id=p.id, proposal_id=proposal.id, value="agree"))
    db.session.commit()
    db.session.add(Vote(participant_id=p.id, proposal_id=proposal.id, value="pass"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def _published_comment(topic, participant):
    comment = Comment(receipt_no=new_receipt_no(), topic=topic, ward_code="chuo", relation="resident",
                      body="公開済みの意見", status="published", participant=participant)
    db.session.add(comment)
    db.session.commit()
    return comment


def test_support_once_per_participant(client, participant, topic):
    comment = _published_comment(topic("roles"), participant())
    for _ in range(2):
        response = client.post(f"/c/kumamoto-ward-offices-h26/comments/{comment.id}/support")
        assert response.status_code == 303
    assert db.session.scalar(select(func.count(Support.id))) == 1
    assert "賛同 1" in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)


def test_database_allows_one_support_per_participant_and_comment(participant, topic):
    p = participant()
    comment = _published_comment(topic("roles"), p)
    db.session.add(Support(participant_id=p.id, comment_id=comment.id))
    db.session.commit()
    db.session.add(Support(participant_id=p.id, comment_id=comment.id))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_cannot_support_a_pending_comment(client, participant, topic):
    comment = _published_comment(topic("roles"), participant())
    comment.status = "pending"
    db.session.commit()
    assert client.post(f"/c/kumamoto-ward-offices-h26/comments/{comment.id}/support").status_code == 404
    assert client.post("/c/kumamoto-ward-offices-h26/comments/999999/support").status_code == 404


def test_a_vote_without_a_ward_asks_for_it_at_the_vote_and_keeps_the_choice(client):
    page = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    article = page[page.index('id="proposal-ward-head-authority"'):]
    article = article[:article.index("</article>")]
    assert "<details" not in article and 'id="ward-head-authority-ward"' in article  # asked in the open
    response = client.post("/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote", data={"value": "disagree"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    article = html[html.index('id="proposal-ward-head-authority"'):]
    article = article[:article.index("</article>")]
    summary = article[article.index('class="error-summary"'):]
    assert 'role="alert"' in summary[:200] and "autofocus" in summary[:200]
    assert 'href="#ward-head-authority-ward"' in summary and 'href="#ward-head-authority-relation"' in summary
    assert re.search(r'value="disagree"[^>]*checked', article)  # the choice the person made is kept
    assert html.count('class="error-summary"') == 1  # only at the proposal voted on
