"""In the English pages the Japanese data (titles, names, notes) is marked lang="ja" (WCAG 3.1.2), and the
flash messages that carry it stay escaped."""

from sqlalchemy import select

from consult.extensions import db
from consult.workshops.models import Workshop

from .conftest import join, post_note


def test_the_title_in_the_flash_is_marked_japanese_and_escaped(staff):
    client, _ = staff("facilitator")
    topics = [str(t.id) for t in db.session.scalars(select(Workshop)).first().topics]
    response = client.post("/staff/c/kumamoto-ward-offices-h26/workshops/new", data={
        "ward": "kita", "title": "北区 <b>夜</b> の会", "starts_at": "2014-10-19T10:00", "table_count": "2",
        "dots_per_participant": "3", "topics": topics})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<p class="flash flash--success">ワークショップ「<span lang="ja">北区 &lt;b&gt;夜&lt;/b&gt; の会</span>」を作りました。</p>' in html
    assert "<b>夜</b>" not in html


def test_english_pages_name_the_ward_in_english_and_mark_japanese_data(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w, 0)
    post_note(phone, w, "窓口の付箋")
    client.set_cookie("lang", "en")
    phone.set_cookie("lang", "en")
    console = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").get_data(as_text=True)
    assert "<dd>Chuo Ward</dd>" in console and '<span lang="ja">区役所・本庁の責務、役割</span>' in console
    assert '<th scope="row" lang="ja">テーブル1</th>' in console
    page = phone.get(f"/w/{w.join_code}").get_data(as_text=True)
    assert '<h1 lang="ja">中央区 市民向けワークショップ</h1>' in page
    assert 'Table: <span lang="ja">テーブル1</span>' in page
    assert '<p class="ws-body" lang="ja">窓口の付箋</p>' in page
