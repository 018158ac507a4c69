"""Paper capture: many sticky notes at once, one per line, with dot tallies "[3]"; editable until close."""

from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment
from consult.audit import AuditEvent
from consult.workshops import services as ws

from .conftest import join


def _form(w, lines, table=1, topic=0):
    return {"table": str(w.tables[table].id), "topic": str(w.topics[topic].id), "lines": lines}


def test_parse_lines_with_tallies():
    errors = {}
    notes = ws.parse_paper_lines("窓口を一つに [3]\n\n・土日も開けてほしい［１２］\n  括弧[は]本文のまま  \n"
                                 "数字だけ [0]\n• 点の付箋", errors)
    assert errors == {}
    assert notes == [("窓口を一つに", 3), ("土日も開けてほしい", 12), ("括弧[は]本文のまま", 0), ("数字だけ", 0),
                     ("点の付箋", 0)]


def test_bulk_entry_makes_paper_comments(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-minami", facilitator=user, open=True)
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper",
                           data=_form(w, "南区の出張所を残してほしい [5]\r\n区役所の駐車場が足りない\r\n\r\n相談窓口を一本化 [2]"))
    assert response.status_code == 303
    assert f"table={w.tables[1].id}" in response.headers["Location"]  # the same table and topic stay chosen
    notes = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.body, c.paper_dots) for c in notes] == [("南区の出張所を残してほしい", 5), ("区役所の駐車場が足りない", 0),
                                                        ("相談窓口を一本化", 2)]
    assert {(c.channel, c.workshop_id, c.table_id, c.topic_id, c.ward_code, c.participant_id, c.status)
            for c in notes} == {("paper", w.id, w.tables[1].id, w.topics[0].id, "minami", None, "pending")}
    assert len({c.receipt_no for c in notes}) == 3
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.paper_add"))
    assert event.after["comments"] == [c.id for c in notes] and event.after["paper_dots"] == [5, 0, 2]
    assert "南区" not in str(event.after)  # citizens' text stays out of the audit log
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "紙の付箋を3枚登録しました" in page and "入力済みの紙の付箋（3枚）" in page
    assert ws.note_dot_totals(w) == {notes[0].id: 5, notes[2].id: 2}


def test_bad_lines_refuse_the_whole_batch_and_keep_the_text(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-minami", facilitator=user, open=True)
    lines = "よい付箋\n" + "長" * 301 + "\n[4]\n多すぎる [1000]"
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data=_form(w, lines))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2行目：付箋は300文字以内でお願いします（現在301文字）" in html
    assert "3行目：付箋の内容がありません" in html and "4行目：ドットの数は999までです" in html
    assert "よい付箋\n" + "長" * 301 in html  # what was typed is kept
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_table_topic_and_lines_are_required(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-minami", facilitator=user, open=True)
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data={"table": "", "topic": "999999", "lines": "\n \n"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "テーブルを選んでください" in html and "審議事項を選んでください" in html
    assert "付箋の内容を1行に1枚ずつ入力してください" in html


def test_edit_and_delete_until_close(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-minami", facilitator=user, open=True)
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data=_form(w, "打ち間違えた付箋 [1]\n消す付箋"))
    first, second = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    first_id, second_id = first.id, second.id
    form = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{first_id}").get_data(as_text=True)
    assert "打ち間違えた付箋</textarea>" in form

    bad = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{first_id}",
                      data={**_form(w, "", table=3, topic=1), "body": "", "paper_dots": "-1"})
    assert bad.status_code == 422 and "付箋の内容を入力してください" in bad.get_data(as_text=True)

    fixed = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{first_id}",
                        data={**_form(w, "", table=3, topic=1), "body": "打ち直した付箋", "paper_dots": "4"})
    assert fixed.status_code == 303
    comment = db.session.get(Comment, first_id)
    assert (comment.body, comment.paper_dots, comment.table_id, comment.topic_id) == (
        "打ち直した付箋", 4, w.tables[3].id, w.topics[1].id)
    assert comment.search_text == "打ち直した付箋"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.paper_edit"))
    assert event.before["paper_dots"] == 1 and event.after["paper_dots"] == 4 and "打ち" not in str(event.after)

    # A paper note that phones have dotted stays; an undotted one can go.
    phone = app.test_client()
    join(phone, w)
    phone.post(f"/w/{w.join_code}/dots", data={"target": f"c{first_id}"})
    kept = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{first_id}/delete")
    assert kept.status_code == 409 and "削除できません" in kept.get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{second_id}/delete").status_code == 303
    assert db.session.scalars(select(Comment.id)).all() == [first_id]

    ws.close_workshop(w, user)
    closed = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data=_form(w, "終了後"))
    assert closed.status_code == 409 and "終了したワークショップには付箋を追加できません" in closed.get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{first_id}",
                       data={**_form(w, ""), "body": "終了後の修正", "paper_dots": "0"}).status_code == 409
    assert db.session.get(Comment, first_id).body == "打ち直した付箋"


def test_a_phone_note_is_not_editable_as_paper(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-minami", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w)
    from .conftest import post_note

    post_note(phone, w, "スマートフォンの付箋")
    note_id = db.session.scalar(select(Comment.id))
    assert client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper/{note_id}").status_code == 404
