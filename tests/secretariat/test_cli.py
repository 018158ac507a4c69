"""`flask secretariat export …`: the same exports from the command line, with progress and the
CP932 report, each in the audit log."""

import csv
import io
import json

import openpyxl
from sqlalchemy import select

from consult.extensions import db
from consult.audit import AuditEvent


def test_export_comments_in_every_format(runner, comment, tmp_path):
    comment(body="=1+1 と 𠮷野家", status="published")
    comment(body="窓口の話", ward="kita")
    out = tmp_path / "c.csv"
    result = runner.invoke(args=["secretariat", "export", "comments", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "export: csv 2 rows" in result.output and f"wrote {out}" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 3 and "'=1+1 と 𠮷野家" in rows[1] + rows[2]

    sjis = tmp_path / "s.csv"
    result = runner.invoke(args=["secretariat", "export", "comments", "--encoding", "cp932", "--output", str(sjis)])
    assert result.exit_code == 0, result.output
    assert "replaced characters in 1 of 2 rows" in result.output and "𠮷" in result.output
    assert "'=1+1 と 〓野家" in sjis.read_bytes().decode("cp932")

    book = tmp_path / "c.xlsx"
    assert runner.invoke(args=["secretariat", "export", "comments", "--format", "xlsx", "--output", str(book),
                               "--ward", "kita"]).exit_code == 0
    sheet = openpyxl.load_workbook(book)["ご意見"]
    assert sheet.max_row == 2 and sheet.cell(row=2, column=6).value == "北区"

    data = tmp_path / "c.json"
    assert runner.invoke(args=["secretariat", "export", "comments", "--format", "json", "--output", str(data),
                               "--status", "published"]).exit_code == 0
    assert [c["body"] for c in json.loads(data.read_text())["comments"]] == ["=1+1 と 𠮷野家"]

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["export.csv", "export.csv", "export.xlsx", "export.json"]
    assert all(e.note == "cli" and e.user_id is None for e in db.session.scalars(select(AuditEvent)))


def test_export_refuses_bad_filters(runner, tmp_path):
    result = runner.invoke(args=["secretariat", "export", "comments", "--output", str(tmp_path / "x.csv"),
                                 "--ward", "zz"])
    assert result.exit_code != 0 and "--ward" in result.output
    result = runner.invoke(args=["secretariat", "export", "comments", "--format", "pdf", "--output", "x"])
    assert result.exit_code != 0


def test_export_document(runner, comment, tmp_path):
    comment(body="代表的なご意見です", status="published")
    html = tmp_path / "doc.html"
    result = runner.invoke(args=["secretariat", "export", "document", "--output", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "区役所等の在り方に関する市民意見の集計結果" in text and "代表的なご意見です" in text
    assert "@page" in text and "<svg" in text  # styles and charts travel inside the file
    book = tmp_path / "doc.xlsx"
    assert runner.invoke(args=["secretariat", "export", "document", "--output", str(book)]).exit_code == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "概要"
    assert runner.invoke(args=["secretariat", "export", "document", "--output", str(tmp_path / "d.pdf")]).exit_code != 0
