"""axe-core (WCAG 2.1 A and AA rules) on every public page, in Japanese and in English."""

import pytest
from axe_playwright_python.sync_playwright import Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PUBLIC_PAGES = ["/", "/topics/roles", "/topics/counters", "/topics/community", "/topics/cooperation",
                "/topics/counters/comment", "/reference/", "/reference/budgets", "/reference/staff-opinions",
                "/reference/other-cities", "/reference/organisation", "/reference/ordinance", "/privacy",
                "/login", "/no-such-page"]


def violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_public_pages_have_no_axe_violations(server, desktop, lang):
    desktop.goto(f"{server}/lang?lang={lang}&next=/")
    found = {}
    for path in PUBLIC_PAGES:
        desktop.goto(server + path)
        assert desktop.evaluate("document.documentElement.lang") == lang
        problems = violations(desktop)
        if problems:
            found[path] = problems
    assert found == {}


def test_form_with_errors_and_confirmation_have_no_violations(server, phone):
    phone.goto(server + "/topics/roles/comment")
    phone.get_by_role("button", name="確認画面へ進む").click()
    assert violations(phone) == []
    phone.get_by_label("お住まいの区（または関わりのある区）").select_option("chuo")
    phone.get_by_label("区との関わり").select_option("resident")
    phone.get_by_role("textbox", name="ご意見").fill("確認画面の検査です。")
    phone.get_by_label("個人情報の取扱いに同意します").check()
    phone.get_by_role("button", name="確認画面へ進む").click()
    assert violations(phone) == []
    phone.get_by_role("button", name="送信する").click()
    assert violations(phone) == []


def test_no_horizontal_scrolling_at_400_percent_zoom_width(server, browser):
    """WCAG 1.4.10 reflow: at 320 CSS px wide (1280 px at 400 %), pages do not scroll sideways;
    wide tables scroll inside their own region instead."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="ja-JP")
    page = context.new_page()
    wide = []
    for path in PUBLIC_PAGES:
        page.goto(server + path)
        if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"):
            wide.append(path)
    context.close()
    assert wide == []
