"""CSV exports: the comments (UTF-8 with a BOM, which Japanese Excel needs, or CP932 with what it
replaced reported) and the public open data. RFC 4180 with CRLF, written as byte chunks as the rows
are read, every cell of citizen text made inert."""

import codecs
import csv
import io
from datetime import datetime
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from ..filters import ReviewFilter
from .cp932 import Cp932Report, to_cp932
from .formulas import inert
from .rows import (CHUNK_ROWS, PROGRESS_ROWS, Cells, comment_columns, comment_rows, open_data_columns,
                   open_data_rows, plan)

ENCODINGS = ("utf-8-sig", "cp932")
CSV_FLUSH_BYTES = 64 * 1024


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return inert(value)
    return str(value)


class CsvCells(Cells):
    finish = staticmethod(csv_value)
    text = staticmethod(lambda v: inert(v) if v else "")
    datetime = staticmethod(lambda v: v or "")  # already JST text, from the database
    count = staticmethod(lambda v: str(v) if v else "0")
    flag = staticmethod(lambda v: "1" if v else "0")
    number = staticmethod(str)


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
    lk, rows = comment_rows(f, CHUNK_ROWS, jst_text=True)
    converters = plan(lk, [k for k, _ in columns], CsvCells)
    cells = ([convert(r[i]) for i, convert in converters] for r in rows)
    return csv_chunks([str(label) for _, label in columns], cells, encoding=encoding, replacement=replacement,
                      report=report, receipt_of=lambda row: row[0], progress=progress)


def cp932_check(f: ReviewFilter, replacement: str = "〓") -> Cp932Report:
    """Run the CP932 export without keeping it, to report beforehand what it will replace."""
    report = Cp932Report(replacement=replacement)
    for _chunk in comments_csv(f, encoding="cp932", replacement=replacement, report=report):
        pass
    return report


def open_data_csv(consultation_id: int, *, with_groups: bool) -> Iterator[bytes]:
    """The open data (see :func:`rows.open_data_rows`) as CSV with a BOM."""
    rows = open_data_rows(consultation_id, with_groups=with_groups)
    return csv_chunks([str(label) for _, label in open_data_columns()], ([csv_value(v) for v in r] for r in rows))
