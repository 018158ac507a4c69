"""axe-core (WCAG 2.1 A and AA rules) on every public page: in Japanese, in English, and in
やさしい日本語 with furigana (the staff's easy versions of every topic, section and proposal shown)."""

import pytest
from sqlalchemy import select

from consult.consultation.models import Proposal, Section, Topic
from consult.extensions import db
from consult.language_versions.models import LanguageVersion
from tests.browser.a11y import record, violations

PUBLIC_PAGES = ["/?all=1", "/c/kumamoto-ward-offices-h26/", "/c/jichi-kihon-jorei-h26/",
                "/c/jichi-kihon-jorei-h26/topics/document", "/c/kumamoto-ward-offices-h26/topics/roles", "/c/kumamoto-ward-offices-h26/topics/counters", "/c/kumamoto-ward-offices-h26/topics/community", "/c/kumamoto-ward-offices-h26/topics/cooperation",
                "/c/kumamoto-ward-offices-h26/topics/counters/comment", "/reference/", "/reference/budgets", "/reference/staff-opinions",
                "/reference/other-cities", "/reference/organisation", "/reference/ordinance", "/privacy",
                "/accessibility", "/login", "/no-such-page"]

# Elements sticking out past the right edge of the window, unless inside a region that scrolls on its own.
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
  }
  return true;
}).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')).slice(0, 5)"""


def _easy_versions():
    """A やさしい日本語 version of every topic, section and proposal, as staff would write them."""
    for topic in db.session.scalars(select(Topic)):
        db.session.add(LanguageVersion(consultation_id=topic.consultation_id, target_type="topic", target_id=topic.id,
                                       language="easy", title=f"{topic.title}（やさしい にほんご）",
                                       body="くやくしょの これからに ついて、みなさんの かんがえを ききます。"))
        for section in db.session.scalars(select(Section).where(Section.topic_id == topic.id)):
            db.session.add(LanguageVersion(consultation_id=topic.consultation_id, target_type="section",
                                           target_id=section.id, language="easy", title="わかりやすい せつめい",
                                           body="これは **だいじな** ところです。\n\n- ひとつめ\n- ふたつめ"))
        for proposal in db.session.scalars(select(Proposal).where(Proposal.topic_id == topic.id)):
            db.session.add(LanguageVersion(consultation_id=topic.consultation_id, target_type="proposal",
                                           target_id=proposal.id, language="easy",
                                           body="くやくしょが じぶんで きめられる ことを ふやします。"))
    db.session.commit()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_public_pages_have_no_axe_violations(app, server, request, lang, screen):
    page = request.getfixturevalue(screen)
    page.goto(f"{server}/lang?lang={'ja' if lang == 'easy' else lang}&next=/c/kumamoto-ward-offices-h26/")
    if lang == "easy":  # やさしい日本語 with furigana, as a reader who needs the one may want the other
        _easy_versions()
        page.goto(f"{server}/easy?on=1&next=/c/kumamoto-ward-offices-h26/")
        page.goto(f"{server}/furigana?on=1&next=/c/kumamoto-ward-offices-h26/")
        page.goto(f"{server}/c/kumamoto-ward-offices-h26/topics/roles")
        assert page.get_by_role("heading", level=1).inner_text().replace("\n", "").endswith("（やさしい にほんご）")
        assert page.locator("main ruby").count() > 0
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(server + path)
        assert page.evaluate("document.documentElement.lang") == ("ja" if lang == "easy" else lang)
        problems = violations(page)
        if problems:
            found[path] = problems
    assert found == {}


def test_form_with_errors_and_confirmation_have_no_violations(server, phone):
    phone.goto(server + "/c/kumamoto-ward-offices-h26/topics/roles/comment")
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
    record("reflow-320", wide == [])
    assert wide == []


def test_nothing_is_cut_off_at_200_percent_zoom(server, browser):
    """WCAG 1.4.4 resize text: a 1280×900 window at 200 % is a 640×450 CSS-pixel viewport at a device
    scale of 2, which is how Chromium zooms; no page scrolls sideways and nothing sticks out."""
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2, locale="ja-JP")
    page = context.new_page()
    broken = {}
    for path in PUBLIC_PAGES:
        page.goto(server + path)
        sticking_out = page.evaluate(OVERFLOWING)
        if sticking_out or page.evaluate("document.documentElement.scrollWidth > innerWidth + 1"):
            broken[path] = sticking_out
    context.close()
    record("zoom-200", broken == {})
    assert broken == {}


def test_charts_say_in_text_what_their_colours_say(server, desktop):
    """WCAG 1.4.1: no colour in a chart is the only carrier of meaning — every colour used for a mark
    appears at least once with a text label right beside it (a bar's value, or a legend entry)."""
    desktop.goto(server + "/reference/budgets")
    charts = desktop.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
      const colours = new Set(), labelled = new Set();
      for (const rect of svg.querySelectorAll('rect[fill]')) {
        const fill = rect.getAttribute('fill').toLowerCase();
        if (['none', '#fff', '#ffffff', 'white'].includes(fill)) continue;
        colours.add(fill);
        const next = rect.nextElementSibling;
        if (next && next.tagName === 'text' && next.textContent.trim()) labelled.add(fill);
      }
      return {role: svg.getAttribute('role'), name: svg.querySelector('title')?.textContent || '',
              unlabelled: [...colours].filter(c => !labelled.has(c)), colours: colours.size};
    })""")
    bare = [c for c in charts if c["unlabelled"] or c["role"] != "img" or not c["name"] or not c["colours"]]
    record("charts-not-colour-only", len(charts) >= 10 and bare == [])
    assert len(charts) >= 10  # two charts per ward
    assert bare == []
