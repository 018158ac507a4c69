"""The furigana switch on public pages, and the reading dictionary staff keep."""

import re

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.extensions import db
from consult.readings.models import ReadingEntry

HOME = "/c/kumamoto-ward-offices-h26/"


def _on(client):
    response = client.get("/furigana?on=1&next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_off_by_default_and_the_switch_turns_it_on_and_off(client):
    page = client.get(HOME).get_data(as_text=True)
    assert "<ruby>" not in page and "ふりがなをつける" in page
    _on(client)
    page = client.get(HOME).get_data(as_text=True)
    assert '<html class="furigana" lang="ja">' in page
    assert re.search(r"<ruby>[^<]+<rp>（</rp><rt aria-hidden=\"true\">", page)
    assert "ふりがなを消す" in page or "ふりがなを<ruby>消" in page
    client.get("/furigana?on=0&next=/")
    assert "<ruby>" not in client.get(HOME).get_data(as_text=True)


def test_the_switch_redirects_only_to_this_site(client):
    response = client.get("/furigana?on=1&next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_not_in_english_nor_on_staff_pages(client, staff):
    _on(client)
    assert "<ruby>" not in client.get(HOME + "?lang=en").get_data(as_text=True)
    signed, _user = staff("secretariat")
    signed.get("/furigana?on=1&next=/")
    assert "<ruby>" not in signed.get("/staff").get_data(as_text=True)


def test_a_staff_reading_shows_on_the_public_pages(client, staff):
    signed, user = staff("secretariat")
    response = signed.post("/staff/readings", data={"word": "区役所", "reading": "クヤクショ"})
    assert response.status_code == 303
    entry = db.session.scalar(select(ReadingEntry))
    assert (entry.word, entry.reading) == ("区役所", "くやくしょ")  # katakana stored as hiragana
    signed.post("/staff/readings", data={"word": "区役所", "reading": "くやくじょ"})  # the same word: replaced
    assert [e.reading for e in db.session.scalars(select(ReadingEntry))] == ["くやくじょ"]
    _on(client)
    assert '区役所<rp>（</rp><rt aria-hidden="true">くやくじょ</rt>' in client.get(HOME).get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
               if e.action.startswith("reading.")]
    assert actions == ["reading.create", "reading.update"]
    signed.post(f"/staff/readings/{entry.id}/delete")
    assert db.session.scalar(select(ReadingEntry)) is None
    assert "くやくじょ" not in client.get(HOME).get_data(as_text=True)


def test_wrong_input_is_refused_with_its_message_and_kept_on_the_form(staff):
    signed, _user = staff("secretariat")
    for data, message in [({"word": "", "reading": "あ"}, "語を入力してください"),
                          ({"word": "ひらがな", "reading": "ひらがな"}, "漢字を含む語を入力してください"),
                          ({"word": "区民", "reading": "kumin"}, "ひらがなかカタカナ"),
                          ({"word": "区民", "reading": ""}, "読みを入力してください"),
                          ({"word": "区 民", "reading": "くみん"}, "空白を含まない")]:
        response = signed.post("/staff/readings", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page, data
        assert f'value="{data["reading"]}"' in page
    assert db.session.scalar(select(ReadingEntry)) is None


def test_only_the_secretariat_and_admins_keep_the_dictionary(client, staff):
    assert client.get("/staff/readings").status_code == 302  # to the sign-in page
    facilitator, _ = staff("facilitator")
    assert facilitator.get("/staff/readings").status_code == 403
    assert facilitator.post("/staff/readings", data={"word": "区民", "reading": "くみん"}).status_code == 403
    admin, _ = staff("admin")
    assert admin.get("/staff/readings").status_code == 200
    assert admin.post("/staff/readings/999999999999/delete").status_code == 404
    assert admin.post("/staff/readings/99999999999999999999999/delete").status_code == 404


def test_the_staff_page_previews_a_text(staff):
    signed, _ = staff("secretariat")
    page = signed.get("/staff/readings?sample=区民の声").get_data(as_text=True)
    assert '区民<rp>（</rp><rt aria-hidden="true">くみん</rt>' in page
