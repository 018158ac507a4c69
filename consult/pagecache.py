"""Rendered public pages kept per process, for visitors who bring nothing of their own.

A page is kept per (view, path with its query, language) with the *version* of what it shows: a
tuple of cheap values read in one statement per request (the last ids of the tables that feed
it, the rows it prints, the vote counts…), given by the view's ``version_of`` function. A request
whose version equals the kept one gets the kept HTML; anything else renders anew, so a change
shows on the very next request, from whichever worker serves it.

Only the CSRF token may differ between the visitors who share a page. It is rendered as a
placeholder and each response gets its own visitor's token (which also puts the token into their
session, as rendering would). A visitor with more in their session — a participant id, flash
messages, a staff login — gets the page rendered for them and never kept.
"""

import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import Callable, NamedTuple

from flask import Flask, current_app, g, make_response, request, session
from sqlalchemy import func, literal, literal_column, select

from .extensions import db

from .i18n import furigana_chosen, select_locale
from .signing import generate_csrf

# Per process and unguessable, so that no text a citizen writes can contain it.
PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_RENDERING = "_page_cache_rendering"

# Session keys that change nothing on a cached page: the CSRF secret (its token is substituted),
# Flask's and Flask-Login's bookkeeping, and the last receipt number (shown on its own page only).
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh", "last_receipt"})
# Query arguments the cached pages read; any other argument renders uncached, so that random
# query strings cannot push real pages out of the cache. A view may name its own (cached_page(args=)).
CACHEABLE_ARGS = frozenset({"page", "ward", "lang"})
# What may be kept: pages and the public JSON API's answers (which hold no token).
CACHEABLE_TYPES = frozenset({"text/html", "application/json"})


class Version(NamedTuple):
    data: tuple
    # PostgreSQL: the transactions in progress when the version was read. A row they insert may
    # carry a lower id than rows already visible, so a page is kept only while all of them are
    # still in progress. Empty on SQLite, whose writers commit one after another. (Left open: a
    # transaction between drawing its id and writing its row has no xid yet — microseconds —
    # which PAGE_CACHE_MAX_AGE bounds.)
    in_progress: frozenset = frozenset()


class _Entry(NamedTuple):
    version: Version
    parts: tuple
    stored_at: float


class PageCache:
    """An LRU of rendered pages (or of any tuple) with their versions; safe for gunicorn's threads."""

    def __init__(self, size: int, max_age: float):
        self.size, self.max_age = size, max_age
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, version: Version) -> tuple | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if (entry.version.data != version.data or not entry.version.in_progress <= version.in_progress
                    or time.monotonic() - entry.stored_at > self.max_age):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.parts

    def put(self, key, version: Version, parts: tuple) -> None:
        with self._lock:
            self._entries[key] = _Entry(version, parts, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    if app.config["PAGE_CACHE_ENABLED"]:
        app.extensions["page_cache"] = PageCache(int(app.config["PAGE_CACHE_SIZE"]),
                                                 float(app.config["PAGE_CACHE_MAX_AGE"]))
        # Counts of published comments per (topic, ward), under the same rules (consultation/services.py).
        app.extensions["count_cache"] = PageCache(int(app.config["PAGE_CACHE_SIZE"]),
                                                  float(app.config["PAGE_CACHE_MAX_AGE"]))
    # Replaces Flask-WTF's global and context processor (CSRFProtect sets both) in every template.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})


def csrf_token() -> str:
    return PLACEHOLDER if g.get(_RENDERING) else generate_csrf()


def snapshot_column():
    """A column for a version statement: PostgreSQL's current snapshot, None elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return literal_column("pg_current_snapshot()::text")
    return literal(None)


def version(data: tuple, snapshot: str | None) -> Version:
    """``snapshot`` as PostgreSQL prints it: xmin:xmax:xip,xip,…"""
    if not snapshot:
        return Version(tuple(data))
    xip = snapshot.split(":")[2]
    return Version(tuple(data), frozenset(int(x) for x in xip.split(",") if x))


def _shareable(args: frozenset = CACHEABLE_ARGS) -> bool:
    """True when this request's page would be the same for any other visitor, token apart."""
    if request.method not in ("GET", "HEAD"):
        return False
    if any(key not in SHAREABLE_SESSION_KEYS for key in session.keys()):
        return False
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return all(name in args and len(values) == 1 for name, values in request.args.lists())


def _respond(kept: tuple, response=None):
    content_type, parts = kept
    # The token is made (and put into the session) only if the page holds a form, as rendering does.
    body = generate_csrf().encode("ascii").join(parts) if len(parts) > 1 else parts[0]
    if response is None:
        return current_app.response_class(body, status=200, content_type=content_type)
    response.set_data(body)
    return response


def cached_page(version_of: Callable[..., Version | None], *, args: frozenset = CACHEABLE_ARGS):
    """Serve the view from the cache when its version is unchanged; ``version_of`` takes the view's
    arguments and returns None when the page must not be kept (e.g. an unknown slug: 404);
    ``args``: the query arguments the view reads (any other renders uncached)."""

    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            cache: PageCache | None = current_app.extensions.get("page_cache")
            if cache is None or not _shareable(args):
                return view(**kwargs)
            current = version_of(**kwargs)
            if current is None:
                return view(**kwargs)
            # The language as the app chooses it (?lang=, then the cookie), without Babel's Locale;
            # furigana changes the page's switch (the ruby itself is added after the cache).
            key = (request.endpoint, request.full_path, select_locale(), furigana_chosen())
            kept = cache.get(key, current)
            if kept is not None:
                return _respond(kept)
            g.setdefault(_RENDERING, True)
            try:
                response = make_response(view(**kwargs))
            finally:
                g.pop(_RENDERING, None)
            html = response.get_data()
            kept = (response.content_type, tuple(html.split(PLACEHOLDER.encode("ascii"))))
            # A real token made during the render (not through the template) would be someone's own.
            if (response.status_code == 200 and response.mimetype in CACHEABLE_TYPES and "csrf_token" not in g
                    and _shareable(args)):
                cache.put(key, current, kept)
            return _respond(kept, response)

        return wrapper

    return decorator


# --- version statements: built once, run straight through the driver ----------------------------

_statements: dict = {}


def last_id(column):
    """A version column: the largest id of a table (a new row is a new version)."""
    return select(func.max(column)).scalar_subquery()


def version_rows(name: str, build, params: dict | None = None) -> list:
    """Run a version statement on a connection of its own, straight through the driver.

    Built and compiled once per dialect (the snapshot column differs): building, compiling and
    running a select through the ORM session costs three times what the query itself does. Its
    own connection reads a snapshot no later than the render that may follow in the request's
    session, so a page is never kept under a version newer than its content — unless the session
    has begun reading already, whose snapshot the version must then share.
    """
    dialect = db.engine.dialect
    key = (name, dialect.name)
    if key not in _statements:
        _statements[key] = build().compile(dialect=dialect)
    compiled = _statements[key]
    values = compiled.construct_params(params or {})
    arguments = tuple(values[k] for k in compiled.positiontup) if compiled.positiontup else values
    if db.session().in_transaction():
        return db.session.connection().exec_driver_sql(compiled.string, arguments).all()
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(compiled.string, arguments)
        return cursor.fetchall()
    finally:
        connection.close()  # back to the pool, which rolls back what the read began
