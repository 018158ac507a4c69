"""Bulk import from CSV (UTF-8 with or without BOM, CP932) and Excel: preview with row-by-row
errors, confirm, all rows or none; wrong columns and encodings explained."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from consult.consultation.models import Proposal, Section, SectionRevision
from consult.editing import importer
from consult.extensions import db
from consult.audit import AuditEvent


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    import csv

    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, kind: str, content: bytes, filename: str):
    return client.post("/staff/c/kumamoto-ward-offices-h26/import", data={"kind": kind, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _token(response) -> str:
    match = re.search(r'/staff/c/kumamoto-ward-offices-h26/import/([A-Za-z0-9_-]+)/confirm', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[-3000:]
    return match.group(1)


def _counts():
    return (db.session.scalar(select(func.count(Section.id))), db.session.scalar(select(func.count(SectionRevision.id))),
            db.session.scalar(select(func.count(Proposal.id))), db.session.scalar(select(func.count(AuditEvent.id))))


def _plan_files(app) -> list[Path]:
    return list((Path(app.instance_path) / importer.PLAN_DIR).glob("*.json"))


def test_sections_from_utf8_csv_with_bom(app, staff, events, client, topic):
    staff_client, user = staff()
    text = _csv([["審議事項", "アンカー", "見出し", "本文", "改訂メモ"],
                 ["1", "", "区の予算", "各区に**2,000万円**のまちづくり推進経費があります。\n\n- 中央区\n- 東区", "追加"],
                 ["roles", "issues", "主な課題（改訂）", "取り込みで改訂した本文", "一括改訂"],
                 ["審議事項1", "current", topic("roles").sections[0].current.heading, topic("roles").sections[0].current.body, ""]])
    before = _counts()
    preview = _upload(staff_client, "sections", ("\ufeff" + text).encode("utf-8"), "sections.csv")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "UTF-8 (BOM)" in html and "まだ保存していません" in html
    assert "追加" in html and "改訂（新しい版）" in html and "変更なし" in html
    assert _counts() == before  # nothing saved by the preview
    assert len(_plan_files(app)) >= 1

    token = _token(preview)
    done = staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm")
    assert done.status_code == 303
    roles = topic("roles")
    added = roles.sections[-1]
    assert added.current.heading == "区の予算" and re.fullmatch(r"section-\d+", added.anchor)
    issues = next(s for s in roles.sections if s.anchor == "issues")
    assert issues.current.number == 2 and issues.current.body == "取り込みで改訂した本文"
    assert issues.current.note == "一括改訂" and issues.current.created_by_id == user.id
    assert events("section.create")[0].note == "import sections.csv line 2"
    assert events("section.revise")[0].note == "import sections.csv line 3"
    [summary] = events("import.apply")
    assert summary.after["create"] == 1 and summary.after["revise"] == 1 and summary.after["unchanged"] == 1
    assert not (Path(app.instance_path) / importer.PLAN_DIR / f"{token}.json").exists()
    assert "区の予算" in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    # the same token cannot be used twice
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm").status_code == 404


def test_proposals_from_cp932_csv(staff, events, topic):
    client, _user = staff()
    text = _csv([["審議事項", "キー", "提案文"],
                 ["４", "", "出張所でも福祉の手続きができるようにする（ＣＰ９３２）"],
                 ["counters", "unify-branch-services", "総合出張所と出張所で扱う手続きをそろえる（改）"]])
    preview = _upload(client, "proposals", text.encode("cp932"), "提案.csv")
    assert preview.status_code == 200
    assert "CP932" in preview.get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{_token(preview)}/confirm").status_code == 303
    proposals = {p.key: p for p in topic("counters").proposals}
    assert any(p.text == "出張所でも福祉の手続きができるようにする（ＣＰ９３２）" for p in proposals.values())
    assert proposals["unify-branch-services"].text.endswith("（改）")
    assert len(events("proposal.create")) == 1 and len(events("proposal.update")) == 1


def test_utf8_without_bom_and_english_headers(staff, topic):
    client, _user = staff()
    text = _csv([["topic", "text"], ["2", "本庁の担当者が区の会議に出る（UTF-8）"]])
    preview = _upload(client, "proposals", text.encode("utf-8"), "p.csv")
    assert preview.status_code == 200 and "UTF-8" in preview.get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{_token(preview)}/confirm").status_code == 303
    assert topic("cooperation").proposals[-1].text == "本庁の担当者が区の会議に出る（UTF-8）"


def test_sections_from_xlsx(staff, topic):
    client, _user = staff()
    content = _xlsx([["審議事項（必須）", "アンカー", "見出し", "本文"],
                     [3, "", "Excelから追加", "セル内の\n改行も使えます"],
                     [None, None, None, None],
                     [3, "budget-rules", "予算の配り方", "人口と面積に応じて配る"]])
    preview = _upload(client, "sections", content, "sections.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)[-2000:]
    assert "Excel (.xlsx)" in preview.get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{_token(preview)}/confirm").status_code == 303
    sections = topic("community").sections
    assert [s.current.heading for s in sections[-2:]] == ["Excelから追加", "予算の配り方"]
    assert sections[-1].anchor == "budget-rules"
    assert sections[-2].current.body == "セル内の\n改行も使えます"


def test_a_file_with_bad_rows_saves_nothing_and_says_which(app, staff, events):
    client, _user = staff()
    files_before = len(_plan_files(app))
    text = _csv([["審議事項", "アンカー", "見出し", "本文"],
                 ["1", "", "正しい行", "本文"],
                 ["9", "", "存在しない審議事項", "本文"],
                 ["2", "", "", "見出しがない"],
                 ["2", "新しい節", "日本語のアンカー", "本文"],
                 ["3", "dup", "一つ目", "本文"],
                 ["3", "dup", "二つ目", "本文"],
                 ["4", "", "長すぎる本文", "あ" * 20001]])
    before = _counts()
    response = _upload(client, "sections", ("\ufeff" + text).encode("utf-8"), "bad.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "何も保存していません" in html and "5行に誤りがあります" in html
    assert "審議事項「9」が見つかりません" in html
    assert "見出しを入力してください。" in html
    assert "半角の英小文字で始め" in html
    assert "同じアンカー「dup」が6行目にもあります" in html
    assert "20000文字以内" in html
    assert "/confirm" not in html  # no way to confirm
    assert _counts() == before and events() == []
    assert len(_plan_files(app)) == files_before


@pytest.mark.parametrize("header,message", [
    (["審議事項", "見出し"], "必要な列「本文」がありません。"),
    (["審議事項", "見出し", "本文", "担当者"], "列「担当者」（4列目）はこの取り込みでは使えません。"),
    (["審議事項", "見出し", "本文", "本文"], "列「本文」が2回あります"),
    (["審議事項", "提案文"], "「提案」を取り込むためのファイルのようです"),
])
def test_wrong_columns_are_explained(staff, header, message):
    client, _user = staff()
    text = _csv([header, ["1"] * len(header)])
    response = _upload(client, "sections", text.encode("utf-8"), "cols.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "使える列" in html


@pytest.mark.parametrize("content,filename,message", [
    (b"\x81\xff\x80\xfe,\xff\n", "x.csv", "文字コードを判別できませんでした"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "古い Excel 形式（.xls）には対応していません"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "Excelファイルを読み込めませんでした"),
    (b"not a workbook", "fake.xlsx", "Excelファイル（.xlsx）として読み込めませんでした"),
    (b"", "empty.csv", "ファイルが空です"),
    ("審議事項,見出し,本文\n".encode("utf-8"), "header-only.csv", "取り込む行がありません"),
    ('審議事項,見出し,本文\n1,"閉じない引用符,本文\n'.encode("utf-8"), "quote.csv", "CSVの形式が崩れています"),
])
def test_unreadable_files_are_explained(staff, content, filename, message):
    client, _user = staff()
    response = _upload(client, "sections", content, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_upload_form_errors(staff):
    client, _user = staff()
    response = client.post("/staff/c/kumamoto-ward-offices-h26/import", data={"kind": "people"}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "取り込む内容の種類を選んでください" in html and "取り込むファイルを選んでください" in html


def test_confirm_rechecks_the_rows_and_refuses_a_stale_preview(staff, events, topic):
    client, _user = staff()
    text = _csv([["審議事項", "アンカー", "見出し", "本文"], ["1", "late-anchor", "見出し", "本文"]])
    preview = _upload(client, "sections", text.encode("utf-8"), "s.csv")
    token = _token(preview)
    # someone retires... no: someone creates the same anchor first, then the import's row would collide
    client.post("/staff/c/kumamoto-ward-offices-h26/topics/roles/sections/new",
                data={"heading": "先に追加", "body": "本文", "anchor": "late-anchor", "action": "save"})
    before = len(events())
    # the row is now a revision of that section rather than a new one: re-planned, still valid
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm").status_code == 303
    section = next(s for s in topic("roles").sections if s.anchor == "late-anchor")
    assert section.current.number == 2
    assert len(events()) == before + 2  # the revision and the summary

    # a retired section makes the stored rows invalid: refused, nothing saved
    preview = _upload(client, "sections", _csv([["審議事項", "アンカー", "見出し", "本文"],
                                                ["1", "late-anchor", "見出し", "第3版の本文"]]).encode("utf-8"), "s.csv")
    token = _token(preview)
    client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/retire")
    before = len(events())
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm")
    assert response.status_code == 409
    assert "廃止されています" in response.get_data(as_text=True)
    assert len(events()) == before


def test_a_token_belongs_to_the_user_who_uploaded(staff):
    alice, _a = staff()
    bob, _b = staff("admin")
    text = _csv([["審議事項", "提案文"], ["1", "他人の取り込み"]])
    token = _token(_upload(alice, "proposals", text.encode("utf-8"), "p.csv"))
    assert bob.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm").status_code == 404
    assert alice.post("/staff/c/kumamoto-ward-offices-h26/import/../../secret_key/confirm").status_code == 404
    assert alice.post("/staff/c/kumamoto-ward-offices-h26/import/zz-unknown/confirm").status_code == 404
    assert alice.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/cancel").status_code == 303
    assert alice.post(f"/staff/c/kumamoto-ward-offices-h26/import/{token}/confirm").status_code == 404


def test_template_download(staff):
    client, _user = staff()
    response = client.get("/staff/c/kumamoto-ward-offices-h26/import/template/sections.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff審議事項,アンカー,見出し,本文,改訂メモ".encode("utf-8"))
    assert client.get("/staff/c/kumamoto-ward-offices-h26/import/template/people.csv").status_code == 404
