"""The editing screens and the receipt page in Debian's Chromium: axe (WCAG 2.1 AA), the live
preview script under the real CSP and CSRF, keyboard focus, and reflow at 320 px.

tests/browser keeps one Playwright for the whole session; a second sync Playwright cannot start
in the same thread while it runs, so each test here drives its own Chromium in a worker thread.
"""

import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from openpyxl import Workbook

from consult.auth.services import create_user
from consult.extensions import db
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no
from tests.browser.conftest import ARGS, CHROMIUM, DESKTOP, PHONE, server  # noqa: F401  (server is a fixture)
from tests.browser.a11y import violations

PASSWORD = "a long enough password"


def _in_chromium(body, context_options):
    """Run body(page) in a fresh Chromium, in a thread of its own."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                context = browser.new_context(**context_options, locale="ja-JP")
                body(context.new_page())
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


@pytest.fixture
def desktop():
    return lambda body: _in_chromium(body, DESKTOP)


@pytest.fixture
def phone():
    return lambda body: _in_chromium(body, PHONE)


def _sign_in(page, server, email):
    page.goto(server + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff")


def test_editing_screens_have_no_axe_violations(app, topic, server, desktop):  # noqa: F811
    create_user("editor@example.jp", "secretariat", PASSWORD)
    section = topic("counters").sections[1]
    proposal = topic("counters").proposals[0]
    section_id, proposal_id, anchor = section.id, proposal.id, section.anchor
    desktop(lambda page: _editing_screens(page, server, section_id, proposal_id, anchor))


def _editing_screens(page, server, section_id, proposal_id, anchor):
    _sign_in(page, server, "editor@example.jp")

    # A revision through the form, so that history and diff have something to show.
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/sections/{section_id}")
    body = page.get_by_role("textbox", name="本文（Markdown）")
    body.fill(body.input_value().replace("出張所", "支所") + "\n\n**追加の段落**")
    page.get_by_role("button", name="新しい版として保存する").click()
    page.wait_for_url(f"**/staff/c/kumamoto-ward-offices-h26/topics/counters#section-{section_id}")
    assert "第2版として保存しました" in page.content()

    found = {}
    for lang, path in [(lang, path) for lang in ("en", "ja") for path in ["/staff/c/kumamoto-ward-offices-h26/content", "/staff/c/kumamoto-ward-offices-h26/settings", "/staff/c/kumamoto-ward-offices-h26/meetings",
                 "/staff/c/kumamoto-ward-offices-h26/phase", "/staff/c/kumamoto-ward-offices-h26/topics/counters",
                 "/staff/c/kumamoto-ward-offices-h26/topics/counters/settings", "/staff/c/kumamoto-ward-offices-h26/topics/counters/sections/new",
                 f"/staff/c/kumamoto-ward-offices-h26/sections/{section_id}", f"/staff/c/kumamoto-ward-offices-h26/sections/{section_id}/history",
                 f"/staff/c/kumamoto-ward-offices-h26/sections/{section_id}/diff?a=1&b=2",
                 f"/staff/c/kumamoto-ward-offices-h26/sections/{section_id}/revisions/1",
                 f"/staff/c/kumamoto-ward-offices-h26/proposals/{proposal_id}", "/staff/c/kumamoto-ward-offices-h26/wards",
                 "/staff/c/kumamoto-ward-offices-h26/import", f"/c/kumamoto-ward-offices-h26/topics/counters/sections/{anchor}/history", "/receipt"]]:
        page.goto(f"{server}/lang?lang={lang}&next={quote(path)}")
        problems = violations(page)
        if problems:
            found[f"{lang} {path}"] = problems

    # Forms with errors, and an import preview with row errors.
    page.goto(server + "/staff/c/kumamoto-ward-offices-h26/phase")
    page.get_by_role("textbox", name="締切日時（日本時間）").first.fill("2030-10-01T09:00")
    page.locator("#open_at").fill("2030-10-31T17:00")
    page.get_by_role("button", name="受付期間を保存する").click()
    assert "締切日時は受付開始日時より後にしてください。" in page.content()
    if violations(page):
        found["period with errors"] = violations(page)

    wb = Workbook()
    wb.active.append(["審議事項", "見出し", "本文"])
    wb.active.append(["9", "", "本文"])
    data = io.BytesIO()
    wb.save(data)
    page.goto(server + "/staff/c/kumamoto-ward-offices-h26/import")
    page.locator("#file").set_input_files(files=[{"name": "bad.xlsx", "mimeType": "application/octet-stream",
                                                         "buffer": data.getvalue()}])
    page.get_by_role("button", name="アップロードして確認する").click()
    assert "何も保存していません" in page.content()
    if violations(page):
        found["import with errors"] = violations(page)
    assert found == {}


def test_live_preview_runs_under_the_csp(app, server, desktop):  # noqa: F811
    create_user("preview@example.jp", "admin", PASSWORD)
    desktop(lambda page: _live_preview(page, server))


def _live_preview(page, server):
    _sign_in(page, server, "preview@example.jp")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/staff/c/kumamoto-ward-offices-h26/topics/roles/sections/new")
    page.get_by_role("textbox", name="本文（Markdown）").fill("**ライブ**プレビュー\n\n<script>alert(1)</script>")
    page.wait_for_selector("#body-preview strong", timeout=5000)
    html = page.inner_html("#body-preview")
    assert "<strong>ライブ</strong>" in html and "<script" not in html
    assert errors == []


def test_receipt_lookup_by_keyboard_on_a_phone(app, topic, server, phone):  # noqa: F811
    comment = Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code="chuo", relation="resident",
                      body="本文は表示されない", status="pending")
    db.session.add(comment)
    db.session.commit()
    receipt_no = comment.receipt_no
    phone(lambda page: _receipt(page, server, receipt_no))


def _receipt(page, server, receipt_no):
    page.goto(server + "/receipt")
    field = page.locator("#receipt_no")
    field.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type(receipt_no.lower().replace("-", ""))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=受付済")
    assert "本文は表示されない" not in page.content()
    assert violations(page) == []
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1] + 1

    page.locator("#receipt_no").fill("ZZZZ-ZZZZ-ZZZZ")
    page.get_by_role("button", name="確認する").click()
    page.wait_for_selector("text=見つかりませんでした")
    assert violations(page) == []
