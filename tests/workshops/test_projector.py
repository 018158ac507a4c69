"""The projector: large-type page with code and QR, and its JSON with ETag / If-None-Match → 304."""

from sqlalchemy import select

from consult.extensions import db
from consult.participation.models import Comment

from .conftest import join, post_note


def _open(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w, 2)
    return client, phone, w


def test_projector_page_shows_code_qr_and_counts(app, staff, workshop):
    client, phone, w = _open(app, staff, workshop)
    post_note(phone, w, "テーブル3からの付箋")
    response = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert w.join_code in html and "<svg" in html and "<path" in html
    assert "テーブル3からの付箋" in html and 'id="pj-participants">1<' in html
    assert '<script src="/static/js/workshops-projector.js"' in html
    assert "<script>" not in html  # CSP: script-src 'self', no inline script
    assert "Content-Security-Policy" in response.headers and "script-src 'self'" in response.headers["Content-Security-Policy"]
    js = client.get("/static/js/workshops-projector.js").get_data(as_text=True)
    assert "If-None-Match" in js and "textContent" in js and "innerHTML" not in js


def test_json_carries_notes_by_table_and_topic_and_dot_totals(app, staff, workshop):
    client, phone, w = _open(app, staff, workshop)
    post_note(phone, w, "1枚目", topic=w.topics[1])
    note = db.session.scalar(select(Comment))
    phone.post(f"/w/{w.join_code}/dots", data={"target": f"c{note.id}"})
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data={"table": str(w.tables[0].id), "topic": str(w.topics[1].id),
                                                         "lines": "紙の付箋 [4]"})
    data = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json").get_json()
    assert data["workshop"]["join_code"] == w.join_code and data["workshop"]["state"] == "open"
    assert (data["participants"], data["notes_total"], data["dots_total"]) == (1, 2, 5)
    by_topic = {t["id"]: t for t in data["topics"]}
    assert (by_topic[w.topics[1].id]["notes"], by_topic[w.topics[1].id]["dots"]) == (2, 5)
    by_table = {t["name"]: t for t in data["tables"]}
    assert by_table["テーブル3"] == {"id": w.tables[2].id, "name": "テーブル3", "participants": 1, "notes": 1}
    assert [(n["body"], n["table"], n["channel"], n["dots"]) for n in data["recent"]] == [
        ("紙の付箋", "テーブル1", "paper", 4), ("1枚目", "テーブル3", "workshop", 1)]
    assert data["top_notes"][0]["body"] == "紙の付箋"


def test_unchanged_poll_is_a_304(app, staff, workshop):
    client, phone, w = _open(app, staff, workshop)
    url = f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"') and first.headers["Cache-Control"] == "no-cache, private"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": f'W/{etag}'}).status_code == 304  # weak comparison

    post_note(phone, w, "新しい付箋")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["notes_total"] == 1


def test_every_kind_of_change_moves_the_etag(app, staff, workshop):
    client, phone, w = _open(app, staff, workshop)
    url = f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json"
    seen = []

    def etag():
        seen.append(client.get(url).headers["ETag"])
        return seen[-1]

    etag()
    post_note(phone, w, "付箋")
    note = db.session.scalar(select(Comment))
    etag()
    phone.post(f"/w/{w.join_code}/dots", data={"target": f"c{note.id}"})
    etag()
    from consult.workshops.models import DotVote

    dot_id = db.session.scalar(select(DotVote.id))
    phone.post(f"/w/{w.join_code}/dots/{dot_id}/remove")
    etag()
    phone.post(f"/w/{w.join_code}/dots", data={"target": f"p{w.topics[0].proposals[0].id}"})  # may reuse the id
    etag()
    join(phone, w, 5)  # moves table
    etag()
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": "テーマ", "topic": str(w.topics[0].id)})
    etag()
    assert all(a != b for a, b in zip(seen, seen[1:])), seen
    assert seen[3] == seen[1]  # the dot taken back: the same data as before it, the same ETag
    assert seen[4] != seen[2]  # a dot on a proposal, even in a reused row id, is not the dot on the note


def test_facilitators_see_only_their_own_projector(app, staff, workshop):
    _, owner = staff("facilitator")
    other, _ = staff("facilitator")
    w = workshop("ws-chuo", facilitator=owner, open=True)
    assert other.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector").status_code == 403
    assert other.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json").status_code == 403
    assert app.test_client().get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json").status_code == 302


def test_a_closed_workshop_shows_no_join_code(app, staff, workshop):
    from consult.workshops.services import close_workshop

    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    code = w.join_code
    close_workshop(w, user)
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector").get_data(as_text=True)
    assert code not in html and "このワークショップは終了しました" in html
    data = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json").get_json()
    assert data["workshop"]["state"] == "closed" and data["workshop"]["join_code"] is None
