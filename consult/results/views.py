"""/results (the results page, 404 until they are public) and /results/open-data.csv (published
comments for anyone, rate limited per address). A public comment's results page is its result
(意見募集の結果, ``pubcom.result``), with the same result as a print-ready document, CSV and Excel."""

import tempfile

from flask import Response, abort, current_app, render_template

from ..consultation.context import PUBLIC
from ..consultation.services import current_consultation
from ..core.labels import all_response_category_labels, vote_labels
from ..pubcom import result as pubcom_result
from ..ratelimit import address_key, limiter
from ..secretariat.exports import open_data_csv
from ..secretariat.exports.downloads import download, file_chunks
from ..secretariat.exports.xlsx import XLSX_TYPE
from ..secretariat.figures import pct
from . import bp, services


@bp.route(PUBLIC + "/results")
def index():
    consultation = current_consultation()
    if pubcom_result.is_pubcom(consultation):
        if not pubcom_result.result_public(consultation):
            return render_template("results/not_yet.html", consultation=consultation), 404
        return render_template("pubcom/result.html", consultation=consultation,
                               result=pubcom_result.build(consultation), states=pubcom_result.state_labels())
    if not services.results_public(consultation):
        return render_template("results/not_yet.html", consultation=consultation), 404
    return render_template("results/index.html", consultation=consultation,
                           data=services.public_results(consultation), vote_labels=vote_labels(), pct=pct,
                           category_labels=all_response_category_labels())


def _published_result_or_404():
    """A public comment whose result is published; anything else (a deliberation, a result not
    yet published) is a 404, the not-yet page for a public comment."""
    consultation = current_consultation()
    if not pubcom_result.is_pubcom(consultation):
        abort(404)
    if not pubcom_result.result_public(consultation):
        abort(Response(render_template("results/not_yet.html", consultation=consultation), 404))
    return consultation


@bp.route(PUBLIC + "/results/document")
def document():
    consultation = _published_result_or_404()
    return render_template("pubcom/result_print.html", consultation=consultation,
                           result=pubcom_result.build(consultation), states=pubcom_result.state_labels(),
                           staff_preview=False)


@bp.route(PUBLIC + "/results/result.csv")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_OPEN_DATA"], key_func=address_key)
def result_csv() -> Response:
    consultation = _published_result_or_404()
    chunks = pubcom_result.csv_file(pubcom_result.build(consultation))
    return download(chunks, f"{consultation.slug}-result.csv", "text/csv; charset=utf-8",
                    cache_control="public, max-age=300")


@bp.route(PUBLIC + "/results/result.xlsx")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_OPEN_DATA"], key_func=address_key)
def result_xlsx() -> Response:
    consultation = _published_result_or_404()
    fh = tempfile.TemporaryFile()
    pubcom_result.write_workbook(fh, pubcom_result.build(consultation))
    return download(file_chunks(fh), f"{consultation.slug}-result.xlsx", XLSX_TYPE,
                    cache_control="public, max-age=300")


@bp.route(PUBLIC + "/results/open-data.csv")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_OPEN_DATA"], key_func=address_key)
def open_data() -> Response:
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    # A public comment's groups are its answers: public with its result, not at the close.
    with_groups = (pubcom_result.result_public(consultation) if pubcom_result.is_pubcom(consultation)
                   else services.results_public(consultation))
    chunks = open_data_csv(consultation.id, with_groups=with_groups)
    # The same file for everyone: a short public cache spares the database.
    return download(chunks, "consult-open-data-comments.csv", "text/csv; charset=utf-8",
                    cache_control="public, max-age=300")
