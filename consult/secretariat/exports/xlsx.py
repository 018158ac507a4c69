"""Excel workbooks, written with XlsxWriter's public API in ``constant_memory`` mode: rows go to a
temporary file in order, one row in memory at a time, so 100k comments take no more memory than ten.

Every string is made inert; datetimes are real date cells (a serial number with a date format);
a blank cell is left out, and a cell written without a format takes its column's (XlsxWriter falls
back to the column's format). XlsxWriter writes a string shaped "<r>…</r>" as rich-text XML,
unescaped: such text (a group's title, a comment) is written as a rich string of two plain runs,
which XlsxWriter escapes and Excel shows as the one text it is.
"""

import tempfile
from datetime import datetime
from typing import IO, Any, Callable, Iterable

from .formulas import inert
from .rows import JST_OFFSET, PROGRESS_ROWS, Cells, utc

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_EXCEL_EPOCH_UTC = datetime(1899, 12, 30) - JST_OFFSET  # day 0 of Excel's 1900 system (after 1 March 1900), in JST


def excel_serial(dt: datetime) -> float:
    """A naive UTC datetime as Excel's serial day number in JST (Excel has no time zones)."""
    d = utc(dt) - _EXCEL_EPOCH_UTC
    return d.days + (d.seconds + d.microseconds / 1e6) / 86400


def _markup_like(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")


class Sheet:
    """A worksheet written row after row; ``row`` is the next row to write."""

    def __init__(self, book: "Book", name: str, widths: list[int] | None = None, formats: list[Any] | None = None):
        self.book, self.ws, self.row = book, book.wb.add_worksheet(name), 0
        for i, w in enumerate(widths or []):
            self.ws.set_column(i, i, w, formats[i] if formats else None)

    def write_text(self, row: int, col: int, text: str, fmt=None) -> None:
        """``text`` (already inert) as a string cell that stays text whatever it looks like."""
        if _markup_like(text):
            self.ws.write_rich_string(row, col, text[:1], self.book.plain, text[1:], *([fmt] if fmt else []))
        else:
            self.ws.write_string(row, col, text, fmt)

    def write(self, values: list[Any], *, header: bool = False, formats: dict[int, Any] | None = None) -> None:
        """One row of values of any kind (summary sheets), each cell typed by its value."""
        for col, value in enumerate(values):
            fmt = (formats or {}).get(col) or (self.book.header if header else self.book.wrap)
            if value is None or value == "":
                self.ws.write_blank(self.row, col, None, fmt)
            elif isinstance(value, bool):
                self.ws.write_boolean(self.row, col, value, fmt)
            elif isinstance(value, datetime):
                self.ws.write_datetime(self.row, col, value.replace(tzinfo=None), self.book.datetime)  # already JST
            elif isinstance(value, (int, float)):
                self.ws.write_number(self.row, col, value, (formats or {}).get(col))
            else:
                self.write_text(self.row, col, inert(str(value)), fmt)
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def write_rows(self, rows: Iterable[Any], converters: list[tuple[int, Callable[[Any], Any]]],
                   progress=None) -> int:
        """SQL rows through their converters (:class:`XlsxCells` of this sheet), from ``row`` on;
        returns how many were written. The inner loop of a large export: one call per cell."""
        cols = [(col, i, convert) for col, (i, convert) in enumerate(converters)]
        first = r = self.row
        for values in rows:
            for col, i, convert in cols:
                cell = convert(values[i])
                if cell is not None:
                    write, value = cell
                    write(r, col, value)
            r += 1
            if progress and not (r - first) % PROGRESS_ROWS:
                progress(r - first)
        self.row = r
        return r - first


class XlsxCells(Cells):
    """The comments sheet's converters: each value becomes (the sheet's write method, its value), or
    None for a blank cell; chosen once per column, so a cell costs no type test."""

    def __init__(self, sheet: Sheet):
        ws = sheet.ws
        string, number, boolean, rich = ws.write_string, ws.write_number, ws.write_boolean, sheet.write_text

        def text(v):
            if not v:
                return None
            v = inert(v)
            return (rich if _markup_like(v) else string), v

        def finish(v):
            if v is None or v == "":
                return None
            if isinstance(v, bool):
                return boolean, v
            if isinstance(v, (int, float)):
                return number, v
            return text(str(v))

        self.finish, self.text = finish, text
        self.datetime = lambda v: None if v is None else (number, excel_serial(v))
        self.count = lambda v: (number, v or 0)
        self.flag = lambda v: (boolean, bool(v))
        self.number = lambda v: (number, v)


class Book:
    """An XlsxWriter workbook in constant_memory mode, written to ``target`` (a path or a binary file)."""

    def __init__(self, target: str | IO[bytes]):
        import xlsxwriter  # here, not at import: the CLI and the other exports start faster without it

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
        self.plain = self.wb.add_format()  # the second run of markup-like text: the default font

    def sheet(self, name: str, widths: list[int] | None = None, formats: list[Any] | None = None) -> Sheet:
        return Sheet(self, name, widths, formats)

    def close(self) -> None:
        self.wb.close()
