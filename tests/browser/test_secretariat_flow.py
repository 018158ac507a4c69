"""The secretariat in Debian's Chromium, against gunicorn on loopback: moderate, group, answer,
export (CSV, Excel, open data), print the review document to PDF; then axe (WCAG 2.1 A/AA) on
every secretariat page in Japanese and English, with the results page and a receipt look-up.

Citizens' comments and votes are stored directly (the citizen side has its own browser tests);
everything the secretariat does goes through the pages, as staff would do it.
"""

import csv
import io
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.services import create_user
from consult.consultation.models import Consultation
from consult.extensions import db
from consult.secretariat.models import OpinionGroup
from tests.browser.a11y import violations
from tests.browser.staff import PASSWORD, sign_in
from tests.secretariat.conftest import comment, vote  # noqa: F401  (fixtures)

# The four seeded topics (consult/seed/data/topics.toml).
TOPICS = {1: "区役所・本庁の責務、役割", 2: "区役所と本庁の役割分担、連携",
          3: "区役所等におけるまちづくりの取り組み、体制、支援の在り方", 4: "区役所等における行政窓口の在り方"}
PHONE = "096-328-2111"
PERSONAL = f"土曜日にも区役所の窓口を開けてほしい。詳しくは{PHONE}（平日）までご連絡ください。"
MASKED = "土曜日にも区役所の窓口を開けてほしい。詳しくは＊＊＊（平日）までご連絡ください。"
GROUP = "休日・夜間の窓口開設"
SUMMARY = "土曜日や平日の夜にも区役所の窓口を開けてほしいというご意見です。"
ANSWER = "土曜日の窓口開設を試行し、利用状況を見て対象の手続きを広げることを検討します。"
# The header of the secretariat's CSV, as staff open it in Excel.
CSV_HEADER = ["受付番号", "審議事項番号", "審議事項", "節", "提案", "区", "区との関わり", "年代", "経路",
              "ワークショップ", "テーブル", "ワークショップのテーマ", "付箋のシール数", "意見グループ", "対応区分",
              "状態", "原文", "公開文", "非公開の理由", "受付日時（日本時間）", "公開日時（日本時間）",
              "確認日時（日本時間）", "デモデータ"]



# A CJK font's glyph shared by two characters may map back to the other one in the PDF's
# ToUnicode table (方 → ⽅ U+2F45, 民 → ⺠ U+2EA0, ・ → ‧ U+2027). NFKC undoes the Kangxi radicals;
# these have no decomposition (for the radicals: Unicode's EquivalentUnifiedIdeograph.txt).
_RADICALS = str.maketrans("⺟⺠⻄⻑⻘⻝⻤⻩⻲⻭⻨⻯⻫‧", "母民西長青食鬼黄亀歯麦竜斉・")


def _pdf_text(text: str) -> str:
    """Text extracted from a PDF, comparable with what the page shows: NFKC, radicals back to
    ideographs, no whitespace (line breaks fall anywhere in Japanese)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.translate(_RADICALS)))


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    path = info.value.path()
    with open(path, "rb") as fh:
        return fh.read()


@pytest.fixture
def citizens(app, topic, comment, participant):  # noqa: F811
    """What citizens sent before the secretariat starts: three comments waiting for moderation
    (one with a telephone number, one advertising), one published earlier."""
    made = {
        "plain": comment("roles", ward="chuo", body="区役所の窓口を夜7時まで開けてほしいです。"),
        "personal": comment("roles", ward="higashi", body=PERSONAL),
        "advert": comment("counters", ward="kita", body="格安の引っ越しなら当社へ。今なら半額です。"),
        "earlier": comment("roles", ward="nishi", body="休日にも住民票を受け取れる窓口がほしい。",
                           status="published", participant=participant("nishi")),
    }
    return {k: (c.id, c.receipt_no) for k, c in made.items()}


# --- the flow ------------------------------------------------------------------------------

def test_moderate_group_answer_export_and_print(app, citizens, server, desktop):
    create_user("jimukyoku@example.jp", "secretariat", PASSWORD)
    page = desktop
    sign_in(page, server, "jimukyoku@example.jp")
    page.set_default_timeout(10_000)

    # Moderation, from the consultation's staff page: three waiting; the telephone number is flagged.
    page.get_by_role("link", name="区役所等の在り方の基本的な考え方（中間取りまとめ）へのご意見").click()
    page.get_by_role("link", name="ご意見の確認（公開・非公開）").click()
    expect(page.get_by_text("確認待ち 3件")).to_be_visible()
    personal_no = citizens["personal"][1]
    item = page.locator("li.review-item", has_text=personal_no)
    expect(item).to_have_class(re.compile("review-item--flagged"))
    expect(item.locator("mark.flag--phone")).to_have_text(re.compile(re.escape(PHONE)))

    # 1. Publish one as written.
    plain_no = citizens["plain"][1]
    page.get_by_role("link", name=re.compile(f"1件ずつ確認する.*{plain_no}")).click()
    page.get_by_role("button", name="原文のまま公開する").click()
    expect(page.locator(".flash")).to_contain_text(f"受付番号 {plain_no} を原文のまま公開しました。")
    expect(page.locator("dl.confirm .status")).to_have_text("公開")

    # 2. Mask the telephone number: the proposed text has it masked; the original stays beside it.
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/moderation/{citizens['personal'][0]}")
    published_text = page.get_by_role("textbox", name="公開する文")
    expect(published_text).to_have_value(MASKED)
    published_text.fill("")  # an empty text is refused, and nothing changes
    page.get_by_role("button", name="この文で公開する").click()
    expect(page.locator("#body_published-error")).to_have_text("公開する文を入力してください。")
    expect(published_text).to_have_attribute("aria-invalid", "true")
    expect(page.locator("dl.confirm .status")).to_have_text("確認待ち")
    published_text.fill(MASKED)
    page.get_by_role("button", name="この文で公開する").click()
    expect(page.locator(".flash")).to_contain_text("編集した文で公開しました（原文はそのまま保存しています）")
    expect(page.locator("section", has=page.locator("#original-h")).locator(".original-text")).to_contain_text(PHONE)
    current = page.locator("section", has=page.locator("#published-h")).locator(".original-text")
    expect(current).to_have_text(MASKED)

    # 3. Reject the advert: "other" without a note is refused, then a standard reason.
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/moderation/{citizens['advert'][0]}")
    page.get_by_label("理由").select_option(label="その他")
    page.get_by_role("button", name="非公開にする").click()
    expect(page.locator("#note-error")).to_contain_text("「その他」を選んだときは、理由を補足に書いてください。")
    page.get_by_label("理由").select_option(label="宣伝・勧誘を目的とするため")
    page.get_by_role("button", name="非公開にする").click()
    expect(page.locator("dl.confirm .status")).to_have_text("非公開")
    expect(page.locator("dl.confirm")).to_contain_text("宣伝・勧誘を目的とするため")

    page.get_by_role("link", name="確認待ちの一覧へ戻る").click()
    expect(page.get_by_text("確認待ち 0件")).to_be_visible()
    expect(page.get_by_text("確認待ちのご意見はありません。")).to_be_visible()

    # Group similar opinions, with the city's answer.
    page.get_by_role("navigation", name="事務局メニュー").get_by_role("link", name="意見グループ").click()
    expect(page.get_by_text("未分類のご意見（非公開を除く）：3件")).to_be_visible()
    page.get_by_role("link", name="新しいグループを作る").click()
    page.get_by_label("審議事項").select_option(label=f"1. {TOPICS[1]}")
    page.get_by_label("グループ名").fill(GROUP)
    page.get_by_label("意見の概要").fill(SUMMARY)
    page.get_by_label("市の考え方").fill(ANSWER)
    page.get_by_label("対応区分").select_option(label="今後の参考とする")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.locator("dl.confirm")).to_contain_text(ANSWER)

    page.get_by_role("link", name="ご意見を追加する").click()
    for key in ("plain", "personal", "earlier"):
        page.locator("li.review-item", has_text=citizens[key][1]).get_by_role("checkbox").check()
    page.get_by_label("振り分け先").select_option(label=GROUP)
    page.get_by_role("button", name="振り分ける").click()
    expect(page.locator(".flash")).to_contain_text(f"3件を「{GROUP}」に振り分けました。")
    expect(page.get_by_text("条件に合うご意見はありません。")).to_be_visible()  # none of topic 1 left unassigned

    page.get_by_role("navigation", name="事務局メニュー").get_by_role("link", name="意見グループ").click()
    page.get_by_role("link", name=GROUP, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("3件")
    table = page.get_by_role("table", name=f"「{GROUP}」のご意見")
    expect(table).to_contain_text(MASKED)  # the group shows what is published, never the number
    expect(table).not_to_contain_text(PHONE)

    # Exports: CSV (UTF-8 with BOM) and the workbook, through the page's form.
    page.get_by_role("navigation", name="事務局メニュー").get_by_role("link", name="書き出し").click()
    export = page.get_by_role("button", name="書き出す")
    data = _download(page, export.click)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data)
    assert rows[0] == CSV_HEADER
    by_receipt = {r[0]: dict(zip(CSV_HEADER, r)) for r in rows[1:]}
    assert set(by_receipt) == {no for _id, no in citizens.values()}  # status "all": the hidden one too
    personal = by_receipt[personal_no]
    assert (personal["原文"], personal["公開文"], personal["状態"]) == (PERSONAL, MASKED, "公開")
    assert (personal["意見グループ"], personal["対応区分"], personal["区"]) == (GROUP, "今後の参考とする", "東区")
    plain = by_receipt[plain_no]
    assert (plain["状態"], plain["公開文"], plain["意見グループ"]) == ("公開", "", GROUP)
    advert = by_receipt[citizens["advert"][1]]
    assert (advert["状態"], advert["非公開の理由"], advert["意見グループ"]) == ("非公開", "宣伝・勧誘を目的とするため", "")
    assert advert["確認日時（日本時間）"] and not advert["公開日時（日本時間）"]

    page.get_by_role("radio", name=re.compile("^Excel")).check()
    workbook = load_workbook(io.BytesIO(_download(page, export.click)), read_only=True)
    sheet = list(workbook["ご意見"].iter_rows(values_only=True))
    assert list(sheet[0]) == CSV_HEADER
    cells = {r[0]: dict(zip(CSV_HEADER, r)) for r in sheet[1:]}
    assert set(cells) == set(by_receipt)
    assert (cells[personal_no]["原文"], cells[personal_no]["公開文"]) == (PERSONAL, MASKED)
    assert cells[citizens["advert"][1]]["状態"] == "非公開"
    groups = [r for r in workbook["意見グループ"].iter_rows(values_only=True)][1:]
    assert groups == [(f"1. {TOPICS[1]}", 1, GROUP, SUMMARY, 3, "今後の参考とする", ANSWER, "確定")]

    # The open data promises no personal field: published text only, no receipt number.
    open_data = _download(page, page.get_by_role("link", name=re.compile("^オープンデータ CSV")).click)
    assert open_data.startswith(b"\xef\xbb\xbf")
    text = open_data.decode("utf-8-sig")
    assert MASKED in text and "区役所の窓口を夜7時まで開けてほしいです。" in text
    assert PHONE not in text and "当社" not in text
    assert not any(no in text for _id, no in citizens.values())

    # The review document, printed by Chromium to A4 PDF with the print stylesheet.
    page.get_by_role("navigation", name="事務局メニュー").get_by_role("link", name="検討会資料").click()
    expect(page.get_by_role("heading", level=1, name="区役所等の在り方に関する市民意見の集計結果")).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    _check_printed_document(pdf)


def _check_printed_document(pdf: bytes) -> None:
    from pypdf import PdfReader

    pages = [_pdf_text(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]
    whole = "".join(pages)
    assert _pdf_text("区役所等の在り方に関する市民意見の集計結果") in whole
    # The topics in the cover's contents, then in order after it.
    starts = []
    for number, title in TOPICS.items():
        heading = _pdf_text(f"審議事項{number}{title}")
        assert heading in pages[0], f"topic {number} is missing from the cover's contents"
        found = [i for i, text in enumerate(pages) if i and heading in text]
        assert found, f"topic {number} is missing from the PDF"
        starts.append(found[0])
    assert starts == sorted(starts)
    # Every page after the cover is numbered at its foot as a 資料 is: 「- n -」.
    assert all(f"-{n}-" in text for n, text in enumerate(pages[1:], 2)), [text[-12:] for text in pages]
    # The group with its answer and count; the moderated texts as published.
    assert _pdf_text(GROUP) in whole and _pdf_text(ANSWER) in whole and _pdf_text(SUMMARY) in whole
    assert _pdf_text(MASKED) in whole and PHONE not in whole and "当社" not in whole
    # The print stylesheet hides the site's and the staff's navigation and the screen-only parts.
    for screen_only in ("本文へ移動", "職員用ページ", "ログアウト", "参考資料", "ご意見一覧", "書き出し", "資料に使う条件を変える", "資料の表紙",
                        "この条件で表示", "このサイトは熊本市"):
        assert _pdf_text(screen_only) not in whole, screen_only


# --- axe on every secretariat page ---------------------------------------------------------

@pytest.fixture
def reviewed(app, citizens, topic, participant, comment, vote):  # noqa: F811
    """After review: groups with answers, votes for the charts, results published."""
    from consult.participation.models import Comment

    group = OpinionGroup(topic_id=topic("roles").id, title=GROUP, summary=SUMMARY, answer=ANSWER,
                         response_category="reference", state="confirmed", position=0)
    db.session.add(group)
    db.session.flush()
    for key in ("personal", "earlier"):
        c = db.session.get(Comment, citizens[key][0])
        c.opinion_group_id, c.status = group.id, "published"
    db.session.get(Comment, citizens["personal"][0]).body_published = MASKED
    for i, (ward, value) in enumerate([("chuo", "agree"), ("higashi", "agree"), ("kita", "disagree"),
                                       ("minami", "pass"), ("chuo", "disagree")]):
        voter = participant(ward)
        vote(voter, "ward-head-authority", value)
        comment("community", ward=ward, status="published", participant=voter, body=f"地域のまちづくりの意見{i + 1}")
    consultation = db.session.scalar(select(Consultation))
    consultation.phase = "published"
    db.session.commit()
    return {"group": group.id, **citizens}


# Staff pages as the secretariat sees them (a filter applied to the dashboard).
STAFF_PAGES = ["/staff", "/staff/c/kumamoto-ward-offices-h26/moderation", "/staff/c/kumamoto-ward-offices-h26/review?topic=roles&ward=higashi", "/staff/c/kumamoto-ward-offices-h26/review/comments",
               "/staff/c/kumamoto-ward-offices-h26/groups", "/staff/c/kumamoto-ward-offices-h26/groups/new", "/staff/c/kumamoto-ward-offices-h26/exports", "/staff/c/kumamoto-ward-offices-h26/review/document"]


class Axe:
    """Runs axe on the page as it is, in the test's language, and keeps what it found by page."""

    def __init__(self, page, lang):
        self.page, self.lang, self.found = page, lang, {}

    def check(self, name):
        assert self.page.evaluate("document.documentElement.lang") == self.lang, name
        problems = violations(self.page)
        if problems:
            self.found[name] = problems


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_secretariat_pages_have_no_axe_violations(reviewed, server, desktop, lang):
    create_user("review@example.jp", "secretariat", PASSWORD)
    page, axe = desktop, Axe(desktop, lang)
    page.goto(f"{server}/lang?lang={lang}&next=/login")
    axe.check("/login")
    sign_in(page, server, "review@example.jp")
    group = reviewed["group"]
    for path in [*STAFF_PAGES, f"/staff/c/kumamoto-ward-offices-h26/groups/{group}", f"/staff/c/kumamoto-ward-offices-h26/groups/{group}/edit"]:
        page.goto(server + path)
        axe.check(path)
    assert axe.found == {}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_errors_audit_log_and_public_results_have_no_axe_violations(reviewed, server, desktop, lang):
    create_user("review@example.jp", "secretariat", PASSWORD)
    create_user("admin@example.jp", "admin", PASSWORD)
    page, axe = desktop, Axe(desktop, lang)
    page.goto(f"{server}/lang?lang={lang}&next=/login")
    sign_in(page, server, "review@example.jp")

    # A comment's moderation page with an error: "other" as the reason, and no note.
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/moderation/{reviewed['plain'][0]}")
    page.locator("#reason").select_option("other")
    page.locator("form", has=page.locator("#reason")).locator("button[type=submit]").click()
    expect(page.locator("#note-error")).to_be_visible()
    expect(page.locator("#note")).to_have_attribute("aria-invalid", "true")
    axe.check("moderation with an error")
    # The moderation list with an error: hiding without a reason.
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/moderation")
    page.locator(f"#c{reviewed['plain'][0]}").check()
    page.locator("input[name=action][value=hide]").check()
    page.locator(".bulk-actions button[type=submit]").click()
    expect(page.locator(".bulk-actions .error-summary")).to_be_visible()
    expect(page.locator("#bulk-reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#c{reviewed['plain'][0]}")).to_be_checked()  # the choice is kept
    axe.check("moderation list with an error")
    # The dashboard with a filter error (an impossible date).
    page.goto(f"{server}/staff/c/kumamoto-ward-offices-h26/review?ward=chuo&from=2014-02-30")
    expect(page.locator("#f-from")).to_have_attribute("aria-invalid", "true")
    axe.check("review with a filter error")

    page.locator("header form button[type=submit]").click()  # sign out; the audit log is an admin's
    sign_in(page, server, "admin@example.jp")
    page.goto(server + "/staff/audit")
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
    axe.check("/staff/audit")

    # Public, once results are published: the results page, and a receipt with the city's answer.
    page.goto(server + "/c/kumamoto-ward-offices-h26/results")
    expect(page.locator("main")).to_contain_text(ANSWER)
    axe.check("/c/kumamoto-ward-offices-h26/results")
    page.goto(server + "/receipt")
    page.locator("#receipt_no").fill(reviewed["personal"][1])
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".fu-result")).to_contain_text(ANSWER)
    axe.check("/receipt (found)")
    assert axe.found == {}
