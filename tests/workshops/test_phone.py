"""Phones: join by code or QR without an account, pick a table, post notes; wrong and closed codes."""

import re

from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment, Participant
from consult.workshops import services as ws
from consult.workshops.models import WorkshopSeat
from consult.workshops.qr import qr_svg

from .conftest import join, post_note, submission_key


def test_join_code_uses_the_unambiguous_alphabet():
    assert set(ws.CODE_ALPHABET).isdisjoint("01IO")
    codes = {ws.new_join_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(r"[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}", c) for c in codes)


def test_typed_codes_are_normalised():
    assert ws.normalise_code(" ab-c２３４ ") == "ABC234"
    assert not ws.is_well_formed_code("ABC23O")  # O is not in the alphabet


def test_qr_is_inline_svg_of_the_absolute_join_url(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    svg = qr_svg(f"http://localhost/w/{w.join_code}")
    assert svg.startswith("<svg") and "<path" in svg and 'role="img"' in svg and "viewBox" in svg
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").get_data(as_text=True)
    assert f"http://localhost/w/{w.join_code}" in html and "<path" in html


def test_sheets_one_a4_page_per_table(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/sheets").get_data(as_text=True)
    assert html.count('class="ws-sheet"') == len(w.tables) == 8
    assert html.count(w.join_code) >= 8 and html.count("<svg") == 8
    # Each table's QR code opens the join page with that table chosen.
    table = w.tables[3]
    assert str(qr_svg(f"http://localhost/w/{w.join_code}?table={table.id}", f"{table.name} の参加用QRコード")) in html
    css = client.get("/static/css/workshops.css").get_data(as_text=True)
    assert "@page ws-sheet" in css and "A4" in css and "break-after: page" in css


def test_sheets_wait_for_the_code(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user)
    assert client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/sheets").status_code == 409


def test_join_without_an_account(client, workshop):
    w = workshop("ws-higashi", open=True)
    page = client.get(f"/w/{w.join_code}?table={w.tables[2].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{w.tables[2].id}" checked' in html  # the table sheet's QR chose the table
    assert '<option value="higashi" selected>' in html  # ward defaults to the workshop's
    assert db.session.scalar(select(func.count(Participant.id))) == 0  # nobody is made by looking
    assert join(client, w, 2).status_code == 303
    seat = db.session.scalar(select(WorkshopSeat))
    participant = db.session.get(Participant, seat.participant_id)
    assert (seat.table_id, participant.ward_code, participant.relation, participant.age_band) == (
        w.tables[2].id, "higashi", None, None)
    html = client.get(f"/w/{w.join_code}").get_data(as_text=True)
    assert "付箋を書く" in html and 'テーブル：<span lang="ja">テーブル3</span>' in html and "ドット：残り3個" in html


def test_join_again_moves_the_seat(client, workshop):
    w = workshop("ws-higashi", open=True)
    join(client, w, 0)
    join(client, w, 4, ward="outside", relation="commuter", age_band="20s")
    seats = db.session.scalars(select(WorkshopSeat)).all()
    assert [s.table_id for s in seats] == [w.tables[4].id]
    participant = db.session.get(Participant, seats[0].participant_id)
    assert (participant.ward_code, participant.relation, participant.age_band) == ("outside", "commuter", "20s")


def test_join_needs_a_table(client, workshop):
    w = workshop("ws-higashi", open=True)
    response = client.post(f"/w/{w.join_code}/join", data={"ward": "kita", "relation": "nonsense"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "座っているテーブルを選んでください" in html and "区との関わりの選択肢にない値です" in html
    assert db.session.scalar(select(func.count(WorkshopSeat.id))) == 0


def test_a_note_is_a_comment_of_the_workshop(client, workshop):
    w = workshop("ws-nishi", open=True)
    join(client, w, 1, relation="business", age_band="60s")
    topic = w.topics[2]
    response = post_note(client, w, "  まちづくり推進経費の使い道を区民が決められるように  ", topic=topic)
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert (comment.channel, comment.workshop_id, comment.table_id, comment.ward_code, comment.topic_id) == (
        "workshop", w.id, w.tables[1].id, "nishi", topic.id)
    assert (comment.relation, comment.age_band) == ("business", "60s")
    assert comment.status == "pending"  # the seeded consultation premoderates
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", comment.receipt_no)
    assert comment.body == "まちづくり推進経費の使い道を区民が決められるように"
    page = client.get(f"/w/{w.join_code}").get_data(as_text=True)
    assert comment.receipt_no in page and "送った付箋（1枚）" in page


def test_without_premoderation_notes_are_published(client, workshop):
    from consult.consultation.models import Consultation

    consultation = db.session.scalar(select(Consultation))
    consultation.premoderation = False
    db.session.commit()
    w = workshop("ws-nishi", open=True)
    join(client, w)
    post_note(client, w, "公開される付箋")
    comment = db.session.scalar(select(Comment))
    assert comment.status == "published" and comment.published_at_utc is not None


def test_resubmitting_the_same_form_stores_one_note(client, workshop):
    w = workshop("ws-nishi", open=True)
    join(client, w)
    key = submission_key(client.get(f"/w/{w.join_code}").get_data(as_text=True))
    for _ in range(3):
        assert post_note(client, w, "二度押ししても1枚", key=key).status_code == 303
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_oversized_and_empty_notes_are_refused_with_the_text_kept(client, workshop):
    w = workshop("ws-nishi", open=True)
    join(client, w)
    long_text = "区" * 300 + "長い"
    response = post_note(client, w, long_text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "付箋は300文字以内でお願いします（現在302文字）" in html
    assert f">{long_text}</textarea>" in html
    response = post_note(client, w, "　 \n ")
    assert response.status_code == 422 and "付箋の内容を入力してください" in response.get_data(as_text=True)
    # 300 characters counted after NFKC: full-width digits are one character each.
    assert post_note(client, w, "１" * 300).status_code == 303
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_a_note_needs_a_topic_in_scope(client, workshop, topic):
    w = workshop("ws-nishi", open=True)
    w.topics = w.topics[:2]
    db.session.commit()
    join(client, w)
    out_of_scope = topic("counters")
    assert out_of_scope not in w.topics
    response = post_note(client, w, "範囲外の審議事項", topic=out_of_scope)
    assert response.status_code == 422
    assert "どの審議事項についての付箋か選んでください" in response.get_data(as_text=True)


def test_a_note_before_joining_goes_to_the_join_form(client, workshop):
    w = workshop("ws-nishi", open=True)
    response = client.post(f"/w/{w.join_code}/notes", data={"topic": str(w.topics[0].id), "body": "x"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/w/{w.join_code}")
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_wrong_code_gets_a_clear_page(client):
    response = client.get("/w/ZZZZZZ")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "参加コードが見つかりません" in html and 'value="ZZZZZZ"' in html
    assert client.get("/w?code=zz99").status_code == 404
    assert client.post("/w/ZZZZZZ/notes", data={"body": "x"}).status_code == 404


def test_typed_code_leads_to_the_workshop(client, workshop):
    w = workshop("ws-kita", open=True)
    assert client.get("/w").status_code == 200
    response = client.get(f"/w?code={w.join_code.lower()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/w/{w.join_code}")
    lower = client.get(f"/w/{w.join_code.lower()}")
    assert lower.status_code == 302 and lower.headers["Location"].endswith(f"/w/{w.join_code}")


def test_closed_code_gets_a_clear_page(client, workshop, staff):
    _, user = staff("facilitator")
    w = workshop("ws-kita", facilitator=user, open=True)
    join(client, w)
    ws.close_workshop(w, user)
    response = client.get(f"/w/{w.join_code}")
    assert response.status_code == 410 and "このワークショップは終了しました" in response.get_data(as_text=True)
    assert join(client, w).status_code == 410


def test_phone_pages_are_phone_first_and_need_no_script(client, workshop):
    w = workshop("ws-kita", open=True)
    join(client, w)
    html = client.get(f"/w/{w.join_code}").get_data(as_text=True)
    assert '<meta name="viewport"' in html and "<script>" not in html and "onclick" not in html
    assert 'name="csrf_token"' in html and '<label for="body">' in html
    css = client.get("/static/css/workshops.css").get_data(as_text=True)
    assert "min-height: 48px" in css and "min-height: 52px" in css


def test_public_base_url_for_the_qr_behind_a_proxy(app, staff, workshop):
    app.config["PUBLIC_BASE_URL"] = "https://consult.example.jp/"
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").get_data(as_text=True)
    assert f"https://consult.example.jp/w/{w.join_code}" in html
    assert str(qr_svg(f"https://consult.example.jp/w/{w.join_code}", "参加用QRコード")) in html


BEYOND_AN_ID = ["2147483648", "9223372036854775808", "1" + "0" * 40, "１２", "0x10", " 7"]


def test_ids_no_table_holds_are_refused_on_every_phone_write(client, workshop):
    """Numbers beyond PostgreSQL's integer (and non-ASCII digits) in a table, topic or dot target: a
    4xx with the form's message, nothing stored (the fast SQL path hands them to the checked one)."""
    from consult.workshops.models import DotVote

    w = workshop("ws-nishi", open=True)
    for number in BEYOND_AN_ID:
        response = client.post(f"/w/{w.join_code}/join", data={"table": number})
        assert response.status_code == 422, number
        assert "座っているテーブルを選んでください" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(WorkshopSeat.id))) == 0
    join(client, w)
    key = submission_key(client.get(f"/w/{w.join_code}").get_data(as_text=True))
    for number in BEYOND_AN_ID:
        response = client.post(f"/w/{w.join_code}/notes", data={"topic": number, "body": "付箋", "submission_key": key})
        assert response.status_code == 422, number
        assert "どの審議事項についての付箋か選んでください" in response.get_data(as_text=True)
        response = client.post(f"/w/{w.join_code}/dots", data={"target": f"c{number}", "slot": number})
        assert 400 <= response.status_code < 500, number
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(DotVote.id))) == 0
