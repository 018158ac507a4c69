"""/receipt: a citizen follows their opinion by receipt number — before and after the results,
the normalisation of what they type, the not-found path and the rate limit on guessing."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from consult.consultation.services import current_consultation
from consult.extensions import db
from consult.followup.services import normalise_receipt
from consult.participation.models import Comment
from consult.secretariat.models import OpinionGroup
from tests.conftest import confirm_and_submit


def _comment(client, body="受付番号で追いかけたいご意見です。"):
    _confirm, done = confirm_and_submit(client, "counters", body=body, ward="kita", age_band="60s")
    assert done.status_code == 303
    return db.session.scalar(select(Comment).where(Comment.body == body))


def _lookup(client, number):
    return client.post("/receipt", data={"receipt_no": number})


@pytest.mark.parametrize("typed", [
    "ABCD-2345-WXYZ", "abcd2345wxyz", "ＡＢＣＤ－２３４５－ＷＸＹＺ", " abcd 2345 wxyz ", "ABCD‐2345−WXYZ", "abcdー2345ーwxyz",
])
def test_normalisation(typed):
    assert normalise_receipt(typed) == "ABCD-2345-WXYZ"


def test_confusable_letters_read_as_digits():
    assert normalise_receipt("1O0I-L111-AAAA") == "1001-1111-AAAA"
    assert normalise_receipt("oiLl-0000-0000") == "0111-0000-0000"
    assert normalise_receipt("ABCD-2345-WXYU") is None  # U is not in the alphabet
    assert normalise_receipt("ABCD-2345") is None
    assert normalise_receipt("") is None and normalise_receipt(None) is None


def test_get_shows_the_form(client):
    response = client.get("/receipt")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="receipt_no"' in html and 'method="post"' in html and "csrf_token" in html


def test_before_results_topic_date_and_status_only(client):
    comment = _comment(client)
    comment.created_at_utc = datetime(2014, 10, 10, 1, 30)  # 10:30 JST
    db.session.commit()
    typed = comment.receipt_no.lower().replace("-", "").replace("0", "o").replace("1", "l")
    response = _lookup(client, typed)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert comment.receipt_no in html
    assert "区役所等における行政窓口の在り方" in html  # the topic
    assert "平成26年10月10日（2014年10月10日） 10:30" in html
    assert "受付済" in html
    # nothing else: not the text, not the ward or age
    assert "受付番号で追いかけたいご意見です。" not in html
    assert "北区" not in html and "60代" not in html
    assert "結果の公表後にここに表示されます" in html


def test_status_labels_and_no_reason(client):
    comment = _comment(client)
    comment.status = "hidden"
    comment.hidden_reason = "電話番号が書かれていたため（内部メモ）"
    db.session.commit()
    html = _lookup(client, comment.receipt_no).get_data(as_text=True)
    assert "非公開" in html and "電話番号" not in html and "内部メモ" not in html
    comment.status = "published"
    db.session.commit()
    html = _lookup(client, comment.receipt_no).get_data(as_text=True)
    assert "<strong>公開</strong>" in html


def test_after_results_the_group_and_the_answer(client, topic):
    comment = _comment(client)
    group = OpinionGroup(topic_id=topic("counters").id, title="出張所の手続きをそろえてほしい",
                         summary="出張所ごとに手続きが違い分かりにくいというご意見", answer="手続きの統一を検討します。",
                         response_category="reflect", state="confirmed")
    db.session.add(group)
    db.session.flush()
    comment.opinion_group_id = group.id
    db.session.commit()

    # grouped, but the results are not published yet: nothing of the group shows
    html = _lookup(client, comment.receipt_no).get_data(as_text=True)
    assert "出張所の手続きをそろえてほしい" not in html and "手続きの統一を検討します。" not in html

    consultation = current_consultation()
    consultation.phase = "published"
    consultation.results_published_at_utc = datetime(2014, 11, 20)
    db.session.commit()
    html = _lookup(client, comment.receipt_no).get_data(as_text=True)
    assert "出張所の手続きをそろえてほしい" in html and "手続きの統一を検討します。" in html and "反映する" in html
    assert "受付番号で追いかけたいご意見です。" not in html

    # a group still only proposed (from a workshop board) is not shown as the outcome
    group.state = "proposed"
    db.session.commit()
    html = _lookup(client, comment.receipt_no).get_data(as_text=True)
    assert "出張所の手続きをそろえてほしい" not in html and "含まれていません" in html


def test_wrong_number_is_a_plain_not_found(client):
    response = _lookup(client, "ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "見つかりませんでした" in html and 'name="receipt_no"' in html
    assert 'value="ZZZZ-ZZZZ-ZZZZ"' in html  # typed text kept


@pytest.mark.parametrize("typed,message", [("", "受付番号を入力してください。"), ("12345", "英数字12文字"),
                                           ("<script>alert(1)</script>", "英数字12文字")])
def test_malformed_numbers(client, typed, message):
    response = _lookup(client, typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "<script>alert(1)</script>" not in html
    assert 'aria-invalid="true"' in html


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_LOOKUP="3/minute")
def test_guessing_is_rate_limited(client):
    for _ in range(3):
        assert _lookup(client, "ZZZZ-ZZZZ-ZZZ0").status_code == 404
    limited = _lookup(client, "ZZZZ-ZZZZ-ZZZ1")
    assert limited.status_code == 429
    assert "しばらく受付を止めています" in limited.get_data(as_text=True)
    assert client.get("/receipt").status_code == 200  # reading the form is not limited


def test_home_links_to_the_receipt_page_once_open(client):
    html = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert re.search(r'href="/receipt"', html)


def test_hostile_input_never_breaks_the_page(client):
    from tests.security.test_hostile_input import PAYLOADS

    for payload in PAYLOADS:
        response = _lookup(client, payload)
        # A NUL is refused before any view (400); everything else reaches the look-up.
        assert response.status_code in ((400,) if "\x00" in payload else (404, 422)), payload
        html = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<svg/onload" not in html
    assert client.post("/receipt", data={}).status_code == 422
    assert client.post("/receipt", json={"receipt_no": ["x"]}).status_code == 422
