"""Exports of the comments: CSV (UTF-8 with BOM, or CP932), the Excel workbook and JSON, and the
public open-data CSV.

Everything streams. Comments are read with ``yield_per`` (a server-side cursor on PostgreSQL) and
written as they are read: CSV and JSON as generators of byte chunks, the workbook into a temporary
file that is then sent in chunks — its comments sheet's rows as XML written here, the rest with
XlsxWriter's ``constant_memory`` mode. The small tables a row refers to (topics, sections,
proposals, workshops, groups …) are read once into dictionaries, each label made into a finished
cell once, so a row costs no query of its own and one converter call per column.

Citizen text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or CR,
also in full-width forms) is neutralised with a leading apostrophe in CSV and XLSX (OWASP).
"""

import codecs
import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import IO, Any, Callable, Iterable, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..audit import record
from ..consultation.models import Proposal, Section, SectionRevision, Topic
from ..extensions import db
from ..i18n import to_jst, utcnow
from ..participation.models import Comment
from ..participation.services import age_band_labels, relation_labels, vote_labels, ward_choices
from ..workshops.models import Theme, Workshop, WorkshopTable
from . import stats
from .filters import ReviewFilter
from .labels import channel_labels, group_state_labels, response_category_labels, status_labels
from .models import OpinionGroup

FORMATS = ("csv", "xlsx", "json")
ENCODINGS = ("utf-8-sig", "cp932")
REPLACEMENTS = ("〓", "?")
CHUNK_ROWS = 1000  # rows fetched per round trip and per written chunk
CSV_FLUSH_BYTES = 64 * 1024
PROGRESS_ROWS = 10000  # rows between progress reports

# --- making text safe for spreadsheets and for CP932 ---------------------------------------

# Every character that starts a formula once NFKC-normalised (=, +, -, @, tab, CR): the ASCII ones and
# their full-width, small, superscript and subscript forms (⩵ and ⩶ normalise to == and ===).
# A set, so a cell costs one look-up and no normalisation; tests/secretariat/test_exports.py checks it
# against unicodedata over every code point, so a newer Unicode cannot silently add one.
FORMULA_STARTERS = frozenset("=+-@\t\r\u207a\u207c\u208a\u208c\u2a75\u2a76\ufb29"
                             "\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20")


def inert(value: str) -> str:
    """A cell Excel will show as text: a leading ', when the text could start a formula."""
    if value and value[0] in FORMULA_STARTERS:
        return "'" + value
    return value


# Characters CP932 writes under another code point (Python's cp932 already maps 〜, −, ‖, ¢, £, ¬).
_CP932_EQUIVALENTS = str.maketrans({"\u2014": "\u2015", "\u00a6": "\uffe4"})
# Invisible joiners and variation selectors: dropped, they carry no text of their own.
_INVISIBLE = dict.fromkeys(map(ord, "\u200d\ufe0e\ufe0f"), None)


def to_cp932(text: str, replacement: str = "〓") -> tuple[str, list[str]]:
    """``text`` made encodable in CP932 and the characters that had to be replaced."""
    text = text.translate(_CP932_EQUIVALENTS)
    try:
        text.encode("cp932")
        return text, []
    except UnicodeEncodeError:
        pass
    text = text.translate(_INVISIBLE)
    out, lost = [], []
    for ch in text:
        try:
            ch.encode("cp932")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(replacement)
            lost.append(ch)
    return "".join(out), lost


@dataclass
class Cp932Report:
    """What a CP932 export replaced: how many rows, which ones (the first ``keep``), which characters."""

    replacement: str = "〓"
    rows: int = 0
    affected_rows: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)  # (receipt number, characters)
    characters: Counter = field(default_factory=Counter)
    keep: int = 200

    def note(self, receipt_no: str, lost: list[str]) -> None:
        self.affected_rows += 1
        self.characters.update(lost)
        if len(self.examples) < self.keep:
            self.examples.append((receipt_no, "".join(dict.fromkeys(lost))))

    def top_characters(self, n: int = 50) -> list[tuple[str, str, int]]:
        """(character, its code point as U+XXXX, how often) for the most frequent replaced characters."""
        return [(ch, f"U+{ord(ch):04X}", k) for ch, k in self.characters.most_common(n)]

    def as_dict(self) -> dict:
        return {"rows": self.rows, "affected_rows": self.affected_rows, "replacement": self.replacement,
                "characters": "".join(self.characters)}


# --- the comment rows ----------------------------------------------------------------------

def comment_columns() -> list[tuple[str, Any]]:
    """(key, heading) of every exported field, in order."""
    return [
        ("receipt_no", _l("受付番号")), ("topic_number", _l("審議事項番号")), ("topic", _l("審議事項")),
        ("section", _l("節")), ("proposal", _l("提案")), ("ward", _l("区")), ("relation", _l("区との関わり")),
        ("age_band", _l("年代")), ("channel", _l("経路")), ("workshop", _l("ワークショップ")),
        ("table", _l("テーブル")), ("theme", _l("ワークショップのテーマ")), ("paper_dots", _l("付箋のシール数")),
        ("group", _l("意見グループ")), ("response_category", _l("対応区分")), ("status", _l("状態")),
        ("body", _l("原文")), ("body_published", _l("公開文")), ("hidden_reason", _l("非公開の理由")),
        ("created_at", _l("受付日時（日本時間）")), ("published_at", _l("公開日時（日本時間）")),
        ("moderated_at", _l("確認日時（日本時間）")), ("is_demo", _l("デモデータ")),
    ]


DATETIME_KEYS = ("created_at", "published_at", "moderated_at")
TEXT_KEYS = ("body", "body_published", "hidden_reason")


class Lookups:
    """The small tables a comment row refers to, each read once into plain values (no ORM
    objects), so that rows can be made later, outside the request, without touching a session."""

    def __init__(self, consultation_id: int):
        self.topics = dict((t_id, (number, title)) for t_id, number, title in db.session.execute(
            select(Topic.id, Topic.number, Topic.title).where(Topic.consultation_id == consultation_id)))
        headings: dict[int, str] = {}
        for section_id, heading in db.session.execute(
                select(SectionRevision.section_id, SectionRevision.heading)
                .join(Section, Section.id == SectionRevision.section_id)
                .where(Section.topic_id.in_(list(self.topics))).order_by(SectionRevision.number)):
            headings[section_id] = heading  # the latest revision's heading wins
        self.sections = headings
        self.proposals = dict(db.session.execute(
            select(Proposal.id, Proposal.text).where(Proposal.topic_id.in_(list(self.topics)))).all())
        self.workshops = dict(db.session.execute(
            select(Workshop.id, Workshop.title).where(Workshop.consultation_id == consultation_id)).all())
        self.tables = dict(db.session.execute(select(WorkshopTable.id, WorkshopTable.name)
                                              .where(WorkshopTable.workshop_id.in_(list(self.workshops)))).all())
        self.themes = dict(db.session.execute(select(Theme.id, Theme.name)
                                              .where(Theme.workshop_id.in_(list(self.workshops)))).all())
        self.groups = {g_id: (title, category, state) for g_id, title, category, state in db.session.execute(
            select(OpinionGroup.id, OpinionGroup.title, OpinionGroup.response_category, OpinionGroup.state)
            .where(OpinionGroup.topic_id.in_(list(self.topics))))}
        self.wards = {code: str(label) for code, label in ward_choices()}
        self.relations = {k: str(v) for k, v in relation_labels().items()}
        self.ages = {k: str(v) for k, v in age_band_labels().items()}
        self.channels = {k: str(v) for k, v in channel_labels().items()}
        self.statuses = {k: str(v) for k, v in status_labels().items()}
        self.categories = {k: str(v) for k, v in response_category_labels().items()}


_ROW_COLUMNS = (Comment.id, Comment.receipt_no, Comment.topic_id, Comment.section_id, Comment.proposal_id,
                Comment.ward_code, Comment.relation, Comment.age_band, Comment.channel, Comment.workshop_id,
                Comment.table_id, Comment.theme_id, Comment.paper_dots, Comment.opinion_group_id, Comment.status,
                Comment.body, Comment.body_published, Comment.hidden_reason, Comment.created_at_utc,
                Comment.published_at_utc, Comment.moderated_at_utc, Comment.is_demo)
_INDEX = {c.key: i for i, c in enumerate(_ROW_COLUMNS)}
_CODE = object()  # a code missing from its labels shows as the code itself


def _sources(lk: Lookups) -> dict[str, tuple[str, str, dict | None, Any]]:
    """Each exported field: (the SQL column it comes from, its kind, and for a looked-up field the
    table value → display value and what a value missing from it shows). Every field depends on one
    column only, so a row is made cell by cell with one converter per column, chosen once."""
    category = lk.categories
    return {
        "id": ("id", "number", None, None),
        "receipt_no": ("receipt_no", "text", None, None),
        "topic_number": ("topic_id", "lookup", {k: v[0] for k, v in lk.topics.items()}, None),
        "topic": ("topic_id", "lookup", {k: v[1] for k, v in lk.topics.items()}, ""),
        "section": ("section_id", "lookup", lk.sections, ""),
        "proposal": ("proposal_id", "lookup", lk.proposals, ""),
        "ward": ("ward_code", "lookup", lk.wards, _CODE),
        "relation": ("relation", "lookup", lk.relations, _CODE),
        "age_band": ("age_band", "lookup", lk.ages, _CODE),
        "channel": ("channel", "lookup", lk.channels, _CODE),
        "workshop": ("workshop_id", "lookup", lk.workshops, ""),
        "table": ("table_id", "lookup", lk.tables, ""),
        "theme": ("theme_id", "lookup", lk.themes, ""),
        "paper_dots": ("paper_dots", "count", None, None),
        "group": ("opinion_group_id", "lookup", {k: g[0] for k, g in lk.groups.items()}, ""),
        "response_category": ("opinion_group_id", "lookup",
                               {k: category.get(g[1], "") if g[1] else "" for k, g in lk.groups.items()}, ""),
        "status": ("status", "lookup", lk.statuses, _CODE),
        "body": ("body", "text", None, None),
        "body_published": ("body_published", "text", None, None),
        "hidden_reason": ("hidden_reason", "text", None, None),
        "created_at": ("created_at_utc", "datetime", None, None),
        "published_at": ("published_at_utc", "datetime", None, None),
        "moderated_at": ("moderated_at_utc", "datetime", None, None),
        "is_demo": ("is_demo", "flag", None, None),
    }


class _Lookup(dict):
    """Value → finished cell, each finished once; a value missing from the table shows as
    ``missing`` (as itself for codes), finished and then kept too."""

    def __init__(self, table: dict, missing: Any, finish: Callable[[Any], Any]):
        super().__init__((k, finish(v)) for k, v in table.items())
        self.missing, self.finish = missing, finish

    def __missing__(self, key):
        value = ("" if key is None else key) if self.missing is _CODE else self.missing
        self[key] = cell = self.finish(value)
        return cell


class _Cells:
    """How one format turns the display values into cells: ``finish`` for the looked-up labels
    (run once per label), the others once per cell."""

    finish: Callable[[Any], Any]
    text: Callable[[str | None], Any]
    datetime: Callable[[datetime | None], Any]
    count: Callable[[int | None], Any]
    flag: Callable[[Any], Any]
    number: Callable[[int], Any]


def _plan(lk: Lookups, keys: Iterable[str], cells: type[_Cells]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(index in the SQL row, converter) for each of ``keys``."""
    sources = _sources(lk)
    plan = []
    for key in keys:
        column, kind, table, missing = sources[key]
        convert = _Lookup(table, missing, cells.finish).__getitem__ if kind == "lookup" else getattr(cells, kind)
        plan.append((_INDEX[column], convert))
    return plan


def _comment_rows(f: ReviewFilter, chunk: int, *, jst_text: bool = False) -> tuple[Lookups, Iterator[Any]]:
    """The lookups (read now, in the request) and the matching SQL rows (read as they are consumed).
    With ``jst_text``, the database writes the datetimes as JST text itself (for CSV)."""
    lk = Lookups(f.consultation_id)
    columns = [_jst_text_sql(c) if jst_text and c.key in _DATETIME_COLUMNS else c for c in _ROW_COLUMNS]
    # In the order received (id): follows the primary key, so the database never sorts the whole export.
    stmt = select(*columns).where(*f.comment_conditions()).order_by(Comment.id)
    return lk, _stream(db.engine, stmt, chunk)


# Stored datetimes are naive UTC (SQLite keeps no zone; PostgreSQL's columns have none either), and
# JST has no daylight saving time: a fixed offset, without tz objects per cell.
_JST_OFFSET = timedelta(hours=9)
_DATETIME_COLUMNS = ("created_at_utc", "published_at_utc", "moderated_at_utc")


def _jst_text_sql(column):
    """``column`` (naive UTC) as 'YYYY-MM-DD HH:MM:SS' in JST, or NULL."""
    if db.engine.dialect.name == "sqlite":  # stored as text; cut the microseconds, which strftime would round
        return func.strftime("%Y-%m-%d %H:%M:%S", func.substr(column, 1, 19), "+9 hours").label(column.key)
    return func.to_char(column + _JST_OFFSET, "YYYY-MM-DD HH24:MI:SS").label(column.key)


def _stream(engine: Engine, stmt, chunk: int) -> Iterator[Any]:
    """Rows of ``stmt`` read ``chunk`` at a time on a connection of its own (a server-side cursor
    on PostgreSQL), so the generator needs no request, app context or session."""
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=chunk).execute(stmt)


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is None else dt.astimezone(timezone.utc).replace(tzinfo=None)


def _jst(dt: datetime | None) -> datetime | None:
    return to_jst(dt) if dt is not None else None


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return inert(value)
    return str(value)


class _CsvCells(_Cells):
    finish = staticmethod(_csv_value)
    text = staticmethod(lambda v: inert(v) if v else "")
    datetime = staticmethod(lambda v: v or "")  # already JST text, from the database
    count = staticmethod(lambda v: str(v) if v else "0")
    flag = staticmethod(lambda v: "1" if v else "0")
    number = staticmethod(str)


class _RecordCells(_Cells):
    """Plain values for JSON: labels as they are, datetimes in JST."""
    finish = staticmethod(lambda v: v)
    text = staticmethod(lambda v: v or "")
    datetime = staticmethod(_jst)
    count = staticmethod(lambda v: v or 0)
    flag = staticmethod(bool)
    number = staticmethod(lambda v: v)


def comment_records(f: ReviewFilter, *, chunk: int = CHUNK_ROWS) -> Iterator[dict[str, Any]]:
    """Every matching comment as a dict of display values (id first), in the order received."""
    keys = ["id", *(k for k, _ in comment_columns())]
    lk, rows = _comment_rows(f, chunk)
    plan = _plan(lk, keys, _RecordCells)
    return ({k: convert(r[i]) for k, (i, convert) in zip(keys, plan)} for r in rows)


def csv_chunks(header: list[str], rows: Iterable[list[str]], *, encoding: str = "utf-8-sig",
               replacement: str = "〓", report: Cp932Report | None = None,
               receipt_of: Callable[[list[str]], str] | None = None,
               progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """CSV as byte chunks (RFC 4180, CRLF) from rows of strings already made inert. UTF-8 starts with
    a BOM; CP932 replaces what it cannot encode and notes each affected row in ``report``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    cp932 = encoding == "cp932"
    encoder = codecs.getincrementalencoder("cp932" if cp932 else "utf-8")()
    if not cp932:
        yield codecs.BOM_UTF8
    writer.writerow([to_cp932(h, replacement)[0] if cp932 else h for h in header])
    n = 0
    rows = iter(rows)
    while batch := list(islice(rows, CHUNK_ROWS)):
        if cp932:
            for row in batch:
                n += 1
                lost_in_row: list[str] = []
                cells = []
                for cell in row:
                    cell, lost = to_cp932(cell, replacement)
                    cells.append(cell)
                    lost_in_row += lost
                if lost_in_row and report is not None:
                    report.note(receipt_of(row) if receipt_of else str(n), lost_in_row)
                writer.writerow(cells)
        else:
            writer.writerows(batch)
            n += len(batch)
        if report is not None:
            report.rows = n
        if progress and n % PROGRESS_ROWS < len(batch):
            progress(n)
        if buf.tell() >= CSV_FLUSH_BYTES:
            yield encoder.encode(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    yield encoder.encode(buf.getvalue(), final=True)
    if progress:
        progress(n)


def comments_csv(f: ReviewFilter, *, encoding: str = "utf-8-sig", replacement: str = "〓",
                 report: Cp932Report | None = None, progress=None) -> Iterator[bytes]:
    columns = comment_columns()
    lk, rows = _comment_rows(f, CHUNK_ROWS, jst_text=True)
    plan = _plan(lk, [k for k, _ in columns], _CsvCells)
    cells = ([convert(r[i]) for i, convert in plan] for r in rows)
    return csv_chunks([str(label) for _, label in columns], cells, encoding=encoding, replacement=replacement,
                      report=report, receipt_of=lambda row: row[0], progress=progress)


def cp932_check(f: ReviewFilter, replacement: str = "〓") -> Cp932Report:
    """Run the CP932 export without keeping it, to report beforehand what it will replace."""
    report = Cp932Report(replacement=replacement)
    for _chunk in comments_csv(f, encoding="cp932", replacement=replacement, report=report):
        pass
    return report


def comments_json(f: ReviewFilter, *, progress=None) -> Iterator[bytes]:
    """{"generated_at", "filters", "comments": [...]} written one comment at a time."""
    head = {"generated_at": to_jst(utcnow()).isoformat(), "filters": f.as_args()}
    return _json_chunks(head, comment_records(f), progress)


def _json_chunks(head: dict, records: Iterable[dict], progress) -> Iterator[bytes]:
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": [\n').encode()
    n = 0
    for rec in records:
        rec = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in rec.items()}
        yield ((",\n" if n else "") + json.dumps(rec, ensure_ascii=False)).encode()
        n += 1
        if progress and n % PROGRESS_ROWS == 0:
            progress(n)
    yield b"\n]}\n"
    if progress:
        progress(n)


# --- open data -----------------------------------------------------------------------------

def open_data_columns() -> list[tuple[str, Any]]:
    return [("topic_number", _l("審議事項番号")), ("topic", _l("審議事項")), ("section", _l("節")),
            ("proposal", _l("提案")), ("ward", _l("区")), ("channel", _l("経路")),
            ("published_on", _l("公開日")), ("text", _l("ご意見（公開文）")), ("group", _l("意見グループ")),
            ("is_demo", _l("デモデータ"))]


def open_data_csv(consultation_id: int, *, with_groups: bool) -> Iterator[bytes]:
    """Published comments only, as published (the masked copy where there is one), with no
    personal or moderation field: no receipt number, participant, relation, age band, original
    text or hidden reason. Dates only, not times. Groups only once results are published."""
    lk = Lookups(consultation_id)
    stmt = (select(Comment.topic_id, Comment.section_id, Comment.proposal_id, Comment.ward_code, Comment.channel,
                   Comment.published_at_utc, Comment.created_at_utc, Comment.body, Comment.body_published,
                   Comment.opinion_group_id, Comment.is_demo)
            .where(Comment.status == "published", Comment.topic_id.in_(list(lk.topics)))
            .order_by(Comment.topic_id, Comment.published_at_utc, Comment.id))

    def rows(source):
        for r in source:
            number, title = lk.topics[r.topic_id]
            group = lk.groups.get(r.opinion_group_id) if (with_groups and r.opinion_group_id) else None
            when = r.published_at_utc or r.created_at_utc
            yield [_csv_value(v) for v in (
                number, title, lk.sections.get(r.section_id, "") if r.section_id else "",
                lk.proposals.get(r.proposal_id, "") if r.proposal_id else "",
                lk.wards.get(r.ward_code, ""), lk.channels.get(r.channel, r.channel),
                to_jst(when).date().isoformat(),
                r.body_published if r.body_published is not None else r.body,
                group[0] if group is not None and group[2] == "confirmed" else "", bool(r.is_demo))]

    return csv_chunks([str(label) for _, label in open_data_columns()], rows(_stream(db.engine, stmt, CHUNK_ROWS)))


# --- the Excel workbook --------------------------------------------------------------------

def _excel_time(value: datetime) -> datetime:
    return value.replace(tzinfo=None)  # already JST; Excel has no time zones


# --- rows of a sheet written as XML: the comments sheet, where XlsxWriter's per-cell calls cost
# ~100 µs a row. Cells as in XlsxWriter's constant_memory mode: inline strings (escaped, never
# taken as rich text), numbers, booleans, datetimes as serial numbers; blank cells are left out.
# Each cell's style is written as a slot, one control byte standing for its column, and filled in
# with the column's style when the sheet is spliced (XlsxWriter numbers styles only when the workbook
# is closed). Control characters in text become _xHHHH_, so a slot can neither be forged by a comment
# nor split between two chunks of the file.

_STYLE_SLOTS = bytes([*range(0x01, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])  # not tab, LF or CR: text keeps them
_SLOT = re.compile(b"[" + re.escape(_STYLE_SLOTS) + b"]")
_EXCEL_EPOCH_UTC = datetime(1899, 12, 30) - _JST_OFFSET  # day 0 of Excel's 1900 system (after 1 March 1900), in JST
_EXCEL_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XLSX_STRMAX = 32767  # Excel's limit, in UTF-16 units


def _xml_text(value: str) -> str:
    """An inline string cell, from after its reference and style on."""
    if len(value) > _XLSX_STRMAX // 2 and len(value.encode("utf-16-le", "surrogatepass")) > 2 * _XLSX_STRMAX:
        value = value.encode("utf-16-le", "surrogatepass")[:2 * _XLSX_STRMAX].decode("utf-16-le", "ignore")
    if "_x" in value:
        value = _EXCEL_ESCAPED.sub(r"_x005F\1", value)  # as Excel: a literal _xHHHH_ is not an escape
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _XML_CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _xml_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'><v>{value!r}</v></c>'
    return _xml_text(inert(str(value)))


def _xml_datetime(dt: datetime | None) -> str:
    if dt is None:
        return ""
    d = _utc(dt) - _EXCEL_EPOCH_UTC
    return f'><v>{d.days + (d.seconds + d.microseconds / 1e6) / 86400!r}</v></c>'


class _XmlCells(_Cells):
    finish = staticmethod(_xml_value)
    text = staticmethod(lambda v: _xml_text(inert(v)) if v else "")
    datetime = staticmethod(_xml_datetime)
    count = staticmethod(lambda v: f'><v>{v or 0}</v></c>')
    flag = staticmethod(lambda v: f' t="b"><v>{1 if v else 0}</v></c>')
    number = staticmethod(lambda v: f'><v>{v}</v></c>')


def _write_rows(out: IO[bytes], rows: Iterable[Any], plan: list[tuple[int, Callable[[Any], str]]],
                progress=None) -> int:
    """``<row>`` elements from row 2 on (row 1 is the heading) into ``out``, a buffered file."""
    from xlsxwriter.utility import xl_col_to_name

    assert len(plan) <= len(_STYLE_SLOTS)
    cols = [(i, convert, f'<c r="{xl_col_to_name(k)}', f'" s="{chr(_STYLE_SLOTS[k])}"')
            for k, (i, convert) in enumerate(plan)]
    n, lines = 0, []
    for r in rows:
        n += 1
        ref = n + 1
        lines.append(f'<row r="{ref}">')
        lines += [f"{start}{ref}{style}{cell}" for i, convert, start, style in cols if (cell := convert(r[i]))]
        lines.append("</row>")
        if n % 100 == 0:
            out.write("".join(lines).encode())
            lines.clear()
            if progress and n % PROGRESS_ROWS == 0:
                progress(n)
    out.write("".join(lines).encode())
    return n


def _not_rich(text: str) -> str:
    """XlsxWriter writes a string shaped "<r>…</r>" into the file as rich-text XML, unescaped: such
    text (a group's title, say) is handed over as a rich text of one run holding it escaped."""
    if text.startswith("<r>") and text.endswith("</r>"):
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<r><t xml:space="preserve">{escaped}</t></r>'
    return text


class _Sheet:
    """Rows written in order (constant_memory), strings made inert, datetimes as real date cells."""

    def __init__(self, book: "Book", name: str, widths: list[int] | None = None, formats: list[Any] | None = None):
        self.book, self.ws, self.row = book, book.wb.add_worksheet(name), 0
        self.part = f"xl/worksheets/sheet{len(book.wb.worksheets())}.xml"  # its file inside the workbook
        for i, w in enumerate(widths or []):
            self.ws.set_column(i, i, w, formats[i] if formats else None)

    def write(self, values: list[Any], *, header: bool = False, formats: dict[int, Any] | None = None) -> None:
        for col, value in enumerate(values):
            fmt = (formats or {}).get(col) or (self.book.header if header else self.book.wrap)
            if value is None or value == "":
                self.ws.write_blank(self.row, col, None, fmt)
            elif isinstance(value, bool):
                self.ws.write_boolean(self.row, col, value, fmt)
            elif isinstance(value, datetime):
                self.ws.write_datetime(self.row, col, _excel_time(value), self.book.datetime)
            elif isinstance(value, (int, float)):
                self.ws.write_number(self.row, col, value, (formats or {}).get(col))
            else:
                self.ws.write_string(self.row, col, _not_rich(inert(str(value))), fmt)
        self.row += 1

    def blank(self) -> None:
        self.row += 1


class Book:
    """An XlsxWriter workbook, made in a temporary file and copied to ``target`` when closed. A sheet
    too large for XlsxWriter's per-cell calls has its rows written as XML by :func:`_write_rows` and
    spliced into the sheet XlsxWriter made (heading, widths, styles, filter) on the way."""

    def __init__(self, target: str | IO[bytes]):
        import xlsxwriter  # here, not at import: the CLI and the other exports start faster without it

        self.target = target
        self.staging = tempfile.TemporaryFile()
        self.spliced: dict[str, tuple[IO[bytes], int]] = {}  # sheet's part → (its rows as XML, rows)
        self.wb = xlsxwriter.Workbook(self.staging, {"constant_memory": True, "strings_to_formulas": False,
                                                     "strings_to_urls": False, "strings_to_numbers": False,
                                                     "tmpdir": tempfile.gettempdir()})
        self.header = self.wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                                          "valign": "top"})
        self.title = self.wb.add_format({"bold": True, "font_size": 14})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.datetime = self.wb.add_format({"num_format": "yyyy/mm/dd hh:mm", "valign": "top"})
        self.date = self.wb.add_format({"num_format": "yyyy/mm/dd", "valign": "top"})
        self.percent = self.wb.add_format({"num_format": "0.0%", "valign": "top"})
        self.ratio = self.wb.add_format({"num_format": "0.00", "valign": "top"})

    def sheet(self, name: str, widths: list[int] | None = None, formats: list[Any] | None = None) -> _Sheet:
        return _Sheet(self, name, widths, formats)

    def splice(self, sheet: _Sheet, rows: IO[bytes], n: int) -> None:
        """Add ``n`` rows of ``<row>`` XML (from row 2 on) to ``sheet`` when the book is closed."""
        self.spliced[sheet.part] = (rows, n)

    def close(self) -> None:
        self.wb.close()
        try:
            self.staging.seek(0)
            if not self.spliced:
                if isinstance(self.target, str):
                    with open(self.target, "wb") as out:
                        shutil.copyfileobj(self.staging, out)
                else:
                    shutil.copyfileobj(self.staging, self.target)
                return
            with zipfile.ZipFile(self.staging) as zin, \
                    zipfile.ZipFile(self.target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
                for info in zin.infolist():
                    if info.filename in self.spliced:
                        _splice_sheet(zin.read(info).decode(), *self.spliced[info.filename], zout, info)
                    else:
                        zout.writestr(info, zin.read(info))
        finally:
            self.staging.close()
            for rows, _n in self.spliced.values():
                rows.close()


def _splice_sheet(xml: str, rows: IO[bytes], n: int, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The sheet XlsxWriter wrote (its heading row only), with the rows inserted after the heading
    and its dimension made to cover them. Each cell takes its column's style, read from ``<cols>``."""
    head, tail = xml.split("</sheetData>", 1)
    styles = dict.fromkeys(_STYLE_SLOTS, b"0")  # a column without a style of its own: the default
    for first, last, style in re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*? style="(\d+)"', head):
        styles.update((_STYLE_SLOTS[col - 1], style.encode()) for col in range(int(first), int(last) + 1))
    if all(len(style) == 1 for style in styles.values()):  # one digit each: one pass of translate
        table = bytes.maketrans(bytes(styles), b"".join(styles.values()))
        fill = lambda chunk: chunk.translate(table)  # noqa: E731
    else:
        fill = lambda chunk: _SLOT.sub(lambda m: styles[m[0][0]], chunk)  # noqa: E731
    head = re.sub(r'<dimension ref="A1:([A-Z]+)1"/>', lambda m: f'<dimension ref="A1:{m[1]}{n + 1}"/>', head, count=1)
    part = zipfile.ZipInfo(info.filename, info.date_time)
    part.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(part, "w") as out:
        out.write(head.encode())
        rows.seek(0)
        while chunk := rows.read(64 * 1024):
            out.write(fill(chunk))
        out.write(("</sheetData>" + tail).encode())


_COMMENT_WIDTHS = {"receipt_no": 16, "topic": 24, "section": 16, "proposal": 30, "body": 60,
                   "body_published": 60, "hidden_reason": 24, "workshop": 24, "group": 24,
                   "created_at": 17, "published_at": 17, "moderated_at": 17}


def _pct(share: float | None):
    return share if share is not None else ""


def write_comments_sheet(book: Book, f: ReviewFilter, progress=None) -> int:
    columns = comment_columns()
    keys = [k for k, _ in columns]
    sheet = book.sheet(str(_l("ご意見")), [_COMMENT_WIDTHS.get(k, 12) for k in keys],
                       [book.datetime if k in DATETIME_KEYS else book.wrap for k in keys])
    sheet.write([str(label) for _, label in columns], header=True)
    sheet.ws.freeze_panes(1, 1)
    lk, rows = _comment_rows(f, CHUNK_ROWS)
    out = tempfile.TemporaryFile()
    n = _write_rows(out, rows, _plan(lk, keys, _XmlCells), progress)
    sheet.ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
    book.splice(sheet, out, n)
    return n


def write_matrix_sheet(book: Book, f: ReviewFilter) -> None:
    m = stats.topic_ward_matrix(f)
    sheet = book.sheet(str(_l("審議事項×区")), [36] + [10] * (len(m.columns) + 1))
    sheet.write([str(_l("審議事項")), *[label for _, label in m.columns], str(_l("合計"))], header=True)
    for row in m.rows:
        sheet.write([f"{row.topic.number}. {row.topic.title}", *row.cells, row.total])
    sheet.write([str(_l("合計")), *m.column_totals, m.total])


def write_proposals_sheet(book: Book, f: ReviewFilter) -> None:
    labels = {k: str(v) for k, v in vote_labels().items()}
    sheet = book.sheet(str(_l("提案×区")), [14, 40, 12, 8] + [8, 9, 9, 9] * 3)
    head = [str(_l("審議事項")), str(_l("提案")), str(_l("区")), str(_l("回答数"))]
    for value in ("agree", "disagree", "pass"):
        head += [labels[value], str(_l("%(v)sの割合", v=labels[value])), str(_l("95%区間 下限")), str(_l("95%区間 上限"))]
    sheet.write(head, header=True)
    pct = {i: book.percent for i in range(4, 16) if (i - 4) % 4}
    for result in stats.proposals_by_ward(f):
        topic = f"{result.proposal.topic.number}. {result.proposal.topic.title}"
        for row in [*result.rows, result.total]:
            values: list[Any] = [topic, result.proposal.text, row.label or str(_l("全体")), row.n]
            for value in ("agree", "disagree", "pass"):
                share = row.cells[value]
                low, high = share.interval or ("", "")
                values += [share.k, _pct(share.share), low, high]
            sheet.write(values, formats=pct)


_VERDICTS = {"over": _l("人口比より多い"), "under": _l("人口比より少ない"), "even": _l("人口比と差はない"),
             "unknown": _l("判定できない")}


def verdict_labels() -> dict[str, Any]:
    return _VERDICTS


def write_representativeness_sheet(book: Book, f: ReviewFilter) -> None:
    rep = stats.representativeness(f)
    sheet = book.sheet(str(_l("代表性")), [12, 12, 10, 10, 10, 10, 10, 10, 20])
    sheet.write([str(_l("区")), str(_l("人口")), str(_l("人口比")), str(_l("参加者数")), str(_l("参加者比")),
                 str(_l("95%区間 下限")), str(_l("95%区間 上限")), str(_l("比率（参加者比÷人口比）")),
                 str(_l("判定"))], header=True)
    fmts = {2: book.percent, 4: book.percent, 5: book.percent, 6: book.percent, 7: book.ratio}
    for r in rep.rows:
        low, high = r.participants.interval or ("", "")
        sheet.write([r.label, r.population, _pct(r.population_share), r.participants.k, _pct(r.participants.share),
                     low, high, r.ratio if r.ratio is not None else "", str(_VERDICTS[r.verdict])], formats=fmts)
    sheet.write([str(_l("5区の合計")), rep.population_total, 1 if rep.population_total else "", rep.city_participants])
    sheet.blank()
    sheet.write([str(_l("熊本市外")), "", "", rep.outside])
    sheet.write([str(_l("回答しない")), "", "", rep.undisclosed])
    sheet.blank()
    sheet.write([str(_l("人口の出典")), rep.population_source])
    sheet.write([str(_l("判定の方法")), str(_l("参加者比の95%区間（Wilson）が人口比を含まないとき、多い・少ないと判定しています。"))])


def write_groups_sheet(book: Book, f: ReviewFilter) -> None:
    categories = {k: str(v) for k, v in response_category_labels().items()}
    states = {k: str(v) for k, v in group_state_labels().items()}
    sheet = book.sheet(str(_l("意見グループ")), [24, 6, 28, 50, 8, 16, 60, 14])
    sheet.write([str(_l("審議事項")), "No.", str(_l("グループ名")), str(_l("意見の概要")), str(_l("件数")),
                 str(_l("対応区分")), str(_l("市の考え方")), str(_l("状態"))], header=True)
    topics = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.consultation_id == f.consultation_id))}
    for topic_id, lines in stats.group_counts(f, states=("confirmed", "proposed")).items():
        topic = topics[topic_id]
        for i, line in enumerate(lines, 1):
            g = line.group
            sheet.write([f"{topic.number}. {topic.title}", i, g.title, g.summary, line.count,
                         categories.get(g.response_category or "", ""), g.answer, states.get(g.state, g.state)])


def write_workshops_sheet(book: Book, f: ReviewFilter) -> None:
    channels = {k: str(v) for k, v in channel_labels().items()}
    sheet = book.sheet(str(_l("ワークショップ")), [10, 30, 24, 17, 10, 10, 10, 10, 10, 10])
    sheet.write([str(_l("区")), str(_l("ワークショップ")), str(_l("会場")), str(_l("開始日時（日本時間）")),
                 str(_l("状態")), *[str(_l("ご意見（%(c)s）", c=channels[c])) for c in ("workshop", "paper", "web")],
                 str(_l("着席した参加者")), str(_l("テーマ数"))], header=True)
    states = {"planned": str(_l("準備中")), "open": str(_l("開催中")), "closed": str(_l("終了"))}
    for row in stats.workshop_rows(f):
        w = row.workshop
        sheet.write([row.ward_name, w.title, w.venue, _jst(w.starts_at_utc), states.get(w.state, w.state),
                     row.comments["workshop"], row.comments["paper"], row.comments["web"], row.seats, row.themes])


def write_conditions_sheet(book: Book, f: ReviewFilter, rows: int) -> None:
    sheet = book.sheet(str(_l("出力条件")), [24, 60])
    sheet.write([str(_l("項目")), str(_l("内容"))], header=True)
    sheet.write([str(_l("作成日時（日本時間）")), to_jst(utcnow())])
    sheet.write([str(_l("ご意見の件数")), rows])
    for label, value in f.describe():
        sheet.write([str(label), value])


def write_workbook(target: str | IO[bytes], f: ReviewFilter, *, progress=None) -> int:
    """The secretariat's workbook; returns the number of comment rows written."""
    book = Book(target)
    n = write_comments_sheet(book, f, progress)
    write_matrix_sheet(book, f)
    write_proposals_sheet(book, f)
    write_representativeness_sheet(book, f)
    write_groups_sheet(book, f)
    write_workshops_sheet(book, f)
    write_conditions_sheet(book, f, n)
    book.close()
    if progress:
        progress(n)
    return n


def file_chunks(fh: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Send an open temporary file in chunks, closing (and so deleting) it at the end."""
    try:
        fh.seek(0)
        while chunk := fh.read(size):
            yield chunk
    finally:
        fh.close()


def workbook_file(f: ReviewFilter) -> IO[bytes]:
    """The workbook written into an anonymous temporary file (deleted when closed)."""
    fh = tempfile.TemporaryFile()
    write_workbook(fh, f)
    return fh


# --- audit ---------------------------------------------------------------------------------

def record_export(user, what: str, f: ReviewFilter, *, note: str = "", **details) -> None:
    """Each export is in the audit log: who, when, which format and filters. The caller commits."""
    record(user, f"export.{what}", "comment", "", after={"filters": f.as_args(), **details}, note=note)


def filename(stem: str, ext: str) -> str:
    return f"{stem}_{to_jst(utcnow()):%Y%m%d-%H%M}.{ext}"
