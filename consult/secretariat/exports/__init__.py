"""Exports of the comments: CSV (UTF-8 with BOM, or CP932), the Excel workbook and JSON, and the
public open-data CSV. Everything streams: rows.py reads the comments as they are written.

    rows.py       the query and how a row becomes cells      formulas.py  the formula-injection guard
    cp932.py      CP932 replacements and their report        csv.py / json.py / xlsx.py  the formats
    sheets.py     the workbook's sheets                      downloads.py file names, responses, audit
"""

from .cp932 import REPLACEMENTS, Cp932Report
from .csv import ENCODINGS, comments_csv, cp932_check, open_data_csv
from .downloads import download, file_chunks, filename, record_export
from .json import comments_json
from .rows import comment_columns
from .sheets import workbook_file, write_workbook
from .xlsx import XLSX_TYPE

FORMATS = ("csv", "xlsx", "json")

__all__ = ["ENCODINGS", "FORMATS", "REPLACEMENTS", "XLSX_TYPE", "Cp932Report", "comment_columns", "comments_csv",
           "comments_json", "cp932_check", "download", "file_chunks", "filename", "open_data_csv", "record_export",
           "workbook_file", "write_workbook"]
