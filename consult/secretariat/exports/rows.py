"""The comments an export holds: one query, read as it is consumed, and how each row becomes cells.

Comments are read with ``yield_per`` (a server-side cursor on PostgreSQL) on a connection of their
own, so the generators need no request, app context or session. The small tables a row refers to
(topics, sections, proposals, workshops, groups …) are read once into dictionaries, each label made
into a finished cell once, so a row costs no query of its own and one converter call per column.
Each format (csv.py, json.py, xlsx.py) says how it finishes a cell, by a :class:`Cells`.
"""

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ...consultation.models import Proposal, Section, SectionRevision, Topic
from ...consultation.services import ward_choices
from ...core.labels import age_band_labels, channel_labels, relation_labels, all_response_category_labels, status_labels
from ...extensions import db
from ...i18n import to_jst
from ...participation.models import Comment
from ...workshops.models import Theme, Workshop, WorkshopTable
from ..filters import ReviewFilter
from ..models import OpinionGroup

CHUNK_ROWS = 1000  # rows fetched per round trip and per written chunk
PROGRESS_ROWS = 10000  # rows between progress reports


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
        self.categories = {k: str(v) for k, v in all_response_category_labels().items()}


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


class Cells:
    """How one format turns the display values into cells: ``finish`` for the looked-up labels
    (run once per label), the others once per cell. A class of static methods, or an instance
    (XLSX binds its converters to a sheet)."""

    finish: Callable[[Any], Any]
    text: Callable[[str | None], Any]
    datetime: Callable[[datetime | None], Any]
    count: Callable[[int | None], Any]
    flag: Callable[[Any], Any]
    number: Callable[[int], Any]


def plan(lk: Lookups, keys: Iterable[str], cells: Cells | type[Cells]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(index in the SQL row, converter) for each of ``keys``."""
    sources = _sources(lk)
    out = []
    for key in keys:
        column, kind, table, missing = sources[key]
        convert = _Lookup(table, missing, cells.finish).__getitem__ if kind == "lookup" else getattr(cells, kind)
        out.append((_INDEX[column], convert))
    return out


def comment_rows(f: ReviewFilter, chunk: int = CHUNK_ROWS, *, jst_text: bool = False) -> tuple[Lookups, Iterator[Any]]:
    """The lookups (read now, in the request) and the matching SQL rows (read as they are consumed).
    With ``jst_text``, the database writes the datetimes as JST text itself (for CSV)."""
    lk = Lookups(f.consultation_id)
    columns = [_jst_text_sql(c) if jst_text and c.key in _DATETIME_COLUMNS else c for c in _ROW_COLUMNS]
    # In the order received (id): follows the primary key, so the database never sorts the whole export.
    stmt = select(*columns).where(*f.comment_conditions()).order_by(Comment.id)
    return lk, stream(db.engine, stmt, chunk)


# Stored datetimes are naive UTC (SQLite keeps no zone; PostgreSQL's columns have none either), and
# JST has no daylight saving time: a fixed offset, without tz objects per cell.
JST_OFFSET = timedelta(hours=9)
_DATETIME_COLUMNS = ("created_at_utc", "published_at_utc", "moderated_at_utc")


def _jst_text_sql(column):
    """``column`` (naive UTC) as 'YYYY-MM-DD HH:MM:SS' in JST, or NULL."""
    if db.engine.dialect.name == "sqlite":  # stored as text; cut the microseconds, which strftime would round
        return func.strftime("%Y-%m-%d %H:%M:%S", func.substr(column, 1, 19), "+9 hours").label(column.key)
    return func.to_char(column + JST_OFFSET, "YYYY-MM-DD HH24:MI:SS").label(column.key)


def stream(engine: Engine, stmt, chunk: int = CHUNK_ROWS) -> Iterator[Any]:
    """Rows of ``stmt`` read ``chunk`` at a time on a connection of its own (a server-side cursor
    on PostgreSQL), so the generator needs no request, app context or session."""
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=chunk).execute(stmt)


def utc(dt: datetime) -> datetime:
    """``dt`` as naive UTC, the form the database stores."""
    return dt if dt.tzinfo is None else dt.astimezone(timezone.utc).replace(tzinfo=None)


def jst(dt: datetime | None) -> datetime | None:
    return to_jst(dt) if dt is not None else None


# --- open data: published comments only ----------------------------------------------------

def open_data_columns() -> list[tuple[str, Any]]:
    return [("topic_number", _l("審議事項番号")), ("topic", _l("審議事項")), ("section", _l("節")),
            ("proposal", _l("提案")), ("ward", _l("区")), ("channel", _l("経路")),
            ("published_on", _l("公開日")), ("text", _l("ご意見（公開文）")), ("group", _l("意見グループ")),
            ("is_demo", _l("デモデータ"))]


def open_data_rows(consultation_id: int, *, with_groups: bool) -> Iterator[list[Any]]:
    """Published comments only, as published (the masked copy where there is one), with no
    personal or moderation field: no receipt number, participant, relation, age band, original
    text or hidden reason. Dates only, not times. Groups only once results are published.
    The lookups are read now (in the request), the rows as they are consumed."""
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

    return rows(stream(db.engine, stmt))
