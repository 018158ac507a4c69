"""Exports: CSV with BOM and in CP932 (characters outside CP932 replaced, no row lost, reported),
formula-looking text made inert in CSV and XLSX, the workbook re-opened cell by cell, JSON, the
open-data CSV without personal fields, the audit entries, and streaming with bounded memory."""

import csv
import io
import json
import tracemalloc
import types
import unicodedata
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import insert, select

from consult.consultation.services import current_consultation
from consult.extensions import db
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no
from consult.secretariat import exports
from consult.secretariat.exports.cp932 import to_cp932
from consult.secretariat.exports.formulas import FORMULA_STARTERS, inert
from consult.secretariat.filters import parse_filter
from consult.audit import AuditEvent
from consult.secretariat.models import OpinionGroup

OUTSIDE_CP932 = "吉野家の𠮷と♡と😀、〜も"  # 𠮷, ♡ and 😀 have no CP932 code; 〜 has (0x8160)
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-3", "@SUM(A1)", "\tタブ", "\r改行",
            "＝全角のイコール"]


def _csv_rows(data: bytes, encoding: str):
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


@pytest.fixture
def sample(app, participant, comment, topic):
    p = participant("higashi", relation="commuter", age_band="30s")
    group = OpinionGroup(topic=topic("roles"), title="区長の権限", summary="区長の権限を強めてほしい",
                         answer="区長の権限の拡充を検討します。", response_category="reflect")
    db.session.add(group)
    db.session.commit()
    first = comment("roles", ward="higashi", participant=p, status="published", body="区役所を身近に",
                    created=datetime(2014, 10, 4, 1, 2, 3), opinion_group_id=group.id)
    odd = comment("counters", ward="chuo", participant=p, body=OUTSIDE_CP932, created=datetime(2014, 10, 5, 0, 0))
    hidden = comment("counters", ward="kita", status="hidden", body="連絡先 096-000-0000",
                     hidden_reason="個人情報が含まれているため", created=datetime(2014, 10, 6, 0, 0))
    return first, odd, hidden, group


def test_csv_is_utf8_with_bom_and_every_field(staff, sample):
    client, user = staff("secretariat")
    first, odd, hidden, group = sample
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'attachment; filename="comments_' in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data, "utf-8-sig")
    header = rows[0]
    assert header[:9] == ["受付番号", "審議事項番号", "審議事項", "節", "提案", "区", "区との関わり", "年代", "経路"]
    assert "原文" in header and "公開文" in header and "非公開の理由" in header and "受付日時（日本時間）" in header
    by_receipt = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert len(by_receipt) == 3  # exports take every status by default, hidden ones included
    row = by_receipt[first.receipt_no]
    assert row["審議事項番号"] == "1" and row["区"] == "東区" and row["区との関わり"] == "区内に通勤・通学している"
    assert row["年代"] == "30代" and row["経路"] == "ウェブ" and row["状態"] == "公開"
    assert row["意見グループ"] == "区長の権限" and row["対応区分"] == "反映する"
    assert row["受付日時（日本時間）"] == "2014-10-04 10:02:03"  # 01:02:03 UTC
    assert by_receipt[odd.receipt_no]["原文"] == OUTSIDE_CP932  # UTF-8 keeps every character
    assert by_receipt[hidden.receipt_no]["非公開の理由"] == "個人情報が含まれているため"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.csv")).all()
    assert event.user_id == user.id and event.after["encoding"] == "utf-8-sig"


def test_cp932_replaces_what_it_cannot_encode_and_keeps_the_row(staff, sample):
    client, _ = staff("secretariat")
    first, odd, hidden, group = sample
    check = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv&encoding=cp932")
    assert check.status_code == 200 and check.headers["Content-Type"].startswith("text/html")
    html = check.get_data(as_text=True)
    assert "3行のうち1行" in html and odd.receipt_no in html and "U+20BB7" in html and "U+2661" in html
    assert db.session.scalar(select(AuditEvent.id)) is None  # checking is not exporting

    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv&encoding=cp932&checked=1")
    assert response.headers["Content-Type"] == "text/csv; charset=Windows-31J"
    data = response.get_data()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data, "cp932")
    assert len(rows) == 4
    body = {r[0]: r for r in rows[1:]}[odd.receipt_no][rows[0].index("原文")]
    assert body == "吉野家の〓と〓と〓、～も"  # 〜 is written as CP932's 0x8160, read back as ～
    assert {r[0] for r in rows[1:]} == {first.receipt_no, odd.receipt_no, hidden.receipt_no}

    question = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv&encoding=cp932&replacement=%3F&checked=1").get_data()
    assert "吉野家の?と?と?、" in question.decode("cp932")


def test_cp932_helper_reports_each_character():
    text, lost = to_cp932("髙﨑①㈱—𠮷👍🏻❤️")
    assert text.startswith("髙﨑①㈱―")  # NEC/IBM extensions are CP932; the em dash maps to ―
    assert lost == ["𠮷", "👍", "🏻", "❤"]  # the invisible variation selector is dropped, not counted


def test_formula_looking_text_is_inert_in_csv_and_xlsx(staff, comment):
    client, _ = staff("secretariat")
    for body in FORMULAS:
        comment(body=body)
    rows = _csv_rows(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv").get_data(), "utf-8-sig")
    col = rows[0].index("原文")
    assert sorted(r[col] for r in rows[1:]) == sorted("'" + b for b in FORMULAS)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx").get_data()))
    sheet = book["ご意見"]
    cells = [sheet.cell(row=i, column=col + 1) for i in range(2, 2 + len(FORMULAS))]
    # XLSX writes a carriage return as the escape _x000D_, which Excel reads back as CR.
    assert sorted(c.value.replace("_x000D_", "\r") for c in cells) == sorted("'" + b for b in FORMULAS)
    assert all(c.data_type == "s" for c in cells)  # strings, never formulas


def test_formula_starters_are_every_character_nfkc_makes_a_formula_start():
    """The precomputed set is what normalising each first character would find, for this Python's Unicode."""
    starts = ("=", "+", "-", "@", "\t", "\r")
    found = {c for c in map(chr, range(0x110000)) if c in starts or unicodedata.normalize("NFKC", c)[:1] in starts}
    assert FORMULA_STARTERS == found
    assert inert("＋１") == "'＋１" and inert("﹦1") == "'﹦1" and inert("⩵") == "'⩵"
    assert inert("１＋１") == "１＋１" and inert("") == ""


def test_csv_times_are_jst_to_the_second_never_rounded_up(staff, comment):
    client, _ = staff("secretariat")
    comment(body="一秒前", created=datetime(2014, 10, 4, 14, 59, 59, 999999))
    rows = _csv_rows(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv").get_data(), "utf-8-sig")
    assert rows[1][rows[0].index("受付日時（日本時間）")] == "2014-10-04 23:59:59"
    assert rows[1][rows[0].index("公開日時（日本時間）")] == ""


def test_workbook_rows_are_well_formed_xml_whatever_the_text(staff, comment):
    """Rows written as XML: text that looks like markup, Excel escapes or control characters stays
    text, and a file longer than the chunks it is written in still parses."""
    client, _ = staff("secretariat")
    odd = ["<r><t>rich</t></r>", "a & b < c > d", "_x0041_ stays", " leading and trailing ", "NUL\x01here",
           "改行\nあり", "👍 emoji 𠮷"]
    for i in range(400):
        comment(body=odd[i % len(odd)] + f" {i}", created=datetime(2014, 10, 4, 15, 0, i % 60))
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx").get_data()))
    sheet = book["ご意見"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 400
    bodies = [r[header.index("原文")] for r in rows]
    assert bodies[0] == "<r><t>rich</t></r> 0" and bodies[1] == "a & b < c > d 1"
    assert bodies[2] == "_x005F_x0041_ stays 2"  # as Excel escapes a literal _xHHHH_; Excel shows _x0041_
    assert bodies[3] == " leading and trailing  3" and bodies[4] == "NUL_x0001_here 4"
    assert bodies[5] == "改行\nあり 5" and bodies[6] == "👍 emoji 𠮷 6"
    created = rows[0][header.index("受付日時（日本時間）")]
    assert created == datetime(2014, 10, 5, 0, 0, 0)  # 15:00 UTC is midnight in JST, the next day
    assert all(r[header.index("公開文")] is None for r in rows)  # blank cells are left out


def test_markup_in_a_summary_sheet_stays_text(staff, topic):
    client, _ = staff("secretariat")
    db.session.add(OpinionGroup(topic=topic("roles"), title="<r><t>太字</t></r>", summary="a & b <c>"))
    db.session.commit()
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx").get_data()))
    assert [c.value for c in book["意見グループ"][2]][2:4] == ["<r><t>太字</t></r>", "a & b <c>"]


def test_markup_shaped_comment_stays_text_in_the_comments_sheet(staff, comment):
    """XlsxWriter would write text shaped "<r>…</r>" as raw rich-text XML; a comment that is exactly
    that shape comes back as the text it is."""
    client, _ = staff("secretariat")
    comment(body="<r><t>太字</t></r>")
    comment(body="<r> & </r>")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx").get_data()))["ご意見"]
    header = [c.value for c in sheet[1]]
    bodies = sorted(r[header.index("原文")] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert bodies == ["<r> & </r>", "<r><t>太字</t></r>"]


def test_document_and_export_share_the_representativeness_table(staff, sample):
    """One writer: the review document's overview holds the same table as the export's 代表性 sheet."""
    client, _ = staff("secretariat")
    export = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx&status=active").get_data()))
    document = openpyxl.load_workbook(io.BytesIO(client.get("/staff/c/kumamoto-ward-offices-h26/review/document.xlsx").get_data()))
    rep = [[c.value for c in row] for row in export["代表性"].iter_rows(max_row=6)]
    overview = [[c.value for c in row] for row in document["概要"].iter_rows()]
    start = overview.index(rep[0])
    assert overview[start:start + 6] == rep and rep[2][3] == 1  # heading, the five wards; one participant in 東区


def test_workbook_cell_by_cell(staff, sample):
    client, user = staff("admin")
    first, odd, hidden, group = sample
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["ご意見", "審議事項×区", "提案×区", "代表性", "意見グループ", "ワークショップ", "出力条件"]

    sheet = book["ご意見"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "受付番号" and header[-1] == "デモデータ" and len(header) == len(exports.comment_columns())
    rows = {r[0].value: {h: c.value for h, c in zip(header, r)} for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {first.receipt_no, odd.receipt_no, hidden.receipt_no}
    row = rows[first.receipt_no]
    assert row["審議事項番号"] == 1 and row["審議事項"] == "区役所・本庁の責務、役割"
    assert row["区"] == "東区" and row["年代"] == "30代" and row["状態"] == "公開"
    assert row["原文"] == "区役所を身近に" and row["公開文"] is None
    assert row["意見グループ"] == "区長の権限" and row["デモデータ"] is False
    created = sheet.cell(row=list(rows).index(first.receipt_no) + 2, column=header.index("受付日時（日本時間）") + 1)
    assert created.is_date and created.value == datetime(2014, 10, 4, 10, 2, 3)  # a real date cell, in JST
    assert rows[odd.receipt_no]["原文"] == OUTSIDE_CP932

    matrix = book["審議事項×区"]
    assert [c.value for c in matrix[1]] == ["審議事項", "中央区", "東区", "西区", "南区", "北区", "熊本市外", "回答しない", "合計"]
    assert [c.value for c in matrix[2]] == ["1. 区役所・本庁の責務、役割", 0, 1, 0, 0, 0, 0, 0, 1]
    assert [c.value for c in matrix[5]] == ["4. 区役所等における行政窓口の在り方", 1, 0, 0, 0, 1, 0, 0, 2]  # hidden too: status all
    assert matrix.cell(row=6, column=9).value == 3

    groups = book["意見グループ"]
    assert [c.value for c in groups[2]] == ["1. 区役所・本庁の責務、役割", 1, "区長の権限", "区長の権限を強めてほしい", 1,
                                            "反映する", "区長の権限の拡充を検討します。", "確定"]
    rep = book["代表性"]
    assert rep.cell(row=1, column=1).value == "区" and rep.cell(row=2, column=1).value == "中央区"
    assert rep.cell(row=3, column=4).value == 1  # one participant, in 東区
    assert rep.cell(row=3, column=5).value == pytest.approx(1.0)
    workshops = book["ワークショップ"]
    assert workshops.max_row >= 2 and workshops.cell(row=2, column=1).value == "中央区"
    start = workshops.cell(row=2, column=4)
    assert start.value is None or start.is_date
    proposals = book["提案×区"]
    assert proposals.cell(row=1, column=2).value == "提案"
    conditions = {r[0].value: r[1].value for r in book["出力条件"].iter_rows(min_row=2)}
    assert conditions["ご意見の件数"] == 3 and conditions["状態"] == "すべて（非公開を含む）"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.user_id == user.id)) == "export.xlsx"


def test_json_export(staff, sample):
    client, _ = staff("secretariat")
    first, odd, hidden, group = sample
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=json&status=published")
    data = json.loads(response.get_data(as_text=True))
    assert data["filters"] == {"status": "published"}
    assert [c["receipt_no"] for c in data["comments"]] == [first.receipt_no]
    assert data["comments"][0]["created_at"] == "2014-10-04T10:02:03+09:00"


def test_bad_export_options_are_422(staff):
    client, _ = staff("secretariat")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=pdf&encoding=latin1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "形式は CSV・Excel・JSON から選んでください" in html and "文字コードは" in html
    assert client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?ward=zz").status_code == 422


def test_open_data_holds_only_published_text_and_no_personal_field(client, sample, comment):
    first, odd, hidden, group = sample
    masked = comment("roles", status="published", body="電話 096-111-2222 の件",
                     body_published="電話 ＊＊＊ の件", created=datetime(2014, 10, 7))
    response = client.get("/c/kumamoto-ward-offices-h26/results/open-data.csv")  # public: no login
    assert response.status_code == 200
    rows = _csv_rows(response.get_data(), "utf-8-sig")
    header = rows[0]
    assert header == ["審議事項番号", "審議事項", "節", "提案", "区", "経路", "公開日", "ご意見（公開文）", "意見グループ", "デモデータ"]
    for personal in ("受付番号", "区との関わり", "年代", "非公開の理由", "原文", "参加者", "状態"):
        assert personal not in header
    text = response.get_data().decode("utf-8-sig")
    assert first.receipt_no not in text and odd.receipt_no not in text and "096-111-2222" not in text
    assert OUTSIDE_CP932 not in text and "096-000-0000" not in text  # pending and hidden stay out
    bodies = [r[header.index("ご意見（公開文）")] for r in rows[1:]]
    assert sorted(bodies) == sorted(["区役所を身近に", "電話 ＊＊＊ の件"])
    assert all(r[header.index("意見グループ")] == "" for r in rows[1:])  # groups only once results are public
    assert masked.receipt_no not in text


def test_exports_are_refused_to_facilitators_and_anonymous(client, staff):
    facilitator, _ = staff("facilitator")
    assert facilitator.get("/staff/c/kumamoto-ward-offices-h26/exports/comments").status_code == 403
    assert facilitator.get("/staff/c/kumamoto-ward-offices-h26/review/document.xlsx").status_code == 403
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _bulk_comments(n: int) -> None:
    topic_ids = current_consultation().topics
    body = "区役所の窓口についての意見です。" * 12  # about 200 characters, as a real comment
    batch = []
    for i in range(n):
        batch.append(dict(receipt_no=new_receipt_no(), topic_id=topic_ids[i % 4].id, ward_code="chuo",
                          channel="web", status="published", body=f"{i} {body}"))
        if len(batch) == 5000:
            db.session.execute(insert(Comment), batch)
            batch = []
    if batch:
        db.session.execute(insert(Comment), batch)
    db.session.commit()


def test_exports_stream_with_bounded_memory(app, staff):
    _bulk_comments(20000)
    client, _ = staff("secretariat")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/exports/comments?format=csv")
    assert response.is_streamed  # a generator, not a body built in memory
    with app.test_request_context("/"):
        f = parse_filter({"status": "all"}, current_consultation().id)
        chunks = exports.comments_csv(f)
        assert isinstance(chunks, types.GeneratorType)
        tracemalloc.start()
        size = rows = 0
        for chunk in chunks:
            size += len(chunk)
            rows += chunk.count(b"\r\n")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert rows == 20001
    assert size > 12_000_000
    assert peak < 8_000_000 and peak * 2 < size  # never the whole export in memory

    with app.test_request_context("/"):
        f = parse_filter({"status": "all", "topic": "roles"}, current_consultation().id)  # 5,000 rows: tracing is slow
        tracemalloc.start()
        fh = exports.workbook_file(f)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        fh.seek(0)
        sheet = openpyxl.load_workbook(fh, read_only=True)["ご意見"]
        rows = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
        fh.close()
    # Every row is in the workbook (counted, not guessed from the file's size: blank cells are left out).
    assert peak < 4_000_000 and rows == 5000


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_OPEN_DATA="2/minute")
def test_open_data_is_rate_limited_per_address(client):
    assert client.get("/c/kumamoto-ward-offices-h26/results/open-data.csv").status_code == 200
    assert client.get("/c/kumamoto-ward-offices-h26/results/open-data.csv").status_code == 200
    assert client.get("/c/kumamoto-ward-offices-h26/results/open-data.csv").status_code == 429
