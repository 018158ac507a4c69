"""Which consultation a request is about: the ``<consultation_slug>`` in its URL.

Every page, export and API resource of a consultation lives under one of the prefixes below. The
slug is taken out of the URL's values before the view runs (the view never sees it), the
consultation's id is read into ``g.consultation_id`` — an unknown slug is a 404 — the object
itself into ``g.consultation`` on first use (a cached page or a vote never needs it), and ``url_for``
puts the same slug back into every link the page builds, so templates link within their
consultation without saying which. Linking to another consultation names it:
``url_for("participation.home", consultation_slug=other.slug)``.

Old URLs of the single-consultation site (printed QR codes, the city's PDFs) are permanent
redirects into the first consultation: see ``legacy.py``.
"""

from flask import Flask, abort, current_app, g, has_request_context
from flask.ctx import _AppCtxGlobals
from sqlalchemy import bindparam, select

from ..extensions import db
from ..pagecache import version_rows
from .models import Consultation

SLUG_ARG = "consultation_slug"
# Citizens' pages, staff pages and API resources of one consultation.
PUBLIC = "/c/<consultation_slug>"
STAFF = "/staff/c/<consultation_slug>"
API = "/consultations/<consultation_slug>"  # under the API's /api/v1


class RequestGlobals(_AppCtxGlobals):
    """``g``, whose ``consultation`` is loaded from ``consultation_id`` when first asked for:
    loading it through the ORM cost a quarter of a vote's and a cached page's time."""

    def __getattr__(self, name: str):
        if name == "consultation" and "consultation_id" in self.__dict__:
            consultation = db.session.get(Consultation, self.__dict__["consultation_id"])
            if consultation is None:  # removed since the slug was read
                abort(404)
            self.__dict__["consultation"] = consultation
            return consultation
        return super().__getattr__(name)

    def get(self, name: str, default=None):
        if name == "consultation" and name not in self.__dict__ and "consultation_id" in self.__dict__:
            return self.consultation
        return super().get(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__ or (item == "consultation" and "consultation_id" in self.__dict__)


def init_app(app: Flask) -> None:
    app.app_ctx_globals_class = RequestGlobals
    app.url_value_preprocessor(_take_slug)
    app.url_defaults(_give_slug)


def _id_statement():
    return select(Consultation.id).where(Consultation.slug == bindparam("slug"))


def _take_slug(endpoint: str | None, values: dict | None) -> None:
    if not values or SLUG_ARG not in values:
        g.setdefault("consultation", None)  # a site-wide page: no consultation, not the first one
        return
    slug = values.pop(SLUG_ARG)
    # Straight through the driver (pagecache.version_rows): the id is all most requests need.
    rows = version_rows("consultation-id", _id_statement, {"slug": slug}) if len(slug) <= 64 else []
    if not rows:
        abort(404)
    g.consultation_id = rows[0][0]


def _give_slug(endpoint: str, values: dict) -> None:
    if SLUG_ARG in values:
        return
    consultation = g.get("consultation")
    if consultation is not None and current_app.url_map.is_endpoint_expecting(endpoint, SLUG_ARG):
        values[SLUG_ARG] = consultation.slug


def use(consultation: Consultation) -> None:
    """Make ``consultation`` the request's own, for routes that find it another way (a workshop's
    join code, a receipt number) so that their links stay inside it."""
    g.consultation_id = consultation.id
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


def current_consultation_id() -> int | None:
    """The id of ``current_consultation()``, without loading it when the URL named it."""
    if has_request_context() and "consultation_id" in g.__dict__:
        return g.consultation_id
    consultation = current_consultation()
    return consultation.id if consultation is not None else None


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
