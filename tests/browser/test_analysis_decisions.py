"""In the browser, under the real CSP and CSRF: staff count a campaign once, tick two suggestions and
accept them together, open the opinion group and move one comment to another group; the campaign
is marked in moderation and its link lists its members. axe on each page, in both languages."""

import pytest
from sqlalchemy import select

from consult.analysis.models import AnalysisGroup
from consult.auth.services import create_user
from consult.extensions import db
from consult.participation.models import Comment
from consult.secretariat.models import OpinionGroup
from tests.analysis.planted import SLUG, plant_run
from tests.browser.a11y import violations
from tests.browser.test_secretariat_flow import PASSWORD, sign_in


def test_merge_move_and_campaigns_through_the_pages(app, server, desktop):
    p = plant_run()
    other = OpinionGroup(topic_id=p.comments["c1"].topic_id, title="職員のグループ", state="confirmed")
    db.session.add(other)
    db.session.commit()
    create_user("decide@example.jp", "secretariat", PASSWORD)
    page = desktop
    sign_in(page, server, "decide@example.jp")
    run_page = f"{server}/staff/c/{SLUG}/analysis/{p.run.id}"
    page.goto(run_page)
    assert violations(page) == []
    page.get_by_label("同じ文面はまとめて1件と数える").check()
    page.get_by_role("button", name="数え方を変える").click()
    assert "campaigns=once" in page.url
    assert "（1件）" in page.locator("#g-1-1-h").inner_text()
    page.goto(run_page)
    page.get_by_label("グループ1-1をまとめて採用する").check()
    page.get_by_label("グループ2をまとめて採用する").check()
    page.get_by_label("グループ名（空欄なら最初に選んだ提案の見出し語）").fill("待ち時間と出張所")
    page.get_by_role("button", name="選んだ提案をまとめて採用").click()
    assert "意見グループ案を2件作りました" in page.content()
    assert violations(page) == []
    page.locator("#g-1-1").get_by_role("link", name="意見グループ案を開く").click()
    assert page.locator("h1").inner_text() == "待ち時間と出張所"
    assert violations(page) == []
    page.get_by_label(f"{p.comments['c2'].receipt_no}を選ぶ").check()
    page.get_by_label("選んだご意見を移す先").select_option(label="職員のグループ")
    page.get_by_role("button", name="選んだご意見をほかのグループに移す").click()
    assert "1件を「職員のグループ」に振り分けました" in page.content()
    db.session.rollback()  # a fresh read: the server wrote it
    assert db.session.get(Comment, p.comments["c2"].id).opinion_group_id == other.id
    # Moderation: the campaign's members are marked, and the link lists them.
    page.goto(f"{server}/staff/c/{SLUG}/moderation")
    assert page.get_by_text(f"同じ文面 ×3（分析 #{p.run.id}）").count() == 3
    assert violations(page) == []
    page.get_by_role("link", name="同じ文面のご意見を一覧する").first.click()
    assert "確認待ち 3件" in page.content()
    assert violations(page) == []


@pytest.mark.parametrize("lang", ["en"])
def test_the_run_page_after_decisions_in_english_has_no_axe_violations(app, server, desktop, lang):
    p = plant_run()
    create_user("decide@example.jp", "secretariat", PASSWORD)
    page = desktop
    page.goto(f"{server}/lang?lang={lang}&next=/login")
    sign_in(page, server, "decide@example.jp")
    page.goto(f"{server}/staff/c/{SLUG}/analysis/{p.run.id}")
    page.locator("#g-1-1").get_by_role("button", name="Accept as proposed opinion groups").click()
    page.locator("#g-2").get_by_role("button", name="Discard").first.click()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert violations(page) == []
    page.goto(f"{server}/staff/c/{SLUG}/moderation?campaign={p.run.id}-C1")
    assert violations(page) == []
    db.session.rollback()  # a fresh read: the server wrote it
    decided = {g.key: g.decision for g in db.session.scalars(select(AnalysisGroup).where(AnalysisGroup.run_id == p.run.id))}
    assert decided["1-1"] == "accepted" and decided["2"] == "discarded"
