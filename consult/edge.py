"""The edge: what every request passes through before a view reads its input.

Each class of hostile input is refused here, once, for every route, rather than view by view:

- ids in paths: the ``int`` converter of every route is bounded to what the database can hold, so
  ``/staff/groups/99999999999999999999`` is a plain 404, never an overflow inside the driver;
- integers in query strings: :func:`query_int`, ASCII digits within bounds or nothing;
- JSON bodies: one loader (:class:`GuardedJSONProvider`, used by ``request.get_json``) that refuses
  nesting deeper than any of our documents and text that is not Unicode (lone surrogates), with a
  400 and a message, before a view sees the data.

Redirect targets are checked in ``security.py``; NUL bytes are refused there too.
"""

import json
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest id our tables hold: their keys are INTEGER, 32 bits on PostgreSQL (SQLAlchemy binds
# them as ::INTEGER, so a larger number is an error there, not a miss). A larger one can match no
# row, so the route does not match it: 404.
MAX_ID = 2**31 - 1

# The furthest page of a listing anyone can ask for (20 a page: two million comments).
MAX_PAGE = 100_000

# Our JSON documents nest three levels (an object of lists of objects); 32 leaves room for clients
# and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32


class RefusedInput(BadRequest):
    """A 400 whose message says what was wrong with the request; errors.py shows ``message`` and
    logs ``reason`` (a fixed English phrase: never the body, which may hold a citizen's text)."""

    def __init__(self, message: str, reason: str):
        super().__init__()
        self.message = message
        self.reason = reason


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` everywhere: unsigned, at most MAX_ID, ASCII digits only (werkzeug's default)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max,
                         signed=signed)


def parse_int(raw: Any, low: int = 0, high: int = MAX_ID) -> int | None:
    """An integer typed in ASCII digits (not ², not ١٢, no sign) within [low, high], or None."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    # Digits beyond those of `high` cannot be in range; checking the length first keeps int()
    # from parsing a 100,000-digit number.
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def query_int(args, name: str, default: int, low: int = 1, high: int = MAX_ID) -> int | None:
    """A query-string integer: ``default`` when absent, None when present but not a valid one."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    return parse_int(raw, low, high)


def _too_deep() -> RefusedInput:
    return RefusedInput(_("JSONの入れ子が深すぎます（%(max)d段まで）。", max=MAX_JSON_DEPTH),
                        f"JSON nested deeper than {MAX_JSON_DEPTH}")


def _check_json(data: Any) -> None:
    """Depth and Unicode of a parsed document, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:  # a lone or reversed surrogate (\ud800, \udc00\ud800)
                    raise RefusedInput(_("JSONに文字として正しくない値（対になっていないサロゲート）が含まれています。"),
                                       "JSON text with a lone surrogate")
        elif isinstance(value, (list, dict)):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with every request body checked before a view sees it."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise _too_deep()
        except UnicodeDecodeError:
            raise RefusedInput(_("JSONはUTF-8で送信してください。"), "JSON body not in UTF-8")
        _check_json(data)
        return data


def init_app(app: Flask) -> None:
    """Called before any blueprint is registered: rules take their converter when they are added."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
