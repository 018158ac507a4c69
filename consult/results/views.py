"""/results (the results page, 404 until they are public) and /results/open-data.csv (published
comments for anyone, rate limited per address)."""

from flask import Response, abort, current_app, render_template

from ..consultation.context import PUBLIC
from ..consultation.services import current_consultation
from ..core.labels import all_response_category_labels, vote_labels
from ..ratelimit import address_key, limiter
from ..secretariat.exports import open_data_csv
from ..secretariat.exports.downloads import download
from ..secretariat.figures import pct
from . import bp, services


@bp.route(PUBLIC + "/results")
def index():
    consultation = current_consultation()
    if not services.results_public(consultation):
        return render_template("results/not_yet.html", consultation=consultation), 404
    return render_template("results/index.html", consultation=consultation,
                           data=services.public_results(consultation), vote_labels=vote_labels(), pct=pct,
                           category_labels=all_response_category_labels())


@bp.route(PUBLIC + "/results/open-data.csv")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_OPEN_DATA"], key_func=address_key)
def open_data() -> Response:
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    chunks = open_data_csv(consultation.id, with_groups=services.results_public(consultation))
    # The same file for everyone: a short public cache spares the database.
    return download(chunks, "consult-open-data-comments.csv", "text/csv; charset=utf-8",
                    cache_control="public, max-age=300")
