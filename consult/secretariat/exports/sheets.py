"""The sheets of the secretariat's workbook, one writer each, and the workbook they make. The
representativeness table is written by one writer, here and in the review document's workbook."""

import tempfile
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...consultation.models import Topic
from ...core.labels import channel_labels, group_state_labels, all_response_category_labels, verdict_labels, vote_labels
from ...extensions import db
from ...i18n import to_jst, utcnow
from .. import stats
from ..filters import ReviewFilter
from .rows import CHUNK_ROWS, DATETIME_KEYS, comment_columns, comment_rows, jst, plan
from .xlsx import Book, Sheet, XlsxCells

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
    lk, rows = comment_rows(f, CHUNK_ROWS)
    n = sheet.write_rows(rows, plan(lk, keys, XlsxCells(sheet)), progress)
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


REPRESENTATIVENESS_WIDTHS = [12, 12, 10, 10, 10, 10, 10, 10, 20]


def write_representativeness(sheet: Sheet, rep: stats.Representativeness) -> None:
    """The wards' population and participant shares with their verdicts, from ``sheet.row`` on:
    the export's sheet and the review document's overview both write it with this."""
    verdicts = verdict_labels()
    sheet.write([str(_l("区")), str(_l("人口")), str(_l("人口比")), str(_l("参加者数")), str(_l("参加者比")),
                 str(_l("95%区間 下限")), str(_l("95%区間 上限")), str(_l("比率（参加者比÷人口比）")),
                 str(_l("判定"))], header=True)
    book = sheet.book
    fmts = {2: book.percent, 4: book.percent, 5: book.percent, 6: book.percent, 7: book.ratio}
    for r in rep.rows:
        low, high = r.participants.interval or ("", "")
        sheet.write([r.label, r.population, _pct(r.population_share), r.participants.k, _pct(r.participants.share),
                     low, high, r.ratio if r.ratio is not None else "", str(verdicts[r.verdict])], formats=fmts)


def write_representativeness_sheet(book: Book, f: ReviewFilter) -> None:
    rep = stats.representativeness(f)
    sheet = book.sheet(str(_l("代表性")), REPRESENTATIVENESS_WIDTHS)
    write_representativeness(sheet, rep)
    sheet.write([str(_l("5区の合計")), rep.population_total, 1 if rep.population_total else "", rep.city_participants])
    sheet.blank()
    sheet.write([str(_l("熊本市外")), "", "", rep.outside])
    sheet.write([str(_l("回答しない")), "", "", rep.undisclosed])
    sheet.blank()
    sheet.write([str(_l("人口の出典")), rep.population_source])
    sheet.write([str(_l("判定の方法")), str(_l("参加者比の95%区間（Wilson）が人口比を含まないとき、多い・少ないと判定しています。"))])


def write_groups_sheet(book: Book, f: ReviewFilter) -> None:
    categories = {k: str(v) for k, v in all_response_category_labels().items()}
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
        sheet.write([row.ward_name, w.title, w.venue, jst(w.starts_at_utc), states.get(w.state, w.state),
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


def workbook_file(f: ReviewFilter) -> IO[bytes]:
    """The workbook written into an anonymous temporary file (deleted when closed)."""
    fh = tempfile.TemporaryFile()
    write_workbook(fh, f)
    return fh
