"""The review document for the 5th meeting (資料): the same content as a print-ready HTML page
and as an Excel workbook.

``build`` gathers everything in a fixed number of GROUP BY queries (not one per topic or row);
the template and ``write_document_workbook`` only lay it out.

Parts another area knows are added through ``document_built`` (the analysis imports the
secretariat, so the secretariat never imports the analysis): ``build`` sends it with the document
as sender; a receiver (consult/analysis/summaries.py) fills ``vote_groups`` — the latest finished
votes run, for the section 「賛否によるグループ（参考）」 — and ``group_traces``, the run an opinion
group came from. Their shapes are declared here, so the document says what it prints.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..consultation.models import Consultation, Meeting, Proposal, Topic
from ..consultation.services import ward_choices
from ..core.codes import CHANNELS_BY_KIND as _BY_KIND, VOTE_VALUES
from ..core.errors import InvalidInput
from ..core.fields import parse_date
from ..core.labels import channel_labels, all_response_category_labels, verdict_labels, vote_labels
from ..core.text import has_forbidden_characters, nfkc
from ..extensions import db
from ..i18n import approximate_date, to_jst, utcnow, wareki
from . import charts, figures, stats
from .exports.sheets import write_representativeness
from .exports.xlsx import Book
from .filters import ReviewFilter

# The deliberation's channels, the review's columns. (A public comment's result counts its own.)
CHANNELS = _BY_KIND["deliberation"]

QUOTES_PER_TOPIC = 3
QUOTE_MAX = 200

CHANNEL_SHORT = {"web": "ウェブ", "workshop": "WS", "paper": "紙", "briefing": "説明会", "post": "郵送", "fax": "FAX",
                 "email": "メール", "counter": "窓口", "imported": "取込"}
VOTE_SHORT = {"agree": "賛", "disagree": "反", "pass": "他"}

_signals = Namespace()
document_built = _signals.signal("review-document-built")


@dataclass
class VoteGroupColumn:
    """One group of a votes run: its key ("A"), its size and its members by ward code."""

    key: str
    size: int
    wards: dict[str | None, int] = field(default_factory=dict)


@dataclass
class VoteProposalLine:
    proposal: Proposal
    topic_number: int
    number: int | None  # 提案n as the document numbers it (None: withdrawn since the run)
    shares: list[float | None]  # the agree share in each group, in the groups' order (None: too few voters)
    spread: float | None = None  # max − min of the groups' shares (divisive proposals)

    @property
    def name(self) -> str:
        """審議事項1 提案2, as the document numbers them (withdrawn since the run: its topic only)."""
        if self.number is None:
            return str(_l("審議事項%(t)d（取り下げた提案）", t=self.topic_number))
        return str(_l("審議事項%(t)d 提案%(i)d", t=self.topic_number, i=self.number))


@dataclass
class VoteGroupsPart:
    """What a votes run says, as printed: the trace (run, time, input, settings), the groups and the
    consensus and divisive proposals with each group's agree share."""

    run_id: int
    finished_at_utc: datetime
    participants: int
    settings_text: str
    versions_text: str
    groups: list[VoteGroupColumn]
    consensus: list[VoteProposalLine]
    divisive: list[VoteProposalLine]
    ward_columns: list[tuple[str | None, str]] = field(default_factory=list)  # (code, label) with members
    hidden_groups: int = 0  # groups too small to show (public page)
    hidden_participants: int = 0

    @property
    def finished_on_text(self) -> str:
        return wareki(self.finished_at_utc)

    def ward_total(self, code: str | None) -> int:
        return sum(g.wards.get(code, 0) for g in self.groups)


@dataclass
class GroupTrace:
    """The analysis run an opinion group was accepted from."""

    run_id: int
    finished_at_utc: datetime
    input_count: int

    @property
    def finished_on_text(self) -> str:
        return wareki(self.finished_at_utc)


@dataclass
class TopicPart:
    topic: Topic
    ward_rows: list[tuple[str, str, dict[str, Any]]]  # (code, label, counts)
    total: dict[str, Any]
    proposals: list[stats.ProposalResult]
    groups: list[stats.GroupCount]
    ungrouped: int
    proposed: int
    quotes: list[stats.Quote]
    chart: Markup | None = None
    proposal_chart: Markup | None = None  # every proposal of the topic, overall shares


@dataclass
class Document:
    consultation: Consultation
    meeting: Meeting | None
    made_on: date
    filters: list[tuple[Any, str]]
    totals: stats.Totals
    representativeness: stats.Representativeness
    topics: list[TopicPart]
    rep_chart: Markup | None = None
    vote_groups: VoteGroupsPart | None = None
    group_traces: dict[int, GroupTrace] = field(default_factory=dict)  # opinion group id → its run
    channels: tuple[str, ...] = CHANNELS  # the columns: the deliberation's, and "imported" if it holds any
    number: str = ""  # 資料番号 as staff give it (資料2, 資料1-3); "" prints 「資料」

    @property
    def made_on_text(self) -> str:
        return wareki(self.made_on)

    @property
    def meeting_text(self) -> str:
        if self.meeting is None:
            return ""
        return approximate_date(self.meeting.starts_on, self.meeting.month_part)

    @property
    def population_out_of_date(self) -> str:
        """Why the wards' population does not fit the document's date ("" when it does): a base date
        after the date the document bears, or more than one census (5 years) before it. Shown to
        staff on the screen only, with a link to the wards' editor; the print states source and date."""
        as_of = self.representativeness.population_as_of
        if as_of is None or not self.representativeness.population_total:
            return ""
        if as_of > self.made_on:
            return str(_l("人口の基準日（%(a)s）が資料の作成日（%(d)s）より後です。作成日か区の人口を、資料の時点に合わせてください。",
                          a=wareki(as_of), d=wareki(self.made_on)))
        if self.made_on - as_of > timedelta(days=CENSUS_YEARS * 366):
            return str(_l("人口の基準日（%(a)s）が資料の作成日（%(d)s）より%(y)d年以上前です。作成日か区の人口を、資料の時点に合わせてください。",
                          a=wareki(as_of), d=wareki(self.made_on), y=CENSUS_YEARS))
        return ""


def _short_quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"


NUMBER_MAX = 20
CENSUS_YEARS = 5  # a census every five years: an older population is out of date for the document


@dataclass(frozen=True)
class Heading:
    """What staff choose for the document's head: the date it bears and its 資料番号."""

    made_on: date | None = None  # None: today in JST
    number: str = ""


def read_heading(args) -> Heading:
    """The head's choices from the query (``made_on``, ``number``); InvalidInput names a wrong one."""
    errors: dict[str, list] = {}
    raw_day = (args.get("made_on") or "").strip()
    made_on = parse_date(raw_day) if raw_day else None
    if raw_day and made_on is None:
        errors["made_on"] = [_l("作成日は 2014-10-20 のように年-月-日で入力してください。")]
    elif made_on is not None and made_on.year < 1989:
        errors["made_on"] = [_l("作成日は平成元年（1989年）以降の日付にしてください。")]
    number = (args.get("number") or "").strip()
    if len(nfkc(number)) > NUMBER_MAX or has_forbidden_characters(number):
        errors["number"] = [_l("資料番号は%(n)d文字以内で入力してください（例：資料2）。", n=NUMBER_MAX)]
    if errors:
        raise InvalidInput(errors)
    return Heading(made_on, number)


def build(f: ReviewFilter, *, with_charts: bool = True, heading: Heading = Heading()) -> Document:
    consultation = db.session.get(Consultation, f.consultation_id)
    meeting = db.session.scalar(select(Meeting).where(Meeting.consultation_id == consultation.id,
                                                      Meeting.kind == "meeting", Meeting.number == 5))
    wc = stats.ward_channel_by_topic(f)
    proposals = stats.proposals_by_ward(f)
    groups = stats.group_counts(f)
    ungrouped = stats.ungrouped_counts(f)
    proposed = stats.proposed_group_counts(f)
    quotes = stats.quotes(f, QUOTES_PER_TOPIC)
    channels = {k: str(v) for k, v in channel_labels().items()}
    columns = stats.shown_channels(consultation) if consultation.kind == "deliberation" else CHANNELS
    votes = {k: str(v) for k, v in vote_labels().items()}
    parts = []
    for topic in stats.filtered_topics(f):
        ward_rows = [(code, label, wc.row(topic.id, code)) for code, label in wc.columns]
        part = TopicPart(
            topic=topic, ward_rows=ward_rows, total=wc.total(topic.id),
            proposals=[p for p in proposals if p.proposal.topic_id == topic.id],
            groups=groups.get(topic.id, []), ungrouped=ungrouped.get(topic.id, 0),
            proposed=proposed.get(topic.id, 0),
            quotes=[stats.Quote(q.topic_id, _short_quote(q.text), q.ward_code, q.channel, q.supports)
                    for q in quotes.get(topic.id, [])])
        if with_charts:
            part.chart = charts.stacked_chart(
                [(label, [row[c] for c in columns]) for _, label, row in ward_rows if row["total"]],
                [(CHANNEL_SHORT[c], channels[c]) for c in columns],
                title=str(_l("審議事項%(n)d 区別・経路別のご意見の件数", n=topic.number)), chart_id=f"doc-t{topic.number}")
            if any(r.total.n for r in part.proposals):
                part.proposal_chart = charts.stacked_chart(
                    [(str(_l("提案%(i)d", i=i)), [r.total.cells[v].k for v in VOTE_VALUES])
                     for i, r in enumerate(part.proposals, 1)],
                    [(VOTE_SHORT[v], votes[v]) for v in VOTE_VALUES], percent=True, unit="n=",
                    title=str(_l("審議事項%(n)d 提案ごとの賛否（全体）", n=topic.number)),
                    chart_id=f"doc-p{topic.number}")
        parts.append(part)
    people = stats.profiles(f)
    rep = stats.representativeness(f, people)
    document = Document(consultation=consultation, meeting=meeting,
                        made_on=heading.made_on or to_jst(utcnow()).date(), number=heading.number,
                        filters=f.describe(), totals=stats.totals(f, people), representativeness=rep, topics=parts,
                        channels=columns)
    if with_charts:
        document.rep_chart = representativeness_chart(rep, chart_id="doc-rep")
    document_built.send(document, filter=f)
    return document


def representativeness_chart(rep: stats.Representativeness, *, chart_id: str) -> Markup:
    verdicts = verdict_labels()
    rows, notes = [], []
    for r in rep.rows:
        rows.append((r.label, [100 * (r.population_share or 0), 100 * (r.participants.share or 0)]))
        notes.append(str(_l("比率 %(r)s（%(v)s）", r=f"{r.ratio:.2f}" if r.ratio is not None else "—",
                            v=verdicts[r.verdict])))
    return charts.grouped_chart(rows, [(str(_l("人口比")), str(_l("人口比"))), (str(_l("参加者比")), str(_l("参加者比")))],
                                title=str(_l("区ごとの人口比と参加者比")), chart_id=chart_id,
                                fmt=lambda v: f"{v:.1f}%", notes=notes)


def write_document_workbook(target: str | IO[bytes], doc: Document) -> None:
    """The review document as a workbook: an overview sheet, then one sheet per topic."""
    book = Book(target)
    channels = {k: str(v) for k, v in channel_labels().items()}
    votes = {k: str(v) for k, v in vote_labels().items()}
    categories = {k: str(v) for k, v in all_response_category_labels().items()}

    s = book.sheet(str(_l("概要")), [28, 16, 14, 14, 14, 14, 14, 14, 18])
    s.ws.write_string(0, 0, doc.consultation.title, book.title)
    s.row = 1
    s.write([str(_l("市民意見の集計結果")), str(_l("第5回検討会 資料")) + (f"（{doc.meeting_text}）" if doc.meeting else "")])
    s.write([str(_l("件名")), doc.consultation.title])
    if doc.number:
        s.write([str(_l("資料番号")), doc.number])
    s.write([str(_l("作成日")), doc.made_on_text])
    for label, value in doc.filters:
        s.write([str(label), value])
    s.write([str(_l("ご意見の件数は賛否の票数ではありません。同じ方が複数のご意見を寄せている場合があります。"))])
    s.blank()
    s.write([str(_l("経路")), str(_l("ご意見")), str(_l("参加者")), str(_l("賛否"))], header=True)
    t = doc.totals
    for c in doc.channels:
        s.write([channels[c], t.comments[c], t.participants[c], t.votes[c]])
    s.write([str(_l("合計")), t.comments_total, t.participants_total, t.votes_total])
    s.blank()
    write_representativeness(s, doc.representativeness)
    rep = doc.representativeness
    if rep.population_source:
        s.write([str(_l("人口の出典")), rep.population_source + (
            str(_l("（%(d)s現在）", d=wareki(rep.population_as_of))) if rep.population_as_of else "")])
    s.write([str(_l("判定の方法")), str(_l("参加者比の95%区間（Wilson）が人口比を含まないとき、多い・少ないと判定しています。"))])

    for part in doc.topics:
        topic = part.topic
        s = book.sheet(str(_l("審議事項%(n)d", n=topic.number)), [16, 44, 10, 14, 50, 10, 10, 10])
        s.ws.write_string(0, 0, f"{topic.number}. {topic.title}", book.title)
        s.row = 2
        s.write([str(_l("1. 区別・経路別の参加"))], header=True)
        s.write([str(_l("区")), *[channels[c] for c in doc.channels], str(_l("ご意見 計")), str(_l("参加者"))], header=True)
        for _code, label, row in part.ward_rows:
            s.write([label, *[row[c] for c in doc.channels], row["total"], row["participants"]])
        s.write([str(_l("合計")), *[part.total[c] for c in doc.channels], part.total["total"], part.total["participants"]])
        s.blank()
        s.write([str(_l("2. 提案への賛否（区別）"))], header=True)
        for result in part.proposals:
            s.write([str(_l("提案")), result.proposal.text])
            s.write([str(_l("区")), str(_l("回答数")), *[votes[v] for v in VOTE_VALUES],
                     *[str(_l("%(v)sの割合", v=votes[v])) for v in VOTE_VALUES]], header=True)
            pf = {5: book.percent, 6: book.percent, 7: book.percent}
            for row in [*result.rows, result.total]:
                s.write([row.label or str(_l("全体")), row.n, *[row.cells[v].k for v in VOTE_VALUES],
                         *[row.cells[v].share if row.n else "" for v in VOTE_VALUES]], formats=pf)
            if result.total.n:  # the document's second line under 全体, as its own row
                s.write([str(_l("95%信頼区間")), "", "", "", "",
                         *[figures.ci(result.total.cells[v].interval) for v in VOTE_VALUES]])
            s.blank()
        s.write([str(_l("3. ご意見の概要と市の考え方"))], header=True)
        s.write(["No.", str(_l("意見の概要")), str(_l("件数")), str(_l("対応区分")), str(_l("市の考え方"))], header=True)
        for i, line in enumerate(part.groups, 1):
            g = line.group
            s.write([i, g.summary or g.title, line.count, categories.get(g.response_category or "", ""), g.answer])
        s.write([str(_l("グループに分類していないご意見")), "", part.ungrouped])
        s.blank()
        s.write([str(_l("4. 主なご意見（公開文）"))], header=True)
        wards = dict(ward_choices())
        for q in part.quotes:
            s.write([q.text, wards.get(q.ward_code, q.ward_code), channels[q.channel]])
    if doc.vote_groups is not None:
        write_vote_groups_sheet(book, doc.vote_groups)
    book.close()


def write_vote_groups_sheet(book: Book, vg: VoteGroupsPart) -> None:
    """「賛否によるグループ（参考）」 as one sheet: the run it comes from, the groups by ward, and each
    group's agree share on the consensus and the divisive proposals (real percentages)."""
    keys = [str(_l("グループ%(key)s", key=g.key)) for g in vg.groups]
    s = book.sheet(str(_l("賛否によるグループ")), [22, 50, *[12] * max(len(keys), len(vg.ward_columns), 2), 10])
    s.ws.write_string(0, 0, str(_l("賛否によるグループ（参考）")), book.title)
    s.row = 2
    s.write([str(_l("分析の実行番号")), vg.run_id])
    s.write([str(_l("分析の日時")), to_jst(vg.finished_at_utc)])
    s.write([str(_l("対象の参加者（人）")), vg.participants])
    s.write([str(_l("設定")), vg.settings_text])
    s.write([str(_l("パッケージ")), vg.versions_text])
    s.blank()
    s.write([str(_l("グループ")), str(_l("人数")), *[label for _code, label in vg.ward_columns]], header=True)
    for g, name in zip(vg.groups, keys):
        s.write([name, g.size, *[g.wards.get(code, 0) for code, _label in vg.ward_columns]])
    percents = {i: book.percent for i in range(2, 3 + len(keys))}
    for title, lines in ((_l("どのグループでも賛成が多い提案"), vg.consensus),
                         (_l("グループによって賛否が分かれる提案"), vg.divisive)):
        s.blank()
        s.write([str(title)], header=True)
        s.write([str(_l("提案")), str(_l("提案の文")), *[str(_l("%(g)s 賛成の割合", g=k)) for k in keys],
                 str(_l("差"))], header=True)
        for line in lines:
            s.write([line.name, line.proposal.text, *[v if v is not None else "" for v in line.shares],
                     line.spread if line.spread is not None else ""], formats=percents)
        if not lines:
            s.write([str(_l("ありません。"))])
    s.blank()
    s.write([str(_l("賛成の割合は、グループの中でその提案に賛否を示した人（「どちらともいえない」を含む）に占める"
                    "賛成の割合です。グループは分析による参考であり、参加者の立場を決めるものではありません。"))])

