"""Which consultation a request is about: the ``<consultation_slug>`` in its URL.

Every page, export and API resource of a consultation lives under one of the prefixes below. The
slug is taken out of the URL's values before the view runs (the view never sees it), the
consultation is loaded once into ``g.consultation`` — an unknown slug is a 404 — and ``url_for``
puts the same slug back into every link the page builds, so templates link within their
consultation without saying which. Linking to another consultation names it:
``url_for("participation.home", consultation_slug=other.slug)``.

Old URLs of the single-consultation site (printed QR codes, the city's PDFs) are permanent
redirects into the first consultation: see ``legacy.py``.
"""

from flask import Flask, abort, current_app, g, has_request_context
from sqlalchemy import select

from ..extensions import db
from .models import Consultation

SLUG_ARG = "consultation_slug"
# Citizens' pages, staff pages and API resources of one consultation.
PUBLIC = "/c/<consultation_slug>"
STAFF = "/staff/c/<consultation_slug>"
API = "/consultations/<consultation_slug>"  # under the API's /api/v1


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_take_slug)
    app.url_defaults(_give_slug)


def _take_slug(endpoint: str | None, values: dict | None) -> None:
    if not values or SLUG_ARG not in values:
        g.setdefault("consultation", None)  # a site-wide page: no consultation, not the first one
        return
    slug = values.pop(SLUG_ARG)
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug)) if len(slug) <= 64 else None
    if consultation is None:
        abort(404)
    g.consultation = consultation


def _give_slug(endpoint: str, values: dict) -> None:
    if SLUG_ARG in values:
        return
    consultation = g.get("consultation")
    if consultation is not None and current_app.url_map.is_endpoint_expecting(endpoint, SLUG_ARG):
        values[SLUG_ARG] = consultation.slug


def use(consultation: Consultation) -> None:
    """Make ``consultation`` the request's own, for routes that find it another way (a workshop's
    join code, a receipt number) so that their links stay inside it."""
    g.consultation = consultation


def first_consultation() -> Consultation | None:
    """The first consultation created: where the old single-site URLs lead, and what the CLI
    works on when it is not told."""
    return db.session.scalar(select(Consultation).order_by(Consultation.id).limit(1))


def current_consultation() -> Consultation | None:
    """The consultation of this request (from its URL; None on a site-wide page); outside a
    dispatched request (the CLI, a test that calls a service), the first one."""
    if has_request_context() and "consultation" in g:
        return g.consultation
    return first_consultation()


def consultation_id_of(obj) -> int | None:
    """The consultation a record belongs to: its own column, or its topic's."""
    cid = getattr(obj, "consultation_id", None)
    if cid is None and getattr(obj, "topic", None) is not None:
        cid = obj.topic.consultation_id
    return cid


def owned_or_404(model, ident):
    """The record with this id if it belongs to the request's consultation; any other is a 404,
    so an id copied from another consultation's URL shows nothing of it."""
    obj = db.session.get(model, ident)
    consultation = current_consultation()
    if obj is None or consultation is None or consultation_id_of(obj) != consultation.id:
        abort(404)
    return obj
