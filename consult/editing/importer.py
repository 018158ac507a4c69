"""Bulk import of sections or proposals from a CSV or Excel (.xlsx) file prepared by the secretariat.

upload → ``plan_import`` reads and checks every row against the database (nothing is written) →
the preview shows each row's action or its errors → ``store_plan`` keeps the parsed rows on the
server, in the instance folder under a random token, for the staff member who uploaded them →
confirm → ``load_plan`` + ``plan_rows`` check every row again (the database may have changed) →
``apply_plan`` writes all rows in one transaction, or none.

The client only ever sends the token back; the rows themselves never travel through the browser
a second time. Stored plans expire after an hour and are deleted once applied or cancelled.

CSV encodings: UTF-8 with or without a byte-order mark, and CP932 (Shift_JIS as Excel writes it),
detected in that order.
"""

import csv
import io
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import audit
from ..consultation.models import Consultation, Topic
from ..core.errors import InvalidInput
from ..core.text import nfkc
from ..core.transactions import action
from . import services

KINDS = ("sections", "proposals")
MAX_ROWS = 500
MAX_COLUMNS = 30
PLAN_TTL_SECONDS = 3600
PLAN_DIR = "editing-imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    aliases: tuple[str, ...]
    required: bool


COLUMNS: dict[str, tuple[Column, ...]] = {
    "sections": (
        Column("topic", _l("審議事項"), ("審議事項", "審議事項番号", "topic"), True),
        Column("anchor", _l("アンカー"), ("アンカー", "anchor", "節"), False),
        Column("heading", _l("見出し"), ("見出し", "heading"), True),
        Column("body", _l("本文"), ("本文", "body"), True),
        Column("note", _l("改訂メモ"), ("改訂メモ", "メモ", "note"), False),
    ),
    "proposals": (
        Column("topic", _l("審議事項"), ("審議事項", "審議事項番号", "topic"), True),
        Column("key", _l("キー"), ("キー", "key"), False),
        Column("text", _l("提案文"), ("提案文", "提案", "text"), True),
    ),
}

EXAMPLES = {
    "sections": ("1", "", "新しい節の見出し", "本文（Markdown）。空行で段落を分けます。", "追加"),
    "proposals": ("1", "", "区役所の窓口で、本庁の手続きも受け付けられるようにする"),
}


def kind_labels() -> dict:
    return {"sections": _l("中間取りまとめの節"), "proposals": _l("提案")}


def action_labels() -> dict:
    return {"create": _l("追加"), "revise": _l("改訂（新しい版）"), "update": _l("提案文を変更"),
            "unchanged": _l("変更なし")}


@dataclass
class PlanRow:
    line: int
    values: dict[str, str]
    topic: Topic | None = None
    action: str = ""
    target: str = ""  # the anchor or key concerned ("" when one will be made)
    errors: list = field(default_factory=list)


@dataclass
class Plan:
    kind: str
    filename: str = ""
    encoding: str = ""
    rows: list[PlanRow] = field(default_factory=list)
    file_errors: list = field(default_factory=list)

    @property
    def error_rows(self) -> list[PlanRow]:
        return [r for r in self.rows if r.errors]

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows if r.action in ("create", "revise", "update"))

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.error_rows and self.changes > 0


# --- reading the file -----------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes, errors: list) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable workbook gets the same plain message
        errors.append(_l("Excelファイルを読み込めませんでした。ファイルが壊れていないか、.xlsx 形式で保存されているか確かめてください。"))
        return []
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            rows.append((number, [_cell(v) for v in row]))
            if number > MAX_ROWS + 100:
                break
        return rows
    except Exception:  # noqa: BLE001
        errors.append(_l("Excelファイルの1枚目のシートを読み込めませんでした。"))
        return []
    finally:
        workbook.close()


def decode_csv(content: bytes) -> tuple[str | None, str]:
    """(text, encoding name) — UTF-8 with BOM, UTF-8, then CP932; (None, "") when none fits."""
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            return None, ""
    for encoding, label in (("utf-8", "UTF-8"), ("cp932", "CP932 (Shift_JIS)")):
        try:
            return content.decode(encoding), label
        except UnicodeDecodeError:
            continue
    return None, ""


def _read_csv(content: bytes, errors: list) -> tuple[list[tuple[int, list[str]]], str]:
    text, encoding = decode_csv(content)
    if text is None:
        errors.append(_l("文字コードを判別できませんでした。CSVは UTF-8（BOM付き・なし）か Shift_JIS（CP932）で保存してください。"))
        return [], ""
    if "\x00" in text:
        errors.append(_l("CSVファイルではないようです（文字以外のデータが含まれています）。"))
        return [], encoding
    # Rows are numbered as Excel shows them (one record, one row, even with line breaks in a cell).
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            rows.append((number, row[:MAX_COLUMNS]))
            if number > MAX_ROWS + 100:
                break
    except csv.Error:
        errors.append(_l("%(line)d行目付近でCSVの形式が崩れています（引用符 \" の閉じ忘れなど）。", line=len(rows) + 1))
        return [], encoding
    return rows, encoding


def read_table(filename: str, content: bytes) -> tuple[list[tuple[int, list[str]]], str, list]:
    """The file's rows as (line number, cells); the format or encoding found; file-level errors."""
    errors: list = []
    name = (filename or "").lower()
    if not content:
        return [], "", [_l("ファイルが空です。")]
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, errors), "Excel (.xlsx)", errors
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        return [], "", [_l("古い Excel 形式（.xls）には対応していません。Excel で「Excel ブック（.xlsx）」か「CSV UTF-8」で保存し直してください。")]
    if name.endswith((".xlsx", ".xlsm")):
        return [], "", [_l("Excelファイル（.xlsx）として読み込めませんでした。ファイルが壊れていないか確かめてください。")]
    rows, encoding = _read_csv(content, errors)
    return rows, encoding, errors


def _header_key(text: str) -> str:
    text = nfkc(text or "")
    text = re.sub(r"[（(](必須|任意)[）)]", "", text)
    return re.sub(r"\s+", "", text).casefold()


def map_header(kind: str, cells: list[str]) -> tuple[dict[int, str], list]:
    """Column index → field name for this kind; messages for unknown, duplicate or missing columns."""
    columns = COLUMNS[kind]
    lookup = {_header_key(alias): c for c in columns for alias in c.aliases}
    mapping: dict[int, str] = {}
    errors: list = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if not key:
            continue
        column = lookup.get(key)
        if column is None:
            errors.append(_l("列「%(name)s」（%(n)d列目）はこの取り込みでは使えません。", name=cell.strip()[:40], n=index + 1))
            continue
        if column.name in seen:
            errors.append(_l("列「%(name)s」が2回あります（%(a)d列目と%(b)d列目）。", name=column.label,
                             a=seen[column.name] + 1, b=index + 1))
            continue
        seen[column.name] = index
        mapping[index] = column.name
    for column in columns:
        if column.required and column.name not in seen:
            errors.append(_l("必要な列「%(name)s」がありません。", name=column.label))
    if errors:
        other = "proposals" if kind == "sections" else "sections"
        other_keys = {_header_key(a) for c in COLUMNS[other] if c.required for a in c.aliases}
        if any(_header_key(c) in other_keys - set(lookup) for c in cells):
            errors.append(_l("「%(other)s」を取り込むためのファイルのようです。取り込む内容の種類を確かめてください。",
                             other=kind_labels()[other]))
    return mapping, errors


# --- checking the rows ----------------------------------------------------------------------------

def resolve_topic(consultation: Consultation, value: str) -> Topic | None:
    value = nfkc(value or "").strip()
    match = re.fullmatch(r"(?:審議事項)?\s*(\d{1,3})", value)
    for topic in consultation.topics:
        if match and topic.number == int(match.group(1)):
            return topic
        if not match and topic.slug == value.casefold():
            return topic
    return None


def _flatten(exc: InvalidInput) -> list:
    return [m for messages in exc.errors.values() for m in messages]


def plan_rows(kind: str, raw_rows: list[tuple[int, dict[str, str]]], consultation: Consultation, *,
              filename: str = "", encoding: str = "") -> Plan:
    """Check parsed rows against the database as it is now; nothing is written."""
    plan = Plan(kind=kind, filename=filename, encoding=encoding)
    seen: dict[tuple[int, str], int] = {}
    for line, values in raw_rows:
        row = PlanRow(line=line, values=values)
        plan.rows.append(row)
        topic = resolve_topic(consultation, values.get("topic", ""))
        if topic is None:
            row.errors.append(_l("審議事項「%(value)s」が見つかりません。番号（1〜%(n)d）か英字の識別名（例：roles）で書いてください。",
                                 value=values.get("topic", "")[:40], n=len(consultation.topics)))
        row.topic = topic
        try:
            if kind == "sections":
                value = services.validate_section(values, with_anchor=True)
                ident = value.anchor
            else:
                text, ident = services.validate_proposal(values, with_key=True)
        except InvalidInput as exc:
            row.errors.extend(_flatten(exc))
            continue
        if topic is None:
            continue
        if ident:
            if (topic.id, ident) in seen:
                row.errors.append(_l("同じ%(what)s「%(id)s」が%(line)d行目にもあります。1つの行にまとめてください。",
                                     what=_l("アンカー") if kind == "sections" else _l("キー"), id=ident,
                                     line=seen[(topic.id, ident)]))
                continue
            seen[(topic.id, ident)] = line
        row.target = ident
        if kind == "sections":
            section = next((s for s in topic.sections if s.anchor == ident), None) if ident else None
            if section is None:
                row.action = "create"
            elif section.retired_at_utc is not None:
                row.errors.append(_l("節「%(id)s」は廃止されています。取り込む前に、節の一覧で復活させてください。", id=ident))
            elif section.current.heading == value.heading and section.current.body == value.body:
                row.action = "unchanged"
            else:
                row.action = "revise"
        else:
            proposal = next((p for p in topic.proposals if p.key == ident), None) if ident else None
            if proposal is None:
                row.action = "create"
            elif proposal.withdrawn_at_utc is not None:
                row.errors.append(_l("提案「%(id)s」は取り下げられています。変更するには、先に提案の一覧で戻してください。", id=ident))
            elif proposal.text == text:
                row.action = "unchanged"
            else:
                row.action = "update"
    if len(plan.rows) > MAX_ROWS:
        plan.file_errors.append(_l("一度に取り込めるのは%(max)d行までです（このファイルは%(n)d行以上）。ファイルを分けてください。",
                                   max=MAX_ROWS, n=len(plan.rows)))
    elif not plan.rows:
        plan.file_errors.append(_l("見出し行のほかに、取り込む行がありません。"))
    elif not plan.error_rows and plan.changes == 0:
        plan.file_errors.append(_l("すべての行が現在の内容と同じです。取り込むものはありません。"))
    return plan


def plan_import(kind: str, filename: str, content: bytes, consultation: Consultation) -> Plan:
    if kind not in KINDS:
        return Plan(kind=kind, filename=filename, file_errors=[_l("取り込む内容の種類を選んでください。")])
    table, encoding, errors = read_table(filename, content)
    plan = Plan(kind=kind, filename=filename, encoding=encoding, file_errors=list(errors))
    if errors:
        return plan
    table = [(n, cells) for n, cells in table if any(c.strip() for c in cells)]
    if not table:
        plan.file_errors.append(_l("ファイルに内容がありません。1行目に列名（%(columns)s）を書いてください。",
                                   columns="、".join(str(c.label) for c in COLUMNS[kind])))
        return plan
    (_header_line, header), body = table[0], table[1:]
    mapping, errors = map_header(kind, header)
    if errors:
        plan.file_errors.extend(errors)
        return plan
    raw_rows = [(line, {name: cells[i].strip() if i < len(cells) else "" for i, name in mapping.items()})
                for line, cells in body]
    return plan_rows(kind, raw_rows, consultation, filename=filename, encoding=encoding)


# --- writing ----------------------------------------------------------------------------------------

@action
def apply_plan(plan: Plan, user) -> dict[str, int]:
    """Write every row (the caller commits once). Only for a plan whose ``ok`` is true."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    counts = {"create": 0, "revise": 0, "update": 0, "unchanged": 0}
    for row in plan.rows:
        note = f"import {plan.filename} line {row.line}"
        topic = row.topic
        if plan.kind == "sections":
            value = services.validate_section(row.values, with_anchor=True)
            if row.action == "create":
                services.create_section(topic, value, user, note_for_audit=note)
            elif row.action == "revise":
                section = next(s for s in topic.sections if s.anchor == row.target)
                services.add_revision(section, value, user, note_for_audit=note)
        else:
            text, key = services.validate_proposal(row.values, with_key=True)
            if row.action == "create":
                services.create_proposal(topic, text, key, user, note_for_audit=note)
            elif row.action == "update":
                proposal = next(p for p in topic.proposals if p.key == row.target)
                services.set_proposal_text(proposal, text, user, note_for_audit=note)
        counts[row.action] += 1
    audit.record(user, "import.apply", plan.kind, "", after={"filename": plan.filename, "encoding": plan.encoding,
                                                            "rows": len(plan.rows), **counts})
    return counts


def template_csv(kind: str) -> bytes:
    """A file to start from: the column names and one example row, UTF-8 with BOM (Excel reads it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.aliases[0] for c in COLUMNS[kind]])
    writer.writerow(EXAMPLES[kind])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- keeping a checked plan between preview and confirmation ----------------------------------------

def _folder(instance_path: str) -> Path:
    folder = Path(instance_path) / PLAN_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path, now: float) -> None:
    for path in folder.glob("*.json"):
        try:
            if now - path.stat().st_mtime > PLAN_TTL_SECONDS:
                path.unlink()
        except OSError:
            pass


def store_plan(instance_path: str, plan: Plan, user_id: int) -> str:
    folder = _folder(instance_path)
    now = time.time()
    _sweep(folder, now)
    token = secrets.token_urlsafe(32)
    data = {"version": 1, "user_id": user_id, "kind": plan.kind, "filename": plan.filename,
            "encoding": plan.encoding, "created": now,
            "rows": [[row.line, row.values] for row in plan.rows]}
    fd = os.open(folder / f"{token}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    return token


def load_plan(instance_path: str, token: str, user_id: int) -> dict | None:
    """The stored rows for this token and user, or None (unknown, someone else's, or expired)."""
    if not TOKEN_RE.match(token or ""):
        return None
    path = _folder(instance_path) / f"{token}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("user_id") != user_id or data.get("kind") not in KINDS:
        return None
    if time.time() - float(data.get("created", 0)) > PLAN_TTL_SECONDS:
        discard_plan(instance_path, token)
        return None
    data["rows"] = [(int(line), {str(k): str(v) for k, v in values.items()}) for line, values in data["rows"]]
    return data


def discard_plan(instance_path: str, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        try:
            (_folder(instance_path) / f"{token}.json").unlink()
        except OSError:
            pass
