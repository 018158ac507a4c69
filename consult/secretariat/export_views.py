"""The secretariat's export pages and downloads (staff only, @requires("export")): the comments
as CSV, CP932 CSV (checked first), XLSX or JSON, and the review document as XLSX."""

import tempfile
from dataclasses import dataclass

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..consultation.context import STAFF
from ..auth.permissions import requires
from ..core.errors import InvalidInput
from . import bp, document, exports
from .filters import parse_filter
from .views import (consultation_or_404, filter_error_page, filter_options, filter_or_errors, filter_values,
                    first_values)


@bp.route(STAFF + "/review/document.xlsx")
@requires("export")
def review_document_xlsx():
    consultation, f, errors = filter_or_errors()
    if f is None:
        return filter_error_page("secretariat/document.html", consultation, errors, doc=None)
    try:
        heading = document.read_heading(request.args)
    except InvalidInput as exc:
        return render_template("secretariat/document.html", consultation=consultation, f=f, values=f.values(),
                               errors=exc.errors, options=filter_options(consultation.id), doc=None), 422
    # Recorded first and committed at once: on SQLite a GET holds no write lock, so its write comes early.
    exports.record_export(current_user, "document_xlsx", f)
    doc = document.build(f, with_charts=False, heading=heading)
    fh = tempfile.TemporaryFile()
    document.write_document_workbook(fh, doc)
    return exports.download(exports.file_chunks(fh), exports.filename("review-document", "xlsx"), exports.XLSX_TYPE)


@dataclass
class ExportOptions:
    format: str = "csv"
    encoding: str = "utf-8-sig"
    replacement: str = "〓"


def parse_export_options(args) -> ExportOptions:
    errors: dict[str, list] = {}
    fmt = args.get("format") or "csv"
    if fmt not in exports.FORMATS:
        errors["format"] = [_l("形式は CSV・Excel・JSON から選んでください。")]
    encoding = args.get("encoding") or "utf-8-sig"
    if encoding not in exports.ENCODINGS:
        errors["encoding"] = [_l("文字コードは UTF-8（BOM付き）か Shift_JIS（CP932）から選んでください。")]
    replacement = args.get("replacement") or "〓"
    if replacement not in exports.REPLACEMENTS:
        errors["replacement"] = [_l("置き換える文字は「〓」か「?」から選んでください。")]
    if errors:
        raise InvalidInput(errors)
    return ExportOptions(fmt, encoding, replacement)


def _exports_page(consultation, f, *, values=None, errors=None, export_errors=None, status=200):
    return render_template("secretariat/exports.html", consultation=consultation, f=f,
                           values=values or (f.values() if f else {}), errors=errors or {},
                           export_errors=export_errors or {}, options=filter_options(consultation.id),
                           export_values={"format": request.args.get("format", "csv"),
                                          "encoding": request.args.get("encoding", "utf-8-sig"),
                                          "replacement": request.args.get("replacement", "〓")}), status


@bp.route(STAFF + "/exports")
@requires("export")
def exports_page():
    consultation, f, errors = filter_or_errors(default_status="all")
    if f is None:
        return filter_error_page("secretariat/exports.html", consultation, errors, export_errors={},
                                 export_values={"format": "csv", "encoding": "utf-8-sig", "replacement": "〓"})
    return _exports_page(consultation, f)


@bp.route(STAFF + "/exports/comments")
@requires("export")
def export_comments():
    consultation = consultation_or_404()
    filter_errors, export_errors, f, options = {}, {}, None, None
    try:
        f = parse_filter(first_values(request.args), consultation.id, default_status="all")
    except InvalidInput as exc:
        filter_errors = exc.errors
    try:
        options = parse_export_options(request.args)
    except InvalidInput as exc:
        export_errors = exc.errors
    if filter_errors or export_errors:
        return _exports_page(consultation, f, values=filter_values(), errors=filter_errors,
                             export_errors=export_errors, status=422)
    if options.format == "csv" and options.encoding == "cp932" and request.args.get("checked") != "1":
        report = exports.cp932_check(f, options.replacement)
        return render_template("secretariat/cp932_report.html", report=report, f=f,
                               download_args={**f.as_args(), "format": "csv", "encoding": "cp932",
                                              "replacement": options.replacement, "checked": "1"})
    details = {"format": options.format}
    if options.format == "csv":
        details.update(encoding=options.encoding, replacement=options.replacement)
    exports.record_export(current_user, options.format, f, **details)
    if options.format == "csv":
        charset = "Windows-31J" if options.encoding == "cp932" else "utf-8"
        return exports.download(exports.comments_csv(f, encoding=options.encoding, replacement=options.replacement),
                                exports.filename("comments", "csv"), f"text/csv; charset={charset}")
    if options.format == "json":
        return exports.download(exports.comments_json(f), exports.filename("comments", "json"),
                                "application/json; charset=utf-8")
    return exports.download(exports.file_chunks(exports.workbook_file(f)), exports.filename("comments", "xlsx"),
                            exports.XLSX_TYPE)
