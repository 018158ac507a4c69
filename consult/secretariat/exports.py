"""Exports of the comments: CSV (UTF-8 with BOM, or CP932), the Excel workbook and JSON, and the
public open-data CSV.

Everything streams. Comments are read with ``yield_per`` (a server-side cursor on PostgreSQL) and
written as they are read: CSV and JSON as generators of byte chunks, the workbook with
XlsxWriter's ``constant_memory`` mode into a temporary file that is then sent in chunks. The small
tables a row refers to (topics, sections, proposals, workshops, groups …) are read once into
dictionaries, so a row costs no query of its own.

Citizen text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or CR,
also in full-width forms) is neutralised with a leading apostrophe in CSV and XLSX (OWASP).
"""

import codecs
import csv
import io
import json
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Callable, Iterable, Iterator

import xlsxwriter
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
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

# --- making text safe for spreadsheets and for CP932 ---------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: str) -> str:
    """A cell Excel will show as text: a leading ', when the text could start a formula."""
    if value and (value[0] in _FORMULA_STARTS or unicodedata.normalize("NFKC", value[0])[:1] in _FORMULA_STARTS):
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


def _jst(dt: datetime | None) -> datetime | None:
    return to_jst(dt) if dt is not None else None


def _stream(engine: Engine, stmt, chunk: int) -> Iterator[Any]:
    """Rows of ``stmt`` read ``chunk`` at a time on a connection of its own (a server-side cursor
    on PostgreSQL), so the generator needs no request, app context or session."""
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=chunk).execute(stmt)


def comment_records(f: ReviewFilter, *, chunk: int = CHUNK_ROWS) -> Iterator[dict[str, Any]]:
    """Every matching comment as a dict of display values, in the order received, ``chunk`` at a time.

    The lookups and labels are read now (in the request); the rows are read as they are consumed.
    """
    lk = Lookups(f.consultation_id)
    # In the order received (id): follows the primary key, so the database never sorts the whole export.
    stmt = select(*_ROW_COLUMNS).where(*f.comment_conditions()).order_by(Comment.id)
    return _comment_dicts(_stream(db.engine, stmt, chunk), lk)


def _comment_dicts(rows: Iterable[Any], lk: Lookups) -> Iterator[dict[str, Any]]:
    for r in rows:
        number, title = lk.topics.get(r.topic_id, (None, ""))
        group_title, category, _state = lk.groups.get(r.opinion_group_id, ("", None, "")) if r.opinion_group_id else ("", None, "")
        yield {
            "id": r.id, "receipt_no": r.receipt_no, "topic_number": number, "topic": title,
            "section": lk.sections.get(r.section_id, "") if r.section_id else "",
            "proposal": lk.proposals.get(r.proposal_id, "") if r.proposal_id else "",
            "ward": lk.wards.get(r.ward_code, r.ward_code or ""), "relation": lk.relations.get(r.relation, r.relation or ""),
            "age_band": lk.ages.get(r.age_band, r.age_band or ""), "channel": lk.channels.get(r.channel, r.channel),
            "workshop": lk.workshops.get(r.workshop_id, "") if r.workshop_id else "",
            "table": lk.tables.get(r.table_id, "") if r.table_id else "",
            "theme": lk.themes.get(r.theme_id, "") if r.theme_id else "",
            "paper_dots": r.paper_dots or 0, "group": group_title,
            "response_category": lk.categories.get(category, "") if category else "",
            "status": lk.statuses.get(r.status, r.status), "body": r.body, "body_published": r.body_published or "",
            "hidden_reason": r.hidden_reason or "", "created_at": _jst(r.created_at_utc),
            "published_at": _jst(r.published_at_utc), "moderated_at": _jst(r.moderated_at_utc),
            "is_demo": bool(r.is_demo),
        }


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


def csv_chunks(header: list[str], rows: Iterable[list[Any]], *, encoding: str = "utf-8-sig",
               replacement: str = "〓", report: Cp932Report | None = None,
               receipt_of: Callable[[list[Any]], str] | None = None,
               progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """CSV as byte chunks (RFC 4180, CRLF). UTF-8 starts with a BOM; CP932 replaces what it cannot
    encode and notes each affected row in ``report``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    cp932 = encoding == "cp932"
    encoder = codecs.getincrementalencoder("cp932" if cp932 else "utf-8")()
    if not cp932:
        yield codecs.BOM_UTF8
    writer.writerow([to_cp932(h, replacement)[0] if cp932 else h for h in header])
    n = 0
    for row in rows:
        cells = [_csv_value(v) for v in row]
        if cp932:
            lost_in_row: list[str] = []
            for i, cell in enumerate(cells):
                cells[i], lost = to_cp932(cell, replacement)
                lost_in_row += lost
            if lost_in_row and report is not None:
                report.note(receipt_of(row) if receipt_of else str(n + 1), lost_in_row)
        writer.writerow(cells)
        n += 1
        if report is not None:
            report.rows = n
        if progress and n % 10000 == 0:
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
    keys = [k for k, _ in columns]
    rows = ([rec[k] for k in keys] for rec in comment_records(f))
    return csv_chunks([str(label) for _, label in columns], rows, encoding=encoding, replacement=replacement,
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
        if progress and n % 10000 == 0:
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
            yield [number, title, lk.sections.get(r.section_id, "") if r.section_id else "",
                   lk.proposals.get(r.proposal_id, "") if r.proposal_id else "",
                   lk.wards.get(r.ward_code, ""), lk.channels.get(r.channel, r.channel),
                   to_jst(when).date().isoformat(),
                   r.body_published if r.body_published is not None else r.body,
                   group[0] if group is not None and group[2] == "confirmed" else "", bool(r.is_demo)]

    return csv_chunks([str(label) for _, label in open_data_columns()], rows(_stream(db.engine, stmt, CHUNK_ROWS)))


# --- the Excel workbook --------------------------------------------------------------------

def _excel_time(value: datetime) -> datetime:
    return value.replace(tzinfo=None)  # already JST; Excel has no time zones


class _Sheet:
    """Rows written in order (constant_memory), strings made inert, datetimes as real date cells."""

    def __init__(self, book: "Book", name: str, widths: list[int] | None = None):
        self.book, self.ws, self.row = book, book.wb.add_worksheet(name), 0
        for i, w in enumerate(widths or []):
            self.ws.set_column(i, i, w)

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
                self.ws.write_string(self.row, col, inert(str(value)), fmt)
        self.row += 1

    def blank(self) -> None:
        self.row += 1


class Book:
    def __init__(self, target: str | IO[bytes]):
        self.wb = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
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

    def sheet(self, name: str, widths: list[int] | None = None) -> _Sheet:
        return _Sheet(self, name, widths)

    def close(self) -> None:
        self.wb.close()


_COMMENT_WIDTHS = {"receipt_no": 16, "topic": 24, "section": 16, "proposal": 30, "body": 60,
                   "body_published": 60, "hidden_reason": 24, "workshop": 24, "group": 24,
                   "created_at": 17, "published_at": 17, "moderated_at": 17}


def _pct(share: float | None):
    return share if share is not None else ""


def write_comments_sheet(book: Book, f: ReviewFilter, progress=None) -> int:
    columns = comment_columns()
    sheet = book.sheet(str(_l("ご意見")), [_COMMENT_WIDTHS.get(k, 12) for k, _ in columns])
    sheet.write([str(label) for _, label in columns], header=True)
    sheet.ws.freeze_panes(1, 1)
    n = 0
    for rec in comment_records(f):
        sheet.write([rec[k] for k, _ in columns])
        n += 1
        if progress and n % 10000 == 0:
            progress(n)
    sheet.ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
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
