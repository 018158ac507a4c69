"""A citizen in a real browser: read, follow a section link, comment 入力 → 確認 → 完了, vote."""

import re

from tests.browser.a11y import record

RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def vote_then_change(page, key: str, first: str, then: str, *, keyboard: bool = False) -> None:
    """Vote on the proposal, then change the vote; each answer is confirmed on the page."""
    for value, shown in [(first, f"「{first}」で受け付けました"), (then, f"現在：{then}")]:
        form = page.locator(f"#proposal-{key} form")
        if keyboard:
            form.get_by_label(value).focus()
            page.keyboard.press("Space")
            assert form.get_by_label(value).is_checked()
            form.get_by_role("button", name="賛否を送る").focus()
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            form.get_by_label(value).check()
            with page.expect_navigation():
                form.get_by_role("button", name="賛否を送る").click()
        assert shown in (page.content() if value == first else page.locator(f"#proposal-{key}").inner_text())


def test_comment_and_vote_on_a_phone_with_the_keyboard_only(server, phone):
    page = phone
    page.goto(server + "/c/kumamoto-ward-offices-h26/")
    # Keyboard only: Tab to the first topic link and follow it.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip().endswith("区役所・本庁の責務、役割"):
            break
    else:
        raise AssertionError("the topic link is not reachable by keyboard")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/topics/roles")

    # A section link from the table of contents moves to the section.
    page.get_by_role("link", name="主な課題").first.focus()
    page.keyboard.press("Enter")
    assert page.url.endswith("#issues")

    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/roles/comment?section=issues")
    page.get_by_label("お住まいの区（または関わりのある区）").focus()
    page.keyboard.press("ArrowDown")  # 中央区
    page.get_by_label("区との関わり").select_option("commuter")
    page.get_by_role("textbox", name="ご意見").focus()
    page.keyboard.type("区役所の窓口を土曜日にも開けてほしいです。")
    page.get_by_label("個人情報の取扱いに同意します").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="確認画面へ進む").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=送信内容の確認")
    assert page.get_by_text("区役所の窓口を土曜日にも開けてほしいです。").is_visible()
    page.get_by_role("button", name="送信する").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-no")
    assert RECEIPT.fullmatch(page.inner_text("#receipt-no"))

    # Vote, then change the vote; ward and relation are asked only the first time.
    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/roles#proposal-ward-head-authority")
    vote_then_change(page, "ward-head-authority", "賛成", "反対", keyboard=True)
    record("keyboard-comment-and-vote", True)


def test_read_comment_and_vote_on_desktop_with_an_error_then_success(server, desktop):
    page = desktop
    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/counters")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""
    # The table of contents leads to a section, and the section to the comment form for it.
    page.locator("nav.toc").get_by_role("link", name="主な課題").click()
    assert page.url.endswith("#issues")
    page.locator("#issues").get_by_role("link", name="この節に意見を書く").click()
    page.wait_for_url("**/topics/counters/comment?section=issues")

    page.get_by_role("button", name="確認画面へ進む").click()
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("お住まいの区（または関わりのある区）").select_option("kita")
    page.get_by_label("区との関わり").select_option("resident")
    page.get_by_role("textbox", name="ご意見").fill("コンビニで証明書が取れると助かります。")
    page.get_by_label("個人情報の取扱いに同意します").check()
    page.get_by_role("button", name="確認画面へ進む").click()
    assert page.get_by_text("コンビニで証明書が取れると助かります。").is_visible()
    page.get_by_role("button", name="送信する").click()
    assert RECEIPT.fullmatch(page.inner_text("#receipt-no"))

    # Vote and change the vote; the ward given with the comment is remembered.
    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/counters#proposal-weekend-opening")
    assert page.locator("#proposal-weekend-opening form").get_by_label("お住まいの区（または関わりのある区）").count() == 0
    vote_then_change(page, "weekend-opening", "賛成", "どちらともいえない")
