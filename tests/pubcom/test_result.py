"""The public comment's result: the per-provision tables from confirmed groups, counts by channel,
the revised text with its changes, the page, print document, CSV and XLSX (public once published,
never a submitter's name), and opinion groups per provision with the 反映区分."""

import io
import re
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from consult.consultation.models import Consultation, Section, SectionRevision, Topic
from consult.extensions import db
from consult.pubcom import result as pubcom_result
from consult.secretariat.models import OpinionGroup

from .conftest_result import REVISED_BODY, SUBMITTER_ADDRESS, SUBMITTER_NAME, pubcom, signed_in  # noqa: F401
from ..core.test_english_pages import Unmarked

DELIBERATION = "/c/kumamoto-ward-offices-h26"


@pytest.fixture
def ja_request(app):
    """The services outside a page read the language of a request: Japanese."""
    with app.test_request_context("/"):
        yield


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", html))


# --- the figures -----------------------------------------------------------------------------

def test_rows_per_provision_in_document_order_whole_document_first(pubcom, ja_request):
    result = pubcom_result.build(pubcom.consultation)
    assert [(p.section.anchor if p.section else None, p.path) for p in result.parts] == [
        (None, ""), ("ch6-1", "第6章 1"), ("ch6-1-2-2", "第6章 1 2) ②")]
    whole, article, subitem = result.parts
    assert [(r.number, r.summary, r.answer, r.category, r.opinions) for r in whole.rows] == [
        (1, "骨子全体がわかりにくい。", "解説を添えて公表します。", "その他", 2)]
    assert [(r.number, r.summary, r.category, r.opinions) for r in article.rows] == [
        (2, "若い世代が参加しやすい方法を設けてほしい。", "反映", 3), (3, "参加を義務としないでほしい。", "反映なし", 1)]
    assert [(r.number, r.category) for r in subitem.rows] == [(4, "一部反映")]
    assert article.heading == "区民の参加" and subitem.title == "第6章 1 2) ②　情報の提供"
    # the proposed (unconfirmed) group is not part of the result
    assert "まだ確定していない概要" not in [r.summary for p in result.parts for r in p.rows]


def test_counts_by_channel_and_submitters(pubcom, ja_request):
    counts = pubcom_result.counts(pubcom.consultation)
    assert {line.code: line.opinions for line in counts.channels} == {
        "web": 3, "briefing": 2, "post": 2, "fax": 1, "email": 0, "counter": 0}
    assert [line.code for line in counts.channels] == ["web", "briefing", "post", "fax", "email", "counter"]
    assert counts.opinions == 8  # the hidden one is not counted
    # two web participants + two register entries; the briefing's speakers are not submitters
    assert (counts.web_submitters, counts.register_submitters, counts.submitters) == (2, 2, 4)
    assert (counts.briefings, counts.briefing_attendance) == (1, 30)


def test_period_in_wareki_ends_the_day_before_a_midnight_close(pubcom, ja_request):
    assert pubcom_result.period_text(pubcom.consultation) == "令和6年5月1日（水）から令和6年5月31日（金）まで"


def test_revised_text_marks_deletions_and_additions(pubcom, ja_request, signed_in):
    # a provision written by staff after the period is new; one retired since is deleted
    _client, user = signed_in("secretariat")
    topic = pubcom.topic
    new = Section(topic_id=topic.id, anchor="ch6-1-3", position=10, label="3)", depth=2)
    new.revisions.append(SectionRevision(number=1, heading="区の報告", body="区は、結果を報告します。",
                                         created_by_id=user.id, created_at_utc=datetime(2024, 6, 20)))
    db.session.add(new)
    pubcom.sections["ch6-1-2"].retired_at_utc = datetime(2024, 6, 20)
    db.session.commit()
    revised = pubcom_result.revised(pubcom.consultation)
    assert [(r.section.anchor, r.state) for r in revised] == [
        ("ch6-1-2", "deleted"), ("ch6-1-2-2", "changed"), ("ch6-1-3", "added")]
    changed = revised[1]
    assert "".join(s.text for s in changed.body if s.kind != "delete") == REVISED_BODY
    assert [s.text for s in changed.body if s.kind == "insert"] == ["速やかに、"]
    assert revised[2].path == "第6章 1 3)"  # the new item under article 1

    html = _client.get(pubcom.url + "/results").get_data(as_text=True)
    assert '<ins lang="ja">速やかに、</ins>' in html
    assert "［追加：" in html and "［削除：" in html  # said in words, not only by the marks
    assert '<del lang="ja">区は、区民の参加の機会を設けます。</del>' in html
    assert "区は、結果を報告します。" in html and "ご意見を受けて修正" in html


def test_unchanged_document_has_no_revised_provisions(pubcom, ja_request):
    pubcom.sections["ch6-1-2-2"].revisions[-1].body = pubcom.sections["ch6-1-2-2"].revisions[0].body
    db.session.commit()
    assert pubcom_result.revised(pubcom.consultation) == []


def test_a_seeded_document_loaded_after_its_dates_is_not_all_new(pubcom, ja_request, signed_in):
    _client, user = signed_in("secretariat")
    for s in pubcom.sections.values():
        s.revisions[0].created_at_utc = datetime(2025, 1, 1)
        s.revisions[0].created_by_id = user.id
    db.session.commit()
    assert [(r.section.anchor, r.state) for r in pubcom_result.revised(pubcom.consultation)] == [("ch6-1-2-2", "changed")]


# --- the pages and files -----------------------------------------------------------------------

def test_results_page(client, pubcom):
    response = client.get(pubcom.url + "/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "意見募集期間" in text and "令和6年5月1日（水）から令和6年5月31日（金）まで" in text
    assert "意見提出者数" in text and "4人・団体" in text and "意見8件" in text
    assert text.index("骨子全体に関するご意見と市の考え方") < text.index("第6章 1　区民の参加に関するご意見") \
        < text.index("第6章 1 2) ②　情報の提供に関するご意見")
    for header in ("ご意見の概要", "市の考え方", "反映区分"):
        assert f'<th scope="col">{header}</th>' in html
    assert "一部反映" in text and "反映なし" in text
    assert "説明会は1回開催し、参加者は延べ30人" in text and "意見提出者数ではありません" in text
    assert 'class="data result-table"' in html and "css/result.css" in html
    assert SUBMITTER_NAME not in html and SUBMITTER_ADDRESS not in html and "096-000-0000" not in html
    assert "まだ確定していない概要" not in html


def test_print_document(client, pubcom):
    response = client.get(pubcom.url + "/results/document")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "css/print.css" in html and 'class="document"' in html and "<thead>" in html
    assert "1　意見募集の概要" in html and "2　ご意見の概要と市の考え方" in html and "3　ご意見を受けて修正した条項" in html
    assert "若い世代が参加しやすい方法を設けてほしい。" in html and '<ins lang="ja">速やかに、</ins>' in html
    assert SUBMITTER_NAME not in html
    assert client.get("/static/css/result.css").status_code == 200


def test_csv_has_bom_and_the_columns(client, pubcom):
    response = client.get(pubcom.url + "/results/result.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "番号,条項,見出し,ご意見の概要,市の考え方,反映区分,意見数"
    assert lines[1] == "1,骨子全体,,骨子全体がわかりにくい。,解説を添えて公表します。,その他,2"
    assert lines[2].startswith("2,第6章 1,区民の参加,若い世代が参加しやすい方法を設けてほしい。") and lines[2].endswith(",反映,3")
    assert len(lines) == 5
    assert SUBMITTER_NAME not in raw.decode("utf-8-sig")


def test_xlsx_opens_with_the_table(client, pubcom):
    response = client.get(pubcom.url + "/results/result.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["概要", "ご意見と市の考え方", "修正した条項"]
    table = [list(r) for r in book["ご意見と市の考え方"].iter_rows(values_only=True)]
    assert table[0] == ["番号", "条項", "見出し", "ご意見の概要", "市の考え方", "反映区分", "意見数"]
    assert table[4] == [4, "第6章 1 2) ②", "情報の提供", "情報を速やかに提供してほしい。", "「速やかに」を加えました。", "一部反映", 2]
    overview = {r[0]: r[1] for r in book["概要"].iter_rows(values_only=True) if r and r[0]}
    assert overview["意見提出者数"] == 4 and overview["意見数"] == 8 and overview["電子メール"] == 0
    revised = [list(r) for r in book["修正した条項"].iter_rows(values_only=True)]
    assert revised[1][0] == "第6章 1 2) ②" and revised[1][3].endswith(REVISED_BODY)
    values = " ".join(str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v)
    assert SUBMITTER_NAME not in values and SUBMITTER_ADDRESS not in values


@pytest.mark.parametrize("phase", ["draft", "open", "closed"])
def test_nothing_is_public_before_publication(client, pubcom, phase):
    pubcom.consultation.phase = phase
    db.session.commit()
    response = client.get(pubcom.url + "/results")
    assert response.status_code == 404 and "まだ公表していません" in response.get_data(as_text=True)
    for path in ("/results/document", "/results/result.csv", "/results/result.xlsx"):
        assert client.get(pubcom.url + path).status_code == 404
    # nor the groups' titles in the open data
    assert ",情報の速さ," not in client.get(pubcom.url + "/results/open-data.csv").get_data().decode("utf-8-sig")


def test_a_deliberation_has_no_pubcom_result(client):
    for path in ("/results/document", "/results/result.csv", "/results/result.xlsx"):
        assert client.get(DELIBERATION + path).status_code == 404


def test_deliberation_results_page_unchanged(client):
    c = db.session.scalar(select(Consultation).where(Consultation.slug == "kumamoto-ward-offices-h26"))
    c.phase = "closed"
    db.session.commit()
    response = client.get(DELIBERATION + "/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "意見募集の結果と市の考え方" in html and "審議事項1" in html and "result-table" not in html


@pytest.mark.parametrize("path", ["/results", "/results/document"])
def test_english_pages_mark_every_japanese_text(client, pubcom, path):
    html = client.get(pubcom.url + path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    parser = Unmarked()
    parser.feed(html)
    assert parser.found == []
    assert "Comment period" in html or "comment period" in html.lower()


def test_staff_preview_before_publication(pubcom, signed_in):
    pubcom.consultation.phase = "closed"
    db.session.commit()
    client, _ = signed_in("secretariat")
    response = client.get("/staff/c/pc-test/result")
    assert response.status_code == 200 and "若い世代が参加しやすい方法" in response.get_data(as_text=True)
    assert client.get("/staff/c/kumamoto-ward-offices-h26/result").status_code == 404
    assert signed_in("facilitator")[0].get("/staff/c/pc-test/result").status_code == 403


# --- opinion groups per provision ---------------------------------------------------------------

def _group(title):
    db.session.expire_all()
    return db.session.scalar(select(OpinionGroup).where(OpinionGroup.title == title))


def test_group_form_offers_provisions_and_the_pubcom_categories(pubcom, signed_in):
    client, _ = signed_in("secretariat")
    html = client.get("/staff/c/pc-test/groups/new").get_data(as_text=True)
    assert 'name="section"' in html and 'name="topic"' not in html
    assert "第6章 1 2) ②　情報の提供" in html and "骨子全体" in html
    for label in ("反映", "一部反映", "反映なし", "その他"):
        assert f">{label}</option>" in html
    assert "今後の参考とする" not in html
    # the deliberation's form is unchanged
    html = client.get("/staff/c/kumamoto-ward-offices-h26/groups/new").get_data(as_text=True)
    assert 'name="topic"' in html and 'name="section"' not in html and "今後の参考とする" in html and ">一部反映<" not in html


def test_group_on_a_provision_and_on_the_whole_document(pubcom, signed_in):
    client, _ = signed_in("secretariat")
    section = pubcom.sections["ch6-1-2"]
    response = client.post("/staff/c/pc-test/groups/new", data={
        "section": str(section.id), "title": "区の役割", "summary": "区の役割を明確に", "answer": "明確にします。",
        "response_category": "partly", "position": "0"})
    assert response.status_code == 303
    g = _group("区の役割")
    assert (g.section_id, g.topic_id, g.response_category) == (section.id, pubcom.topic.id, "partly")
    edit = client.get(f"/staff/c/pc-test/groups/{g.id}/edit").get_data(as_text=True)
    assert f'<option value="{section.id}" lang="ja" selected>' in edit
    response = client.post(f"/staff/c/pc-test/groups/{g.id}/edit", data={
        "section": "whole", "title": "区の役割", "response_category": "reflect", "position": "0"})
    assert response.status_code == 303 and _group("区の役割").section_id is None
    listing = client.get("/staff/c/pc-test/groups").get_data(as_text=True)
    assert "第6章 1　区民の参加" in listing and "/staff/c/pc-test/result" in listing
    assert "<td>反映</td>" in listing and "反映する" not in listing  # the public comment's wording
    detail = client.get(f"/staff/c/pc-test/groups/{g.id}").get_data(as_text=True)
    assert "骨子全体" in detail and "反映区分" in detail and "<dd>反映</dd>" in detail


@pytest.mark.parametrize("data, message", [
    ({"section": "", "title": "x"}, "ご意見の対象の条項を選んでください"),
    ({"section": "999999", "title": "x"}, "ご意見の対象の条項を選んでください"),
    ({"section": "whole", "title": "x", "response_category": "reference"}, "対応区分の選択肢にない値です"),
])
def test_group_form_refusals(pubcom, signed_in, data, message):
    client, _ = signed_in("secretariat")
    response = client.post("/staff/c/pc-test/groups/new", data={"position": "0", **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _group("x") is None


def test_another_consultations_section_is_refused(pubcom, signed_in):
    other = db.session.scalar(select(Section).join(Topic).where(Topic.slug == "roles"))
    client, _ = signed_in("secretariat")
    response = client.post("/staff/c/pc-test/groups/new", data={"section": str(other.id), "title": "x", "position": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "選んだ条項はこの意見募集の条項ではありません" in html
    assert 'value="x"' in html and _group("x") is None


def test_deliberation_refuses_the_pubcom_categories(signed_in):
    client, _ = signed_in("secretariat")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/new",
                           data={"topic": "roles", "title": "x", "response_category": "partly", "position": "0"})
    assert response.status_code == 422 and "対応区分の選択肢にない値です" in response.get_data(as_text=True)
