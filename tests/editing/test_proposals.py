"""Proposals: add, edit the text, reorder; withdraw one that has votes (never delete it); delete one without."""

from sqlalchemy import select

from consult.consultation.models import Proposal
from consult.extensions import db
from consult.participation.models import Vote


def _proposal(topic, key="unify-branch-services", slug="counters") -> Proposal:
    return next(p for p in topic(slug).proposals if p.key == key)


def _vote(proposal, participant):
    db.session.add(Vote(participant_id=participant().id, proposal_id=proposal.id, value="agree"))
    db.session.commit()


def test_add_a_proposal_with_an_automatic_key(staff, events, client, topic):
    staff_client, user = staff()
    response = staff_client.post("/staff/c/kumamoto-ward-offices-h26/topics/counters/proposals",
                                 data={"text": "窓口の受付時間を平日夜まで延ばす。", "key": ""})
    assert response.status_code == 303
    proposal = topic("counters").proposals[-1]
    assert proposal.text == "窓口の受付時間を平日夜まで延ばす。" and proposal.key.startswith("proposal-")
    [event] = events("proposal.create")
    assert event.user_id == user.id and event.after["key"] == proposal.key
    assert f'id="proposal-{proposal.key}"' in client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)


def test_invalid_proposal_is_refused_on_the_topic_page(staff, topic):
    client, _user = staff()
    count = len(topic("counters").proposals)
    response = client.post("/staff/c/kumamoto-ward-offices-h26/topics/counters/proposals",
                           data={"text": "", "key": "unify-branch-services"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "提案文を入力してください。" in html
    response = client.post("/staff/c/kumamoto-ward-offices-h26/topics/counters/proposals",
                           data={"text": "重複キー", "key": "unify-branch-services"})
    assert response.status_code == 422 and "すでに使われています" in response.get_data(as_text=True)
    assert len(topic("counters").proposals) == count
    assert client.post("/staff/c/kumamoto-ward-offices-h26/topics/zz-unknown/proposals", data={"text": "x"}).status_code == 404


def test_edit_the_text_is_audited_and_warns_when_voted(staff, events, participant, topic):
    client, _user = staff()
    proposal = _proposal(topic)
    _vote(proposal, participant)
    page = client.get(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal.id}").get_data(as_text=True)
    assert "すでに1件の賛否" in page
    old = proposal.text
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal.id}", data={"text": old + "（誤字修正）"})
    assert response.status_code == 303
    [event] = events("proposal.update")
    assert event.before["text"] == old and event.after["text"] == old + "（誤字修正）"
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal.id}", data={"text": " "}).status_code == 422


def test_reorder_proposals(staff, events, topic):
    client, _user = staff()
    keys = [p.key for p in topic("roles").proposals]
    last = topic("roles").proposals[-1]
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{last.id}/move", data={"direction": "up"}).status_code == 303
    db.session.expire_all()
    new_keys = [p.key for p in topic("roles").proposals]
    assert new_keys == keys[:-2] + [keys[-1], keys[-2]]
    assert events("proposal.move")


def test_a_voted_proposal_can_be_withdrawn_but_not_deleted(staff, events, client, participant, topic):
    staff_client, _user = staff()
    proposal = _proposal(topic)
    proposal_id = proposal.id
    _vote(proposal, participant)
    _first = db.session.scalar(select(Vote.participant_id).where(Vote.proposal_id == proposal_id))

    response = staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}/delete")
    assert response.status_code == 409
    assert "削除できません" in response.get_data(as_text=True)
    assert db.session.get(Proposal, proposal_id) is not None and events("proposal.delete") == []

    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}/withdraw").status_code == 303
    assert events("proposal.withdraw")[0].after["withdrawn_at_utc"] is not None
    assert 'id="proposal-unify-branch-services"' not in client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    assert db.session.scalar(select(Vote).where(Vote.proposal_id == proposal_id)) is not None  # votes kept
    # nobody can vote on it any more
    refused = client.post("/c/kumamoto-ward-offices-h26/topics/counters/proposals/unify-branch-services/vote",
                          data={"value": "agree", "ward": "chuo", "relation": "resident"})
    assert refused.status_code == 404  # a withdrawn proposal is no longer there to vote on
    assert db.session.scalar(select(Vote).where(Vote.proposal_id == proposal_id, Vote.participant_id != _first)) is None
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}/withdraw").status_code == 409

    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}/restore").status_code == 303
    assert events("proposal.restore")
    assert 'id="proposal-unify-branch-services"' in client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)


def test_a_proposal_without_votes_can_be_deleted(staff, events, topic):
    client, _user = staff()
    client.post("/staff/c/kumamoto-ward-offices-h26/topics/counters/proposals", data={"text": "すぐ消す提案", "key": "to-delete"})
    proposal = _proposal(topic, "to-delete")
    proposal_id = proposal.id
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal_id) is None
    [event] = events("proposal.delete")
    assert event.before["text"] == "すぐ消す提案"
    assert client.post("/staff/c/kumamoto-ward-offices-h26/proposals/999999/delete").status_code == 404
