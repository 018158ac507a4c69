"""Dot votes: a budget per participant held by numbered slots, refused beyond it with the number left."""

import threading

from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment
from consult.workshops import services as ws
from consult.workshops.models import DotVote

from .conftest import join, post_note


def _setup(app, workshop, dots=3):
    w = workshop("ws-chuo", open=True, dots=dots)
    author, voter = app.test_client(), app.test_client()
    join(author, w, 0)
    join(voter, w, 1)
    post_note(author, w, "窓口の案内をわかりやすく")
    post_note(author, w, "出張所の統廃合は慎重に")
    notes = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    return w, voter, notes


def _dot(client, w, target, slot=None, **extra):
    data = {"target": target, **extra}
    if slot is not None:
        data["slot"] = str(slot)
    return client.post(f"/w/{w.join_code}/dots", data=data)


def _dots():
    return db.session.execute(select(DotVote.slot, DotVote.comment_id, DotVote.proposal_id).order_by(DotVote.slot)).all()


def test_spend_the_budget_then_refusal_says_none_left(app, workshop):
    w, voter, notes = _setup(app, workshop)
    proposal = w.topics[0].proposals[0]
    assert _dot(voter, w, f"c{notes[0].id}").status_code == 303
    assert _dot(voter, w, f"c{notes[0].id}").status_code == 303  # two dots on one note are allowed
    response = _dot(voter, w, f"p{proposal.id}")
    assert response.status_code == 303
    page = voter.get(response.headers["Location"]).get_data(as_text=True)
    assert "ドットを貼りました。残りは0個です。" in page and "ドット：残り0個" in page
    refused = _dot(voter, w, f"c{notes[1].id}")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "ドットはもう残っていません（残り0個）" in html
    assert _dots() == [(1, notes[0].id, None), (2, notes[0].id, None), (3, None, proposal.id)]


def test_removing_a_dot_frees_its_slot(app, workshop):
    w, voter, notes = _setup(app, workshop, dots=2)
    _dot(voter, w, f"c{notes[0].id}")
    _dot(voter, w, f"c{notes[1].id}")
    first = db.session.scalar(select(DotVote.id).where(DotVote.slot == 1))
    response = voter.post(f"/w/{w.join_code}/dots/{first}/remove", data={"target": f"c{notes[0].id}"})
    assert response.status_code == 303
    assert "ドットを1つ外しました。残りは1個です。" in voter.get(response.headers["Location"]).get_data(as_text=True)
    again = voter.post(f"/w/{w.join_code}/dots/{first}/remove")
    assert again.status_code == 303  # already gone: said so, nothing else removed
    _dot(voter, w, f"c{notes[1].id}")
    assert _dots() == [(1, notes[1].id, None), (2, notes[1].id, None)]


def test_a_resent_dot_form_adds_nothing(app, workshop):
    w, voter, notes = _setup(app, workshop)
    page = voter.get(f"/w/{w.join_code}/dots").get_data(as_text=True)
    assert 'name="slot" value="1"' in page
    for _ in range(3):
        assert _dot(voter, w, f"c{notes[0].id}", slot=1).status_code == 303
    assert _dots() == [(1, notes[0].id, None)]
    assert _dot(voter, w, f"c{notes[0].id}", slot=2).status_code == 303  # the next form: a second dot
    assert len(_dots()) == 2


def test_only_notes_of_this_workshop_and_proposals_in_scope(app, workshop, topic):
    w, voter, notes = _setup(app, workshop)
    other = workshop("ws-kita", open=True)
    stranger = app.test_client()
    join(stranger, other)
    post_note(stranger, other, "北区の付箋")
    foreign = db.session.scalar(select(Comment).where(Comment.workshop_id == other.id))
    w.topics = [topic("roles")]
    db.session.commit()
    out_of_scope = topic("counters").proposals[0]
    for target in (f"c{foreign.id}", f"p{out_of_scope.id}", "c999999", "x1", ""):
        response = _dot(voter, w, target)
        assert response.status_code == 422, target
        assert "ドットを貼る先の付箋または提案が見つかりません" in response.get_data(as_text=True)
    assert _dots() == []


def test_no_dots_without_a_seat_or_after_close(app, workshop, staff):
    w, voter, notes = _setup(app, workshop)
    newcomer = app.test_client()
    assert _dot(newcomer, w, f"c{notes[0].id}").status_code == 303  # sent to the join form
    _, user = staff("facilitator")
    ws.close_workshop(w, user)
    assert _dot(voter, w, f"c{notes[0].id}").status_code == 410
    assert _dots() == []


def test_the_phone_dot_page_lists_notes_and_proposals(app, workshop):
    w, voter, notes = _setup(app, workshop)
    html = voter.get(f"/w/{w.join_code}/dots?topic={w.topics[0].id}&table={w.tables[0].id}").get_data(as_text=True)
    assert "窓口の案内をわかりやすく" in html and f'id="target-c{notes[0].id}"' in html
    assert f'id="target-p{w.topics[0].proposals[0].id}"' in html
    assert 'aria-current="page"' in html
    empty = voter.get(f"/w/{w.join_code}/dots?topic={w.topics[0].id}&table={w.tables[5].id}").get_data(as_text=True)
    assert "窓口の案内をわかりやすく" not in empty


def test_racing_requests_never_overspend(app, workshop):
    """Threads spend dots for one participant at once, through the service and the database
    (on PostgreSQL they really race for the slots; on SQLite the write lock queues them)."""
    w, voter, notes = _setup(app, workshop, dots=3)
    from consult.workshops.models import WorkshopSeat

    participant_id = db.session.scalar(select(WorkshopSeat.participant_id).where(WorkshopSeat.table_id == w.tables[1].id))
    workshop_id, targets = w.id, [f"c{notes[0].id}", f"c{notes[1].id}"]
    db.session.commit()  # the test's own transaction ends before the threads start
    results, errors = [], []
    barrier = threading.Barrier(8)

    def spend(i):
        # As a POST request would: on SQLite its transaction takes the write lock when it begins.
        with app.test_request_context(method="POST"):
            from consult.participation.models import Participant
            from consult.workshops.models import Workshop

            try:
                barrier.wait()
                workshop_ = db.session.get(Workshop, workshop_id)
                participant = db.session.get(Participant, participant_id)
                results.append(ws.spend_dot(workshop_, participant, targets[i % 2])[1])
            except ws.BudgetExhausted as exc:
                results.append(exc.left)
            except Exception as exc:  # noqa: BLE001 — any other failure fails the test below
                errors.append(repr(exc)[:600])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results.count(True) == 3 and results.count(0) == 5
    assert sorted(slot for slot, _c, _p in _dots()) == [1, 2, 3]
    assert db.session.scalar(select(func.count(DotVote.id))) == 3
