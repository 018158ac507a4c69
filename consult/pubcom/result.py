"""The public comment's result (意見募集の結果), in the shape Japanese public-comment results take:
the period, how many people and opinions by channel, then per provision a table of ご意見の概要 |
市の考え方 | 反映区分 (from the confirmed opinion groups), and the revised text with its changes.

What is counted, and why (the page says it too):

* 意見数: every opinion received and not hidden (a hidden one is spam, abuse, a duplicate or off
  the subject), by channel. Pending opinions count: a public comment's opinions are answered
  whether or not each is published.
* 意見提出者数: web participants (one per ``participant_id``; a web comment without one counts
  alone) plus one per 受付台帳 entry (a letter, FAX, e-mail or visit to the counter, however many
  opinions it holds). Opinions voiced at a 地域説明会 are counted as opinions but not as
  submitters: staff write them down without knowing who spoke; the briefings' attendance is
  printed beside, and is not a submitter count.

Nothing here reads who sent anything (no RegisterEntry name, address or contact, no participant
profile): the result is public.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from ..consultation.models import Consultation, Kind, Section, Topic
from ..core.codes import CHANNELS_BY_KIND, REGISTER_CHANNELS
from ..core.labels import all_response_category_labels, channel_labels, response_category_labels
from ..editing.revisions import Segment, char_diff
from ..extensions import db
from ..i18n import WEEKDAYS_EN, WEEKDAYS_JA, is_english, to_jst, utcnow, wareki
from ..participation.models import Comment
from ..secretariat.exports.csv import csv_chunks
from ..secretariat.exports.formulas import inert
from ..secretariat.exports.xlsx import Book
from ..secretariat.groups import label_paths
from ..secretariat.models import GroupState, OpinionGroup
from .models import Briefing

CHANNELS = CHANNELS_BY_KIND["pubcom"]
DOCUMENT_SLUG = "document"


# --- the figures -------------------------------------------------------------------------------

@dataclass
class ChannelCount:
    code: str
    label: Any
    opinions: int


@dataclass
class Counts:
    channels: list[ChannelCount]
    opinions: int  # 意見数, every channel
    web_submitters: int
    register_submitters: int
    briefings: int  # 説明会 held (with or without opinions)
    briefing_attendance: int  # their 参加者数 as entered; not submitters

    @property
    def submitters(self) -> int:
        return self.web_submitters + self.register_submitters


def _topic_ids(consultation: Consultation) -> list[int]:
    return list(db.session.scalars(select(Topic.id).where(Topic.consultation_id == consultation.id)))


def counts(consultation: Consultation) -> Counts:
    topics = _topic_ids(consultation)
    counted = (Comment.topic_id.in_(topics), Comment.status != "hidden")
    by_channel = dict(db.session.execute(select(Comment.channel, func.count()).where(*counted)
                                         .group_by(Comment.channel)).all())
    web_people = db.session.scalar(select(func.count(distinct(Comment.participant_id)))
                                   .where(*counted, Comment.channel == "web")) or 0
    web_alone = db.session.scalar(select(func.count()).where(*counted, Comment.channel == "web",
                                                             Comment.participant_id.is_(None))) or 0
    entries = db.session.scalar(select(func.count(distinct(Comment.register_entry_id)))
                                .where(*counted, Comment.channel.in_(REGISTER_CHANNELS))) or 0
    briefings, attendance = db.session.execute(
        select(func.count(Briefing.id), func.coalesce(func.sum(Briefing.attendance), 0))
        .where(Briefing.consultation_id == consultation.id)).one()
    labels = channel_labels("pubcom")
    lines = [ChannelCount(c, labels[c], by_channel.get(c, 0)) for c in CHANNELS]
    return Counts(lines, sum(line.opinions for line in lines), web_people + web_alone, entries,
                  briefings or 0, int(attendance or 0))


# --- the period ----------------------------------------------------------------------------------

def _weekday(d: date) -> str:
    return WEEKDAYS_EN[d.weekday()] if is_english() else WEEKDAYS_JA[d.weekday()]


def period_days(consultation: Consultation) -> tuple[date | None, date | None]:
    """The first and last day (JST) of the period. A period closing at 0:00 ends the day before,
    as officials print it (…5月31日まで, not 6月1日まで)."""
    first = to_jst(consultation.comments_open_at_utc).date() if consultation.comments_open_at_utc else None
    last = None
    if consultation.comments_close_at_utc:
        close = to_jst(consultation.comments_close_at_utc)
        last = close.date() - timedelta(days=1) if (close.hour, close.minute, close.second) == (0, 0, 0) else close.date()
    return first, last


def day_text(d: date | None) -> str:
    """令和6年5月1日（水） / 1 May 2024 (Wed)."""
    if d is None:
        return ""
    text = wareki(d, with_western=False)
    return f"{text} ({_weekday(d)})" if is_english() else f"{text}（{_weekday(d)}）"


def period_text(consultation: Consultation) -> str:
    first, last = period_days(consultation)
    if first and last:
        return str(_l("%(a)sから%(b)sまで", a=day_text(first), b=day_text(last)))
    if last:
        return str(_l("%(b)sまで", b=day_text(last)))
    if first:
        return str(_l("%(a)sから", a=day_text(first)))
    return ""


# --- per provision -----------------------------------------------------------------------------

@dataclass
class GroupRow:
    number: int  # 通し番号, across the whole result
    summary: str
    answer: str
    category: str  # the label, "" when not set
    category_code: str | None
    opinions: int


@dataclass
class Part:
    """The whole document (section None) or one provision, with its answered groups."""

    section: Section | None
    path: str  # 第6章 1 2) ②; "" for the whole document
    heading: str
    rows: list[GroupRow]

    @property
    def anchor(self) -> str:
        return self.section.anchor if self.section is not None else "whole"

    @property
    def title(self) -> str:
        if self.section is None:
            return str(_l("骨子全体"))
        return f"{self.path}　{self.heading}".strip()


def document_sections(consultation: Consultation) -> list[Section]:
    """The provisions of the consultation's document (every topic, though a public comment has
    one), in document order, retired ones included."""
    return list(db.session.scalars(
        select(Section).join(Topic, Topic.id == Section.topic_id).where(Topic.consultation_id == consultation.id)
        .options(selectinload(Section.revisions)).order_by(Topic.number, Section.position, Section.id)))


def parts(consultation: Consultation, sections: list[Section] | None = None) -> list[Part]:
    """骨子全体 first, then each provision in document order that has a confirmed group."""
    sections = document_sections(consultation) if sections is None else sections
    paths = label_paths(sections)
    groups = db.session.scalars(
        select(OpinionGroup).join(Topic, Topic.id == OpinionGroup.topic_id)
        .where(Topic.consultation_id == consultation.id, OpinionGroup.state == GroupState.CONFIRMED)
        .order_by(OpinionGroup.position, OpinionGroup.id)).all()
    opinions = dict(db.session.execute(
        select(Comment.opinion_group_id, func.count())
        .where(Comment.opinion_group_id.in_([g.id for g in groups]), Comment.status != "hidden")
        .group_by(Comment.opinion_group_id)).all()) if groups else {}
    by_section: dict[int | None, list[OpinionGroup]] = {}
    known = {s.id for s in sections}
    for g in groups:
        by_section.setdefault(g.section_id if g.section_id in known else None, []).append(g)
    # The 反映区分 first: a code both kinds use (reflect, other) reads as the public comment's.
    labels = {k: str(v) for k, v in {**all_response_category_labels(), **response_category_labels("pubcom")}.items()}
    out: list[Part] = []
    number = 0

    def rows_of(gs: list[OpinionGroup]) -> list[GroupRow]:
        nonlocal number
        rows = []
        for g in gs:
            number += 1
            rows.append(GroupRow(number, g.summary or g.title, g.answer,
                                 labels.get(g.response_category, "") if g.response_category else "",
                                 g.response_category, opinions.get(g.id, 0)))
        return rows

    if by_section.get(None):
        out.append(Part(None, "", "", rows_of(by_section[None])))
    for s in sections:
        if by_section.get(s.id):
            out.append(Part(s, paths[s.id], s.current.heading if s.revisions else "", rows_of(by_section[s.id])))
    return out


# --- the revised text ----------------------------------------------------------------------------

CHANGED, ADDED, DELETED = "changed", "added", "deleted"


@dataclass
class Revised:
    section: Section
    path: str
    state: str  # changed | added | deleted
    heading: list[Segment] = field(default_factory=list)
    body: list[Segment] = field(default_factory=list)
    note: str = ""

    @property
    def title_text(self) -> str:
        return f"{self.path}　{''.join(s.text for s in self.heading if s.kind != 'delete')}".strip()


def merged(a: str, b: str) -> list[Segment]:
    """One run of text from ``a`` to ``b``: what stayed, what was deleted (before) and what was added, in
    reading order, from :func:`char_diff` (whose two lists share their equal segments in order)."""
    old, new = char_diff(a, b)
    out: list[Segment] = []
    i = j = 0
    while i < len(old) or j < len(new):
        while i < len(old) and old[i].kind == "delete":
            out.append(old[i])
            i += 1
        while j < len(new) and new[j].kind == "insert":
            out.append(new[j])
            j += 1
        if i < len(old) and j < len(new):  # both equal, the same text
            out.append(new[j])
            i += 1
            j += 1
        elif i < len(old) or j < len(new):  # cannot happen with char_diff; keep the text anyway
            rest = old[i:] + new[j:]
            out += [x for x in rest if x.kind != "equal"]
            break
    return out


def _after_period(consultation: Consultation, section: Section) -> bool:
    close = consultation.comments_close_at_utc
    first = section.revisions[0]
    return close is not None and first.created_at_utc > close and first.created_by_id is not None


def revised(consultation: Consultation, sections: list[Section] | None = None) -> list[Revised]:
    """Every provision whose text differs from the draft as consulted (revision 1), in document
    order; provisions written after the period are added, provisions retired since are deleted.

    A provision counts as added when its first revision was written by staff after the period
    closed; when that would make every provision new (a document loaded after its dates, as a
    demonstration's), none is.
    """
    sections = [s for s in (document_sections(consultation) if sections is None else sections) if s.revisions]
    paths = label_paths(sections)
    added = {s.id for s in sections if _after_period(consultation, s)}
    if sections and len(added) == len(sections):
        added = set()
    out: list[Revised] = []
    for s in sections:
        first, current = s.revisions[0], s.revisions[-1]
        if s.retired_at_utc is not None:
            if s.id not in added:
                out.append(Revised(s, paths[s.id], DELETED, [Segment("delete", first.heading)],
                                   [Segment("delete", first.body)]))
        elif s.id in added:
            out.append(Revised(s, paths[s.id], ADDED, [Segment("insert", current.heading)],
                               [Segment("insert", current.body)], current.note))
        elif current.number != first.number and (current.heading != first.heading or current.body != first.body):
            out.append(Revised(s, paths[s.id], CHANGED, merged(first.heading, current.heading),
                               merged(first.body, current.body), current.note))
    return out


# --- the whole result ------------------------------------------------------------------------

@dataclass
class Result:
    consultation: Consultation
    period: str
    counts: Counts
    parts: list[Part]
    revised: list[Revised]
    made_on: date

    @property
    def made_on_text(self) -> str:
        return wareki(self.made_on)

    @property
    def answered(self) -> int:
        return sum(len(p.rows) for p in self.parts)


def is_pubcom(consultation: Consultation | None) -> bool:
    return consultation is not None and consultation.kind == Kind.PUBCOM


def result_public(consultation: Consultation | None) -> bool:
    """A public comment's result is public once the city publishes it (phase 結果公表): while the
    phase is 締切 the answers are still being written."""
    return is_pubcom(consultation) and consultation.results_published


def build(consultation: Consultation) -> Result:
    sections = document_sections(consultation)
    made = consultation.results_published_at_utc or utcnow()
    return Result(consultation, period_text(consultation), counts(consultation), parts(consultation, sections),
                  revised(consultation, sections), to_jst(made).date())


# --- files ----------------------------------------------------------------------------------------

def table_header() -> list[str]:
    return [str(_l("番号")), str(_l("条項")), str(_l("見出し")), str(_l("ご意見の概要")), str(_l("市の考え方")),
            str(_l("反映区分")), str(_l("意見数"))]


def table_rows(result: Result) -> Iterator[list[Any]]:
    for part in result.parts:
        where = str(_l("骨子全体")) if part.section is None else part.path
        for row in part.rows:
            yield [row.number, where, part.heading, row.summary, row.answer, row.category, row.opinions]


def csv_file(result: Result) -> Iterator[bytes]:
    """The per-provision table as CSV, UTF-8 with a BOM (what Japanese Excel opens)."""
    # Read now, in the request (the labels are in its language); the bytes are made as they are sent.
    rows = [[str(v) if isinstance(v, int) else inert(v or "") for v in row] for row in table_rows(result)]
    return csv_chunks(table_header(), rows)


def write_workbook(target: str | IO[bytes], result: Result) -> None:
    """An overview sheet (period and counts), the per-provision table, and the revised provisions."""
    book = Book(target)
    c = result.consultation
    s = book.sheet(str(_l("概要")), [26, 60])
    s.ws.write_string(0, 0, inert(c.title), book.title)
    s.row = 2
    s.write([str(_l("意見募集の結果")), result.made_on_text])
    s.write([str(_l("意見募集期間")), result.period])
    s.write([str(_l("意見提出者数")), result.counts.submitters])
    s.write([str(_l("意見数")), result.counts.opinions])
    s.blank()
    s.write([str(_l("提出方法")), str(_l("意見数"))], header=True)
    for line in result.counts.channels:
        s.write([str(line.label), line.opinions])
    s.write([str(_l("合計")), result.counts.opinions])
    s.blank()
    s.write([str(_l("意見提出者数は、ウェブでは提出した人の数、郵送・FAX・電子メール・窓口では受付の件数です。説明会で出されたご意見は意見数に含め、意見提出者数には含めていません。"))])
    if result.counts.briefings:
        s.write([str(_l("説明会の参加者数")), result.counts.briefing_attendance])

    t = book.sheet(str(_l("ご意見と市の考え方")), [6, 16, 24, 50, 60, 12, 8])
    t.write(table_header(), header=True)
    t.ws.freeze_panes(1, 0)
    t.ws.repeat_rows(0)
    for row in table_rows(result):
        t.write(row)

    if result.revised:
        states = state_labels()
        r = book.sheet(str(_l("修正した条項")), [16, 12, 40, 80])
        r.write([str(_l("条項")), str(_l("修正の種類")), str(_l("修正前")), str(_l("修正後"))], header=True)
        for item in result.revised:
            before = "".join(x.text for x in item.heading + [Segment("equal", "\n")] + item.body if x.kind != "insert")
            after = "".join(x.text for x in item.heading + [Segment("equal", "\n")] + item.body if x.kind != "delete")
            r.write([item.path, str(states[item.state]), "" if item.state == ADDED else before.strip(),
                     "" if item.state == DELETED else after.strip()])
    book.close()


def state_labels() -> dict[str, Any]:
    return {CHANGED: _l("（修正）"), ADDED: _l("（追加）"), DELETED: _l("（削除）")}
