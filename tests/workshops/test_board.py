"""KJ grouping: themes with a name and a topic; notes moved by drag and drop (JSON) or without JS (form)."""

from sqlalchemy import select

from consult.extensions import db
from consult.participation.models import Comment
from consult.workshops.models import Theme

from .conftest import join, post_note


def _board(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-higashi", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w, 3)
    post_note(phone, w, "窓口の待ち時間", topic=w.topics[0])
    post_note(phone, w, "窓口の案内表示", topic=w.topics[0])
    post_note(phone, w, "まちづくり交付金", topic=w.topics[2])
    notes = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    return client, w, notes


def _theme(client, w, name, topic):
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": name, "topic": str(topic.id)}).status_code == 303
    return db.session.scalar(select(Theme).where(Theme.name == name))


def test_board_without_javascript(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    theme = _theme(client, w, "窓口", w.topics[0])
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board").get_data(as_text=True)
    assert f'name="theme-{notes[0].id}" form="board-form"' in html and f'<label class="ws-card__label" for="theme-select-{notes[0].id}">' in html
    assert 'draggable="true"' in html and "workshops-board.js" in html and '<meta name="csrf-token"' in html
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board",
                           data={f"theme-{notes[0].id}": str(theme.id), f"theme-{notes[1].id}": str(theme.id),
                                 f"theme-{notes[2].id}": ""})
    assert response.status_code == 303
    assert "2枚の付箋をテーマに振り分けました" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [c.theme_id for c in db.session.scalars(select(Comment).order_by(Comment.id))] == [theme.id, theme.id, None]


def test_a_theme_takes_notes_of_its_own_topic_only(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    theme = _theme(client, w, "窓口", w.topics[0])
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board",
                           data={f"theme-{notes[0].id}": str(theme.id), f"theme-{notes[2].id}": str(theme.id)})
    assert response.status_code == 422
    assert "テーマ「窓口」には、同じ審議事項の付箋だけを入れられます" in response.get_data(as_text=True)
    assert [c.theme_id for c in db.session.scalars(select(Comment))] == [None, None, None]  # all or nothing


def test_drag_and_drop_json(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    theme = _theme(client, w, "窓口", w.topics[0])
    url = f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board/move"
    assert client.post(url, data={"comment": notes[0].id, "theme": theme.id}).status_code == 415
    moved = client.post(url, json={"comment": notes[0].id, "theme": theme.id})
    assert moved.status_code == 200 and moved.get_json()["moved"] == 1
    assert db.session.get(Comment, notes[0].id).theme_id == theme.id
    back = client.post(url, json={"comment": notes[0].id, "theme": None})
    assert back.status_code == 200 and db.session.get(Comment, notes[0].id).theme_id is None
    wrong = client.post(url, json={"comment": notes[2].id, "theme": theme.id})
    assert wrong.status_code == 422 and "同じ審議事項の付箋だけ" in wrong.get_json()["message"]
    assert client.post(url, json=["nonsense"]).status_code == 422
    assert client.post(url, json={"comment": 999999, "theme": None}).status_code == 422
    cross_site = client.post(url, json={"comment": notes[0].id, "theme": theme.id}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403


def test_json_move_needs_the_csrf_token_when_csrf_is_on(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board/move", json={"comment": notes[0].id, "theme": None})
        assert refused.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_themes_are_named_renamed_and_deleted(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    theme = _theme(client, w, "窓口", w.topics[0])
    duplicate = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": "窓口", "topic": str(w.topics[0].id)})
    assert duplicate.status_code == 422 and "同じ名前のテーマがあります" in duplicate.get_data(as_text=True)
    empty = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": " ", "topic": ""})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "テーマの名前を入力してください" in html and "テーマの審議事項を選んでください" in html

    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board/move", json={"comment": notes[0].id, "theme": theme.id})
    blocked = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes/{theme.id}",
                          data={"action": "rename", "name": "窓口サービス", "topic": str(w.topics[2].id)})
    assert blocked.status_code == 422 and "窓口サービス" in blocked.get_data(as_text=True)  # typed name kept
    renamed = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes/{theme.id}",
                          data={"action": "rename", "name": "窓口サービス", "topic": str(w.topics[0].id)})
    assert renamed.status_code == 303 and db.session.get(Theme, theme.id).name == "窓口サービス"
    theme_id = theme.id
    deleted = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes/{theme_id}", data={"action": "delete"})
    assert deleted.status_code == 303
    assert db.session.scalar(select(Theme).where(Theme.id == theme_id)) is None
    assert db.session.get(Comment, notes[0].id).theme_id is None


def test_board_is_read_only_after_close(app, staff, workshop):
    client, w, notes = _board(app, staff, workshop)
    theme = _theme(client, w, "窓口", w.topics[0])
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close")
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board").get_data(as_text=True)
    assert "board-form" not in html and "workshops-board.js" not in html and "窓口の待ち時間" in html
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board/move",
                       json={"comment": notes[0].id, "theme": theme.id}).status_code == 409
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": "後から", "topic": str(w.topics[0].id)}).status_code == 409
