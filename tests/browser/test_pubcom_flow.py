"""A public comment from start to result, in Chromium: the secretariat creates it and imports its
条文骨子, a citizen comments on a selected passage of 第6章 1 2) ②, staff enter a FAX opinion (with the
submitter in the 受付台帳) and an opinion voiced at a 地域説明会, group and answer them, revise the
provision and publish; the public result shows the table and the marked change, and never the
submitter's name."""

import tomllib
from datetime import timedelta

from sqlalchemy import create_engine, select, update

from consult.auth.services import create_user
from consult.consultation.models import Consultation
from consult.i18n import utcnow
from consult.participation.models import Comment
from consult.pubcom.provisions import outline_text
from consult.seed.loader import DATA_DIR
from tests.browser.a11y import violations
from tests.browser.staff import PASSWORD, sign_in

SLUG = "pc-browser"
PASSAGE = "解決に向けて合意形成に努める"
SUBMITTER = "布告花子"


def _engine(database_url):
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1) \
        if database_url.startswith("postgresql://") else database_url
    return create_engine(url)



def _submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_a_public_comment_from_creation_to_its_result(app, database_url, server, desktop):
    create_user("pubcom-staff@example.jp", "secretariat", PASSWORD)
    page = desktop
    page.set_default_timeout(15_000)
    sign_in(page, server, "pubcom-staff@example.jp")

    # Create it in the browser and import its document.
    page.get_by_role("link", name="新しい意見募集を作る").click()
    page.locator("input[name=kind][value=pubcom]").check()
    page.locator("#slug").fill(SLUG)
    page.locator("#title").fill("自治基本条例の改正案への意見（ブラウザ試験）")
    _submit(page, "作る")
    assert page.url.endswith(f"/staff/c/{SLUG}/")
    assert violations(page) == []
    page.get_by_role("link", name="条文骨子（案）の本文と取り込み").click()
    with open(DATA_DIR / "ordinance.toml", "rb") as fh:
        text = outline_text(tomllib.load(fh))
    page.locator("#title").fill("改正条文骨子（案）")
    page.locator("#document").fill(text)
    _submit(page, "取り込む")
    assert "条文骨子を取り込みました" in page.content()
    assert violations(page) == []

    # Open it (its period from yesterday to next week).
    engine = _engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(Consultation.__table__).where(Consultation.__table__.c.slug == SLUG).values(
            phase="open", premoderation=False, comments_open_at_utc=utcnow() - timedelta(days=1),
            comments_close_at_utc=utcnow() + timedelta(days=7)))

    # A citizen selects a passage of ② and comments on exactly that.
    page.goto(f"{server}/c/{SLUG}/topics/document")
    page.evaluate("""(passage) => {
        const p = document.querySelector('#ch6-1-2-2 .provision__body');
        const text = p.firstChild, start = text.data.indexOf(passage);
        const range = document.createRange();
        range.setStart(text, start); range.setEnd(text, start + passage.length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        p.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""", PASSAGE)
    page.locator("#ch6-1-2-2").get_by_role("link", name="選んだ部分について意見を書く").click()
    page.wait_for_url("**/topics/document/comment?section=ch6-1-2-2&quote=*")
    page.get_by_label("お住まいの区（または関わりのある区）").select_option("chuo")
    page.get_by_label("区との関わり").select_option("resident")
    page.get_by_role("textbox", name="ご意見").fill("合意形成の手順を条文に書いてほしい。")
    page.get_by_label("個人情報の取扱いに同意します").check()
    _submit(page, "確認画面へ進む")
    _submit(page, "送信する")
    page.wait_for_selector("#receipt-no")

    # Staff: a FAX with the submitter's name and address, then a briefing and what was said there.
    page.goto(f"{server}/staff/c/{SLUG}/register/new")
    page.locator("#channel").select_option("fax")
    page.locator("#received_on").fill("2014-10-20")
    page.locator("#name").fill(SUBMITTER)
    page.locator("#address").fill("熊本市中央区手取本町1-1")
    page.locator("#ward").select_option("chuo")
    page.locator("#provision-1").select_option("ch6-1-2-2")
    page.locator("#opinion-1").fill("合意形成には時間をかけてほしい。")
    _submit(page, "登録して受付番号を付ける")
    assert SUBMITTER in page.content() or "受付番号" in page.content()
    page.goto(f"{server}/staff/c/{SLUG}/briefings")
    page.locator("#ward").select_option("higashi")
    page.locator("#title").fill("東区説明会")
    page.locator("#venue").fill("東区役所")
    page.locator("#starts_at").fill("2014-10-15T19:00")
    page.locator("#attendance").fill("32")
    _submit(page, "登録する")
    assert violations(page) == []
    if "/briefings/" not in page.url:  # from the list to the briefing's own page
        page.get_by_role("link", name="東区説明会").click()
    page.locator("#provision").select_option("ch6-1-2-2")
    page.locator("#lines").fill("地域で話し合う場を増やしてほしい。")
    page.locator("form:has(#lines) button[type=submit]").click()
    page.wait_for_load_state()
    assert "地域で話し合う場を増やしてほしい。" in page.content()

    # Group the three on ② and answer: 一部反映.
    page.goto(f"{server}/staff/c/{SLUG}/groups/new")
    value = page.evaluate("""() => [...document.querySelectorAll('#section option')]
        .find(o => o.textContent.trim().startsWith('第6章 1 2) ②')).value""")
    page.locator("#section").select_option(value)
    page.locator("#title").fill("合意形成の進め方")
    page.locator("#summary").fill("合意形成の手順と話し合いの場を求めるご意見です。")
    page.locator("#answer").fill("話し合いの場を設けることを条文に加えます。")
    page.locator("#response_category").select_option("partly")
    _submit(page, "保存する")
    group_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    with engine.begin() as conn:
        comments = Comment.__table__
        conn.execute(update(comments).where(comments.c.body.in_([
            "合意形成の手順を条文に書いてほしい。", "合意形成には時間をかけてほしい。", "地域で話し合う場を増やしてほしい。"]))
            .values(opinion_group_id=group_id, status="published"))

    # Revise ② as answered, then publish.
    page.goto(f"{server}/staff/c/{SLUG}/document")
    revised = text.replace("合意形成に努める", "話し合いの場を設けて合意形成に努める")
    page.locator("#document").fill(revised)
    page.locator("#note").fill("意見を受けて修正")
    _submit(page, "取り込む")
    with engine.begin() as conn:
        conn.execute(update(Consultation.__table__).where(Consultation.__table__.c.slug == SLUG)
                     .values(phase="published", results_published_at_utc=utcnow()))
        kinds = conn.execute(select(Comment.__table__.c.channel).where(
            Comment.__table__.c.opinion_group_id == group_id)).scalars().all()
    engine.dispose()
    assert sorted(kinds) == ["briefing", "fax", "web"]

    # The public result: the table, the marked change, and no submitter.
    page.goto(f"{server}/c/{SLUG}/results")
    html = page.content()
    assert "合意形成の手順と話し合いの場を求めるご意見です。" in html and "話し合いの場を設けることを条文に加えます。" in html
    assert "一部反映" in html
    assert page.locator("ins").filter(has_text="話し合いの場を設けて").count() >= 1
    assert SUBMITTER not in html and "手取本町" not in html
    assert violations(page) == []
