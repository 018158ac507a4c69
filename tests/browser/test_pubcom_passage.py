"""A citizen selects a passage of 第6章 1 2) ② on the 条文骨子 page, comments on it, and the stored
comment carries that passage; the document page passes axe."""

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, update

from consult.consultation.models import Consultation
from consult.i18n import utcnow
from consult.participation.models import Comment
from tests.browser.a11y import violations

PUBCOM = "jichi-kihon-jorei-h26"
PASSAGE = "解決に向けて合意形成に努める"


def _engine(database_url):
    url = database_url if not database_url.startswith("postgresql://") else \
        database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url)


@pytest.fixture
def open_pubcom(database_url):
    """The seed's pubcom accepting comments now (its H26.10 period is long past)."""
    engine = _engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(Consultation.__table__).where(Consultation.__table__.c.slug == PUBCOM).values(
            comments_open_at_utc=utcnow() - timedelta(days=1), comments_close_at_utc=utcnow() + timedelta(days=7)))
    engine.dispose()
    return database_url


def test_select_a_passage_and_comment_on_it(open_pubcom, server, desktop):
    page = desktop
    page.goto(server + f"/c/{PUBCOM}/topics/document")
    assert violations(page) == []
    body = page.locator("#ch6-1-2-2 .provision__body")
    assert body.inner_text().startswith("②地域の課題")
    # Select the passage inside ②'s text, as a mouse would.
    page.evaluate("""(passage) => {
        const p = document.querySelector('#ch6-1-2-2 .provision__body');
        const text = p.firstChild, start = text.data.indexOf(passage);
        const range = document.createRange();
        range.setStart(text, start); range.setEnd(text, start + passage.length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        p.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""", PASSAGE)
    button = page.locator("#ch6-1-2-2").get_by_role("link", name="選んだ部分について意見を書く")
    button.wait_for()
    button.click()
    page.wait_for_url("**/topics/document/comment?section=ch6-1-2-2&quote=*")
    assert page.locator("#section").input_value() == "ch6-1-2-2"
    assert page.locator("#quote").input_value() == PASSAGE
    assert violations(page) == []
    page.get_by_label("お住まいの区（または関わりのある区）").select_option("chuo")
    page.get_by_label("区との関わり").select_option("resident")
    page.get_by_role("textbox", name="ご意見").fill("合意形成の進め方を示してほしいです。")
    page.get_by_label("個人情報の取扱いに同意します").check()
    page.get_by_role("button", name="確認画面へ進む").click()
    page.wait_for_selector("text=送信内容の確認")
    assert page.get_by_text(PASSAGE).first.is_visible()
    page.get_by_role("button", name="送信する").click()
    page.wait_for_selector("#receipt-no")

    engine = _engine(open_pubcom)
    with engine.connect() as conn:
        quote = conn.execute(select(Comment.__table__.c.quote)
                             .where(Comment.__table__.c.body == "合意形成の進め方を示してほしいです。")).scalar_one()
    engine.dispose()
    assert quote == PASSAGE
