"""`flask --app consult secretariat export …`: the secretariat's exports from the command line.

    flask --app consult secretariat export comments --format csv --output comments.csv
    flask --app consult secretariat export comments --format csv --encoding cp932 --output sjis.csv
    flask --app consult secretariat export comments --format xlsx --output review.xlsx
    flask --app consult secretariat export comments --format json --output comments.json
    flask --app consult secretariat export document --output review-document.html   (or .xlsx)

The same filters as the review pages (--topic, --ward, --channel, --status, --from, --to, --q …)
apply. Progress goes to stderr every 10,000 rows; each export is written to the audit log.
"""

from pathlib import Path

import click
from flask import current_app, render_template
from markupsafe import Markup

from ..consultation.services import current_consultation, ward_choices
from ..core.errors import InvalidInput
from ..core.labels import verdict_labels, vote_labels
from . import bp, document, exports
from .filters import parse_filter
from .views import template_helpers


@bp.cli.group("export")
def export():
    """Export comments (CSV, XLSX, JSON) or the review document (HTML, XLSX)."""


def _filter_options(f):
    for name, help_text in (("topic", "topic slug"), ("ward", "ward code"), ("channel", "web | workshop | paper"),
                            ("workshop", "workshop id"), ("group", "opinion group id, or none"),
                            ("from", "first JST day, YYYY-MM-DD"), ("to", "last JST day, YYYY-MM-DD"),
                            ("q", "search text")):
        f = click.option(f"--{name}", f"{name}_", default="", help=help_text)(f)
    return f


def _parse(kwargs: dict, status: str):
    consultation = current_consultation()
    if consultation is None:
        raise click.ClickException("no consultation in this database (run `flask seed`)")
    args = {k.rstrip("_"): v for k, v in kwargs.items() if k.endswith("_")}
    args["status"] = status
    try:
        return parse_filter(args, consultation.id, default_status="all")
    except InvalidInput as exc:
        raise click.ClickException("; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.as_text().items()))


def _progress(what: str):
    def report(n: int) -> None:
        click.echo(f"export: {what} {n:,} rows", err=True)

    return report


@export.command("comments")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--encoding", type=click.Choice(exports.ENCODINGS), default="utf-8-sig", show_default=True,
              help="CSV only: UTF-8 with BOM, or CP932 (Shift_JIS) with replacements reported")
@click.option("--replacement", type=click.Choice(exports.REPLACEMENTS), default="〓", show_default=True,
              help="CSV in CP932 only: what replaces a character CP932 cannot encode")
@click.option("--status", default="all", show_default=True, help="active | all | pending | published | hidden")
@_filter_options
def export_comments(fmt, output, encoding, replacement, status, **kwargs):
    """Export the comments matching the filters."""
    with current_app.test_request_context("/"):  # labels in the default language (Japanese)
        f = _parse(kwargs, status)
        details = {"format": fmt, "output": output.name}
        if fmt == "csv":
            details.update(encoding=encoding, replacement=replacement)
        exports.record_export(None, fmt, f, note="cli", **details)
        report = exports.Cp932Report(replacement=replacement) if encoding == "cp932" else None
        progress = _progress(fmt)
        if fmt == "xlsx":
            rows = exports.write_workbook(str(output), f, progress=progress)
        else:
            chunks = (exports.comments_csv(f, encoding=encoding, replacement=replacement, report=report,
                                           progress=progress)
                      if fmt == "csv" else exports.comments_json(f, progress=progress))
            with output.open("wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            rows = report.rows if report else None
    click.echo(f"export: wrote {output}")
    if report is not None:
        if report.affected_rows:
            click.echo(f"export: CP932 replaced characters in {report.affected_rows:,} of {report.rows:,} rows "
                       f"with {replacement!r}: {''.join(report.characters)}", err=True)
            for receipt, chars in report.examples[:50]:
                click.echo(f"export:   {receipt}: {chars}", err=True)
        else:
            click.echo(f"export: CP932: all {rows:,} rows encoded without replacement", err=True)


@export.command("document")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="ending .html (print-ready page) or .xlsx")
@click.option("--status", default="active", show_default=True, help="active | all | pending | published | hidden")
@_filter_options
def export_document(output, status, **kwargs):
    """Write the review document for the 5th meeting (HTML or XLSX)."""
    suffix = output.suffix.lower()
    if suffix not in (".html", ".xlsx"):
        raise click.ClickException("--output must end in .html or .xlsx")
    with current_app.test_request_context("/"):
        f = _parse(kwargs, status)
        exports.record_export(None, "document_" + suffix[1:], f, note="cli", output=output.name)
        doc = document.build(f, with_charts=suffix == ".html")
        if suffix == ".xlsx":
            document.write_document_workbook(str(output), doc)
        else:
            html = render_template("secretariat/document_standalone.html", doc=doc, vote_labels=vote_labels(),
                                   verdicts=verdict_labels(), ward_labels=dict(ward_choices()),
                                   css=Markup(_print_css()), **template_helpers())
            output.write_text(html, encoding="utf-8")
    click.echo(f"export: wrote {output}")


def _print_css() -> str:
    static = Path(current_app.static_folder) / "css"
    return (static / "app.css").read_text(encoding="utf-8") + "\n" + (static / "print.css").read_text(encoding="utf-8")
