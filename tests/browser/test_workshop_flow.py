"""A ward workshop end to end in Debian's Chromium, against the app served by gunicorn.

A facilitator (desktop) prepares and opens a workshop; two participants (phones, 390×844) join
with the code, post notes and spend dots; the projector shows them without reloading; the
facilitator types in paper notes, groups notes into themes on the KJ board and closes the
workshop; the phones are told, and the secretariat finds the proposed opinion groups.
axe (WCAG 2.1 A/AA) checks every workshop page in Japanese and English, and a participant posts
a note and spends a dot with the keyboard only.
"""

import re

import pytest
from playwright.sync_api import expect

from consult.auth.services import create_user
from tests.browser.a11y import record, violations
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.staff import PASSWORD, sign_in



@pytest.fixture
def open_page(browser):
    """open_page("phone" | "desktop") → a page in a browser context of its own (its own cookies)."""
    contexts = []

    def new(kind: str = "phone"):
        context = browser.new_context(**(PHONE if kind == "phone" else DESKTOP), locale="ja-JP")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()



def submit(page, locator, key=None):
    """Click (or press `key` in) `locator` and wait for the page it leads to."""
    with page.expect_navigation():
        locator.press(key) if key else locator.click()


# --- accessibility ------------------------------------------------------------------------------

# Japanese text whose element, or nearest ancestor with a lang, is not Japanese (WCAG 3.1.2, which axe
# cannot judge). Options, text areas and the page title cannot hold markup, so they are left out.
UNMARKED_JAPANESE = """() => {
  const japanese = /[\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff]/, found = [];  // not the bullet ・
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!japanese.test(node.data) || parent.closest("select, textarea, script, style")) continue;
    const owner = parent.closest("[lang]");
    if (!owner || !owner.lang.startsWith("ja")) found.push(node.data.trim().slice(0, 30));
  }
  return found;
}"""


class Axe:
    """Runs axe on a page and keeps what it found under a name, so that one test reports every page.
    On the English pages it also finds Japanese text not marked lang="ja"."""

    def __init__(self, lang):
        self.lang = lang
        self.found = {}

    def __call__(self, page, name):
        assert page.evaluate("document.documentElement.lang") == self.lang, name
        problems = violations(page)
        if self.lang != "ja":
            unmarked = page.evaluate(UNMARKED_JAPANESE)
            record("workshop-language-of-parts", not unmarked)
            problems += [f"language of parts: {text}" for text in unmarked]
        if problems:
            self.found[name] = problems

    def visit(self, page, url, name):
        page.goto(url)
        self(page, name)

    def errors(self, page, button, name, key=None):
        """Send a form that is wrong, and check the page that says so."""
        submit(page, button, key)
        expect(page.locator(".error-summary")).to_be_visible()
        self(page, name)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_workshop_pages_have_no_axe_violations(app, server, open_page, lang):
    create_user("fac@example.jp", "facilitator", PASSWORD, name="ファシリテーター")
    check = Axe(lang)
    staff = open_page("desktop")
    sign_in(staff, server, "fac@example.jp", lang)

    # The facilitator prepares a workshop: the list, the form (empty, then with errors), the console.
    check.visit(staff, server + "/staff/c/kumamoto-ward-offices-h26/workshops/", "list")
    check.visit(staff, server + "/staff/c/kumamoto-ward-offices-h26/workshops/new", "prepare form")
    staff.locator("#title").fill("")
    check.errors(staff, staff.locator("main form.stack button[type=submit]"), "prepare form with errors")
    staff.locator("#ward").select_option("chuo")
    staff.locator("#title").fill("中央区 検査用ワークショップ")
    staff.locator("#starts_at").fill("2014-10-04T10:00")
    staff.locator("#table_count").fill("3")
    staff.locator("#dots_per_participant").fill("2")
    submit(staff, staff.locator("main form.stack button[type=submit]"))
    staff.wait_for_url(re.compile(r"/staff/c/kumamoto-ward-offices-h26/workshops/\d+$"))
    console = staff.url
    check(staff, "console (planned)")
    check.visit(staff, console + "/edit", "edit form")
    staff.goto(console)
    submit(staff, staff.locator("form[action$='/open'] button"))
    code = staff.locator(".ws-code").inner_text().strip()
    check(staff, "console (open)")

    # A participant: the code page (empty, unknown code), the table choice (with and without errors),
    # the note form (with and without errors), the dots (and the error of an exhausted budget).
    phone = open_page("phone")
    check.visit(phone, f"{server}/lang?lang={lang}&next=/w/", "code")
    phone.locator("#code").fill("ZZZZZZ")
    check.errors(phone, phone.locator("#code"), "code unknown", key="Enter")
    phone.locator("#code").fill(code.lower())
    submit(phone, phone.locator("#code"), key="Enter")
    phone.wait_for_url(f"**/w/{code}")
    check(phone, "join (table choice)")
    check.errors(phone, phone.locator("form[action$='/join'] button[type=submit]"), "join with errors")
    phone.locator("input[name=table]").first.check()
    submit(phone, phone.locator("form[action$='/join'] button[type=submit]"))
    expect(phone.locator("#body")).to_be_visible()
    check(phone, "note form")
    check.errors(phone, phone.locator("form[action$='/notes'] button[type=submit]"), "note form with errors")
    phone.locator("input[name=topic]").first.check()
    phone.locator("#body").fill("区役所の窓口を土曜日にも開けてほしい")
    submit(phone, phone.locator("form[action$='/notes'] button[type=submit]"))
    expect(phone.locator(".flash")).to_be_visible()
    check(phone, "note form after a note")
    submit(phone, phone.locator("main a[href*='/dots']"))
    check(phone, "dots")
    dot = phone.locator(".ws-target form[action$='/dots'] button").last
    submit(phone, dot)
    submit(phone, dot)
    check.errors(phone, dot, "dots with errors")  # a budget of 2: the third is refused

    # Back to the facilitator: projector, sheets, paper capture, KJ board, closing.
    staff.goto(console + "/projector")
    expect(staff.locator("#pj-code")).to_have_text(code)
    check(staff, "projector")
    check.visit(staff, console + "/sheets", "table sheets")
    check.visit(staff, console + "/paper", "paper")
    check.errors(staff, staff.locator("main form.stack button[type=submit]"), "paper with errors")
    staff.locator("#table").select_option(index=1)
    staff.locator("#topic").select_option(index=1)
    staff.locator("#lines").fill("紙の付箋その一 [3]\n紙の付箋その二")
    submit(staff, staff.locator("main form.stack button[type=submit]"))
    expect(staff.locator("tr[id^=note-]")).to_have_count(2)
    check(staff, "paper with notes")
    submit(staff, staff.locator("tr[id^=note-] a").first)
    check(staff, "paper note edit")
    check.visit(staff, console + "/board", "KJ board")
    check.errors(staff, staff.locator("form[action$='/themes'] button"), "KJ board with errors")
    staff.locator("#name").fill("窓口の時間")
    staff.locator("#topic").select_option(index=1)
    submit(staff, staff.locator("form[action$='/themes'] button"))
    expect(staff.locator(".ws-zone:not(.ws-zone--unsorted)")).to_have_count(1)
    check(staff, "KJ board with a theme")
    phone.goto(f"{server}/w/{code}")  # the note form stays open on the phone while the workshop closes
    check.visit(staff, console + "/close", "close")
    submit(staff, staff.locator("form[action$='/close'] button"))
    staff.wait_for_url(console)
    check(staff, "console (closed)")
    check.visit(staff, console + "/board", "KJ board (closed)")
    check.visit(staff, console + "/projector", "projector (closed)")

    # The participant's note form, sent after the close, and the page afterwards.
    phone.locator("input[name=topic]").first.check()
    phone.locator("#body").fill("閉じた後の付箋")
    submit(phone, phone.locator("form[action$='/notes'] button[type=submit]"))
    expect(phone.locator(".ws-kept")).to_have_text("閉じた後の付箋")
    check(phone, "closed, with the note not sent")
    check.visit(phone, f"{server}/w/{code}", "closed")
    assert check.found == {}


# --- the flow -----------------------------------------------------------------------------------

TOPIC1 = "審議事項1：区役所・本庁の責務、役割"
POLL = 10_000  # the projector polls every 3 s


def join_by_code(page, server, code, table):
    page.goto(server + "/w/")
    page.get_by_label("参加コード（6文字）").fill(code.lower())  # not case-sensitive
    page.get_by_role("button", name="参加する").click()
    page.wait_for_url(f"**/w/{code}")
    page.get_by_label(table, exact=True).check()
    page.get_by_role("button", name="参加する").click()
    expect(page.locator(".ws-status")).to_contain_text(f"テーブル：{table}")


def post_note(page, body):
    page.get_by_role("radio", name=TOPIC1).check()
    page.get_by_label("付箋の内容").fill(body)
    page.get_by_role("button", name="付箋を送る").click()
    expect(page.locator(".flash")).to_contain_text("付箋を送りました（受付番号")


def spend_dot(page, body):
    page.locator(".ws-target", has_text=body).get_by_role("button", name=re.compile("^ドットを貼る")).click()


def test_a_workshop_from_preparation_to_closing(app, server, open_page):
    create_user("fac@example.jp", "facilitator", PASSWORD, name="ファシリテーター")
    create_user("sec@example.jp", "secretariat", PASSWORD, name="事務局")

    # The facilitator prepares a workshop of three tables and two dots each, and opens it.
    staff = open_page("desktop")
    sign_in(staff, server, "fac@example.jp")
    staff.goto(server + "/staff/c/kumamoto-ward-offices-h26/workshops/")
    staff.get_by_role("link", name="ワークショップを準備する").click()
    staff.get_by_label("開催する区").select_option(label="中央区")
    staff.get_by_label("名称").fill("中央区 夜のワークショップ")
    staff.get_by_label("会場").fill("中央区役所 大会議室")
    staff.get_by_label("開始日時（日本時間）").fill("2014-10-04T18:00")
    staff.get_by_label("テーブル数").fill("3")
    staff.get_by_label("1人あたりのドット数").fill("2")
    staff.get_by_role("button", name="保存する").click()
    expect(staff.locator(".flash")).to_have_text("ワークショップ「中央区 夜のワークショップ」を作りました。")
    expect(staff.locator("h1 .ws-state")).to_have_text("準備中")
    console = staff.url
    staff.get_by_role("button", name="開始する（参加コードを発行）").click()
    expect(staff.locator("h1 .ws-state")).to_have_text("開催中")
    code = staff.locator(".ws-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{6}", code)
    expect(staff.locator(".flash")).to_contain_text(f"参加コードは {code} です")
    expect(staff.get_by_role("img", name="参加用QRコード")).to_be_visible()
    assert staff.locator(".ws-join__qr svg path").count() > 0

    # The projector, in a second window of the facilitator; it must never reload.
    projector = staff.context.new_page()
    projector.goto(console + "/projector")
    expect(projector.locator("#pj-code")).to_have_text(code)
    expect(projector.get_by_role("img", name="参加用QRコード")).to_be_visible()
    expect(projector.locator("#pj-participants")).to_have_text("0")
    projector.evaluate("window.loadedOnce = true")

    # Two participants join on their phones and post notes.
    alice, bob = open_page("phone"), open_page("phone")
    join_by_code(alice, server, code, "テーブル1")
    join_by_code(bob, server, code, "テーブル2")
    expect(alice.locator("#dots-left")).to_have_text("ドット：残り2個（全2個）")
    post_note(alice, "区役所の窓口を土曜日にも開けてほしい")
    post_note(bob, "出張所の手続きを増やしてほしい")
    expect(bob.get_by_role("heading", name="送った付箋（1枚）")).to_be_visible()

    column = projector.locator(".pj-col", has_text="審議事項1")
    expect(column.locator(".pj-notes")).to_contain_text("区役所の窓口を土曜日にも開けてほしい", timeout=POLL)
    expect(column.locator(".pj-notes")).to_contain_text("出張所の手続きを増やしてほしい", timeout=POLL)
    expect(projector.locator("#pj-participants")).to_have_text("2", timeout=POLL)
    expect(projector.locator("#pj-notes")).to_have_text("2")

    # Dots: Alice spends both of hers on Bob's note, and a third is refused; Bob spends one.
    alice.get_by_role("link", name="付箋や提案にドットを貼る").click()
    spend_dot(alice, "出張所の手続きを増やしてほしい")
    expect(alice.locator(".flash")).to_have_text("ドットを貼りました。残りは1個です。")
    spend_dot(alice, "出張所の手続きを増やしてほしい")
    expect(alice.locator(".flash")).to_have_text("ドットを貼りました。残りは0個です。")
    expect(alice.locator(".ws-target", has_text="出張所の手続き").locator(".ws-mydots")).to_contain_text("あなたのドット：2個")
    spend_dot(alice, "区役所の窓口を土曜日にも開けてほしい")
    expect(alice.locator(".error-summary")).to_contain_text("ドットはもう残っていません")
    expect(alice.locator("#dots-left")).to_have_text("ドット：残り0個（全2個）")
    bob.get_by_role("link", name="付箋や提案にドットを貼る").click()
    spend_dot(bob, "区役所の窓口を土曜日にも開けてほしい")
    expect(bob.locator(".flash")).to_have_text("ドットを貼りました。残りは1個です。")

    expect(projector.locator("#pj-dots")).to_have_text("3", timeout=POLL)
    expect(column.locator(".pj-note", has_text="出張所の手続き").locator(".pj-note__dots")).to_have_text("ドット2")
    expect(column.locator(".pj-note", has_text="土曜日").locator(".pj-note__dots")).to_have_text("ドット1")
    expect(column).to_contain_text("付箋2・ドット3")
    expect(projector.locator("#pj-top li").first).to_contain_text("出張所の手続きを増やしてほしい")

    # Paper sticky notes, with the [n] tally of their paper dots.
    staff.goto(console)
    staff.get_by_role("link", name="紙の付箋を入力する").click()
    staff.get_by_label("テーブル").select_option(label="テーブル3")
    staff.get_by_label("審議事項").select_option(label=TOPIC1)
    staff.get_by_label("付箋の内容（1行に1枚）").fill(
        "窓口の案内をわかりやすく [3]\n・支所を残してほしい ［２］\n\n駐車場を広くしてほしい")
    staff.get_by_role("button", name="登録する").click()
    expect(staff.locator(".flash")).to_have_text("紙の付箋を3枚登録しました。")
    rows = staff.locator("tr[id^=note-]")
    expect(rows).to_have_count(3)
    assert {rows.nth(i).locator("td.ws-body").inner_text(): rows.nth(i).locator("td.num").inner_text()
            for i in range(3)} == {"窓口の案内をわかりやすく": "3", "支所を残してほしい": "2", "駐車場を広くしてほしい": "0"}
    expect(column.locator(".pj-note--paper")).to_have_count(3, timeout=POLL)
    expect(column.locator(".pj-note", has_text="窓口の案内").locator(".pj-note__table")).to_have_text("テーブル3（紙）")
    expect(projector.locator("#pj-notes")).to_have_text("5")
    expect(projector.locator("#pj-dots")).to_have_text("8")
    expect(projector.locator("#pj-top li").first).to_contain_text("窓口の案内をわかりやすく")

    # The KJ board: two themes; one note dragged onto a theme, one placed with its select (the
    # keyboard / no-JS way), which must leave the dragged note where it was dropped.
    staff.goto(console + "/board")
    for name in ("窓口の時間と案内", "支所と出張所"):
        staff.locator(".ws-new-theme").get_by_label("テーマの名前").fill(name)
        staff.locator(".ws-new-theme").get_by_label("審議事項").select_option(label=TOPIC1)
        staff.locator(".ws-new-theme").get_by_role("button", name="テーマを作る").click()
        expect(staff.locator(".flash")).to_have_text(f"テーマ「{name}」を作りました。")
    times = staff.locator(".ws-zone", has=staff.get_by_role("heading", name=re.compile("^窓口の時間と案内")))
    branches = staff.locator(".ws-zone", has=staff.get_by_role("heading", name=re.compile("^支所と出張所")))
    unsorted = staff.locator(".ws-zone--unsorted").first
    expect(unsorted.locator(".ws-card")).to_have_count(5)
    staff.locator(".ws-card", has_text="区役所の窓口を土曜日").drag_to(times)
    expect(staff.locator("#board-status")).to_have_text("「区役所の窓口を土曜日にも開けてほしい」を「窓口の時間と案内」に移しました。")
    expect(times.locator(".ws-card")).to_have_count(1)
    expect(times.locator("[data-zone-count]")).to_have_text("1枚")
    expect(unsorted.locator("[data-zone-count]")).to_have_text("4枚")
    staff.locator(".ws-card", has_text="支所を残してほしい").get_by_label("テーマ").select_option(label="支所と出張所")
    staff.get_by_role("button", name="振り分けを保存する").first.click()
    expect(staff.locator(".flash")).to_have_text("1枚の付箋をテーマに振り分けました。")
    expect(times.locator(".ws-card")).to_have_text([re.compile("区役所の窓口を土曜日にも開けてほしい")])
    expect(branches.locator(".ws-card")).to_have_text([re.compile("支所を残してほしい")])
    expect(unsorted.locator(".ws-card")).to_have_count(3)

    # Closing: the facilitator sees what will be handed over, then closes.
    staff.goto(console)
    staff.get_by_role("link", name="ワークショップを終了する").click()
    expect(staff.locator(".figures")).to_contain_text("参加者2")
    expect(staff.locator(".figures")).to_contain_text("付箋5")
    expect(staff.locator(".figures")).to_contain_text("ドット8")
    expect(staff.get_by_text("テーマは、意見のまとまりの案として事務局に渡ります（2件）。")).to_be_visible()
    alice.goto(f"{server}/w/{code}")  # her note form is open while the facilitator closes
    staff.get_by_role("button", name="終了する", exact=True).click()
    expect(staff.locator(".flash")).to_have_text(
        "ワークショップを終了しました。2件のテーマを、意見のまとまりの案として事務局に渡しました。")
    expect(staff.locator("h1 .ws-state")).to_have_text("終了")

    # The phones are told, and nothing more is accepted.
    alice.get_by_role("radio", name=TOPIC1).check()
    alice.get_by_label("付箋の内容").fill("閉じた後の付箋")
    alice.get_by_role("button", name="付箋を送る").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("このワークショップは終了しました")
    expect(alice.locator(".ws-kept")).to_have_text("閉じた後の付箋")
    spend_dot(bob, "出張所の手続きを増やしてほしい")
    expect(bob.get_by_role("heading", level=1)).to_have_text("このワークショップは終了しました")
    bob.goto(f"{server}/w/{code}")
    expect(bob.get_by_role("heading", level=1)).to_have_text("このワークショップは終了しました")
    expect(bob.locator("form")).to_have_count(0)

    # The projector learnt it all by polling, without one reload.
    expect(projector.locator("#pj-state")).to_have_text("このワークショップは終了しました。", timeout=POLL)
    expect(projector.locator("#pj-notes")).to_have_text("5")
    # Nobody may join a closed workshop: its code and QR have left the screen.
    expect(projector.locator("#pj-code")).to_have_count(0)
    expect(projector.get_by_role("img", name="参加用QRコード")).to_have_count(0)
    assert projector.evaluate("window.loadedOnce === true")
    assert projector.evaluate("performance.getEntriesByType('navigation').length") == 1

    # The secretariat finds the two themes as proposed opinion groups of topic 1.
    secretariat = open_page("desktop")
    sign_in(secretariat, server, "sec@example.jp")
    secretariat.goto(server + "/staff/c/kumamoto-ward-offices-h26/groups")
    for name, notes in (("窓口の時間と案内", "1"), ("支所と出張所", "1")):
        row = secretariat.locator("tr", has=secretariat.get_by_role("link", name=name, exact=True))
        expect(row).to_contain_text("ワークショップのテーマから：中央区 夜のワークショップ")
        expect(row).to_contain_text("提案（確認待ち）")
        expect(row.locator("td.num").first).to_have_text(notes)


# --- keyboard only --------------------------------------------------------------------------------

def tab_to(page, selector, key="Tab", limit=60):
    """Press Tab (or Shift+Tab) until the focus is on `selector`; assert the focus is visible there."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            break
    else:
        raise AssertionError(f"{selector} is not reachable with {key}")
    outline = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
    assert outline[0] != "none" and outline[1] >= 2, f"no visible focus on {selector}: {outline}"


def test_a_participant_posts_a_note_and_spends_a_dot_with_the_keyboard_only(app, server, open_page):
    from sqlalchemy import select

    from consult.extensions import db
    from consult.workshops import services as ws
    from consult.workshops.models import Workshop

    workshop = db.session.scalar(select(Workshop).where(Workshop.key == "ws-chuo"))
    ws.open_workshop(workshop, None)
    code = workshop.join_code
    page = open_page("phone")
    passed = False
    try:
        page.goto(f"{server}/w/{code}")  # as the QR code opens it
        # The table: Tab into the radio group, Space picks the first, an arrow moves to the next.
        tab_to(page, "input[name=table]")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.checked && document.activeElement.labels[0].textContent.trim()") \
            == "テーブル2"
        tab_to(page, "form[action$='/join'] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator(".ws-status")).to_contain_text("テーブル：テーブル2")

        # A note.
        tab_to(page, "input[name=topic]")
        page.keyboard.press("Space")
        tab_to(page, "textarea#body")
        page.keyboard.type("手続きを一つの窓口で済ませたい")
        expect(page.locator("#body-counter")).to_have_text("15 / 300文字")
        tab_to(page, "form[action$='/notes'] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_contain_text("付箋を送りました（受付番号")
        expect(page.locator(".ws-my-notes")).to_contain_text("手続きを一つの窓口で済ませたい")

        # A dot on that note: back up to the link to the dots, then forward to the note's button.
        tab_to(page, "a[href$='/dots']", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dots")
        note = page.locator(".ws-target", has_text="手続きを一つの窓口で済ませたい")
        note_id = note.get_attribute("id")
        tab_to(page, f"#{note_id} form[action$='/dots'] button")
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_have_text("ドットを貼りました。残りは2個です。")
        expect(page.locator(f"#{note_id} .ws-mydots")).to_contain_text("あなたのドット：1個")
        expect(page.locator("#dots-left")).to_have_text("ドット：残り2個（全3個）")
        passed = True
    finally:
        record("workshop-phone-keyboard-only", passed)


def test_workshop_pages_do_not_scroll_sideways_at_320_px(app, server, browser):
    """WCAG 1.4.10 reflow: 320 CSS px (1280 px at 400 %), the projector included."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.workshops import services as ws
    from consult.workshops.models import Workshop

    user = create_user("fac@example.jp", "facilitator", PASSWORD)
    workshop = db.session.scalar(select(Workshop).where(Workshop.key == "ws-chuo"))
    workshop.facilitator_id = user.id
    ws.open_workshop(workshop, user)
    ws.add_paper_notes(workshop, {"table": str(workshop.tables[0].id), "topic": str(workshop.topics[0].id),
                                  "lines": "窓口の案内をわかりやすくしてほしい [3]\n支所を残してほしい"}, user)
    ws.create_theme(workshop, {"name": "窓口の案内", "topic": str(workshop.topics[0].id)}, user)
    code, console = workshop.join_code, f"/staff/c/kumamoto-ward-offices-h26/workshops/{workshop.id}"
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="ja-JP")
    page = context.new_page()
    wide = []
    try:
        sign_in(page, server, "fac@example.jp")
        page.goto(f"{server}/w/{code}")
        page.locator("input[name=table]").first.check()
        submit(page, page.locator("form[action$='/join'] button[type=submit]"))
        for path in ["/w/", f"/w/{code}", f"/w/{code}/dots", f"/w/{code}?change=table", "/staff/c/kumamoto-ward-offices-h26/workshops/",
                     "/staff/c/kumamoto-ward-offices-h26/workshops/new", console, console + "/projector", console + "/paper", console + "/board",
                     console + "/close", console + "/sheets", console + "/edit"]:
            page.goto(server + path)
            if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"):
                wide.append(path)
    finally:
        context.close()
    record("workshop-reflow-320", wide == [])
    assert wide == []


def test_the_projector_fits_a_16_9_screen_with_300_notes(app, server, browser, tmp_path):
    """At 1920×1080 the projector needs no scrolling with 300 notes and shows the themes."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.workshops import services as ws
    from consult.workshops.models import Workshop

    user = create_user("fac-pj@example.jp", "facilitator", PASSWORD)
    workshop = db.session.scalar(select(Workshop).where(Workshop.key == "ws-chuo"))
    workshop.facilitator_id = user.id
    ws.open_workshop(workshop, user)
    for i, topic in enumerate(workshop.topics):
        for t, table in enumerate(workshop.tables):
            lines = "\n".join(f"テーブル{t + 1}の付箋{n}：区役所の窓口と出張所の役割についての意見です [{n % 4}]"
                              for n in range(300 // (len(workshop.topics) * len(workshop.tables)) + 1))
            ws.add_paper_notes(workshop, {"table": str(table.id), "topic": str(topic.id), "lines": lines}, user)
        ws.create_theme(workshop, {"name": f"テーマ{i + 1}：窓口の案内", "topic": str(topic.id)}, user)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ja-JP")
    page = context.new_page()
    try:
        sign_in(page, server, "fac-pj@example.jp")
        page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/workshops/{workshop.id}/projector")
        page.wait_for_timeout(500)
        page.screenshot(path=str(tmp_path / "projector-1920.png"))  # to look at when it fails
        assert int(page.locator("#pj-notes").inner_text()) >= 300
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 1080, height
        assert page.locator(".pj-themes li").count() == len(workshop.topics)
        assert page.locator(".pj-themes").is_visible()
    finally:
        context.close()
