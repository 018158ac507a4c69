"""Issue 16's done-when, in Debian's Chromium against gunicorn on loopback: on the demo data
(`flask demo-data`, as `make setup` leaves it), the secretariat runs the text analysis in the browser,
sees the map and a group's ward split, accepts two groups into opinion groups and confirms them,
runs the votes analysis and sees the vote groups and consensus proposals, then finds both in the
review document (axe on it); once the results are public, the vote groups are on the results page.

The runs are done by a process of their own (analysis/jobs.py), as in production's embedded default.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from consult.analysis.models import AnalysisRun
from consult.auth.services import create_user
from consult.consultation.models import Consultation
from consult.extensions import db
from tests.browser.a11y import violations
from tests.browser.staff import PASSWORD, sign_in

SLUG = "kumamoto-ward-offices-h26"
RUN_TIMEOUT = 180_000  # ms: a run's process loads the tokeniser, then analyses the demo's 240 comments


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo-data", "--no-staff"])  # the defaults `make setup` uses
    assert result.exit_code == 0, result.output
    create_user("bunseki@example.jp", "secretariat", PASSWORD)
    db.session.remove()



def start_run(page, kind_label: str) -> int:
    page.get_by_label("分析の種類").select_option(label=kind_label)
    page.get_by_role("button", name="分析を始める").click()
    page.wait_for_url(re.compile(r"/analysis/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_analyse_accept_and_find_it_in_the_review_document(demo, server, desktop):
    page = desktop
    page.set_default_timeout(15_000)
    sign_in(page, server, "bunseki@example.jp")
    page.get_by_role("link", name="区役所等の在り方の基本的な考え方（中間取りまとめ）へのご意見").click()
    page.get_by_role("link", name=re.compile("^ご意見の分析")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ご意見の分析")

    # 1. The text run: the page refreshes itself every 3 s until it is done.
    text_run = start_run(page, "文章からグループを提案")
    expect(page.get_by_role("heading", name="ご意見の分布図")).to_be_visible(timeout=RUN_TIMEOUT)
    expect(page.locator(".chart-scroll svg")).to_be_visible()
    assert page.locator(".chart-scroll svg a").count() > 100  # a dot per comment, each a link
    # A group's ward split, beside the whole input's.
    first = page.locator("#g-1")
    first.locator(":scope > details > summary").click()
    wards = first.locator(":scope > details table").filter(has=page.locator("caption", has_text=re.compile("^区$")))
    expect(wards).to_be_visible()
    expect(wards.locator("tbody tr").first).to_contain_text(re.compile("中央区|東区|西区|南区|北区|熊本市外|回答しない"))

    # 2. Accept two suggestions; open each proposed opinion group and confirm it, as staff do.
    titles = []
    for key in ("1", "2"):
        titles.append(page.locator(f"#g-{key}-h span[lang=ja]").inner_text())
        page.locator(f"#g-{key} > .button-row").get_by_role("button", name="意見グループ案として採用").click()
        expect(page.locator(".flash")).to_contain_text("提案を採用し、意見グループ案を")
        expect(page.locator(f"#g-{key} > p", has_text="採用済み")).to_be_visible()
    for key, title in zip(("1", "2"), titles):
        page.locator(f"#g-{key} > p").get_by_role("link", name="意見グループ案を開く").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.get_by_role("button", name="このまま確定する").click()
        expect(page.locator(".flash")).to_contain_text(f"意見グループ「{title}」を確定しました。")
        page.goto(f"{server}/staff/c/{SLUG}/analysis/{text_run}")

    # 3. The votes run: its groups and the proposals every group agrees with.
    page.goto(f"{server}/staff/c/{SLUG}/analysis")
    votes_run = start_run(page, "賛否からグループを見る")
    expect(page.get_by_role("heading", name="どのグループでも賛成が多い提案")).to_be_visible(timeout=RUN_TIMEOUT)
    consensus = page.locator("h2#consensus + ul > li")
    assert consensus.count() >= 1
    expect(page.get_by_role("heading", name=re.compile("^グループA"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^グループB"))).to_be_visible()
    agreed = consensus.first.inner_text()

    # 4. The review document: both accepted groups with their run, and the vote-group section.
    page.goto(f"{server}/staff/c/{SLUG}")
    page.get_by_role("link", name="検討会資料（市民意見の集計）").first.click()
    document = page.locator("article.document")
    for title in titles:
        expect(document.get_by_text(title, exact=True).first).to_be_visible()
    expect(document.get_by_text(f"（分析 #{text_run} の提案から作成。").first).to_be_visible()
    section = document.locator("section", has=page.get_by_role("heading", name="賛否によるグループ（参考）"))
    expect(section).to_contain_text(f"分析 #{votes_run}、")
    expect(section.get_by_role("table", name="賛否によるグループの人数と区別の内訳（人）")).to_be_visible()
    expect(section.get_by_role("table", name="どのグループでも賛成が多い提案とグループごとの賛成の割合")).to_contain_text(agreed)
    assert violations(page) == []

    # 5. Once the results are public, the vote groups are on the results page (no staff link).
    db.session.execute(update(Consultation).where(Consultation.slug == SLUG).values(phase="closed"))
    db.session.commit()
    run = db.session.scalar(select(AnalysisRun).where(AnalysisRun.id == votes_run))
    page.goto(f"{server}/c/{SLUG}/results")
    public = page.locator("section#vote-groups")
    expect(public).to_contain_text(f"対象 {run.input_count} 人")
    expect(public).to_contain_text(agreed)
    assert public.locator("a[href*='/staff/']").count() == 0 and public.locator("svg").count() == 0
    assert violations(page) == []
