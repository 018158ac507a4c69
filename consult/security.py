"""Security helpers and the response headers that hold for every page."""

import re
from urllib.parse import quote, urlsplit

from flask import Flask, abort, current_app, request

# What a browser removes from a URL before it parses it (the WHATWG URL standard): TAB, CR and LF
# anywhere, and C0 controls and spaces at either end. A backslash counts as a slash in http(s) URLs.
_URL_NOISE = re.compile(r"[\t\r\n]")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
# Characters a path and query may keep as they are in a Location header; the rest is %-encoded.
_LOCATION_SAFE = "/?&=#%:;@!$'()*+,~-._[]"


def safe_path(target: str | None) -> str | None:
    """The target as a path on this site, normalised as a browser would read it, or None.

    Every redirect to a target taken from a request goes through here (the language switch, sign-in's
    ``next``). ``/<TAB>/evil.example``, ``/\\evil.example`` and ``<SPACE>//evil.example`` all read as
    ``//evil.example`` in a browser, another host: they are refused, as are schemes and hosts.
    """
    if not isinstance(target, str):
        return None
    cleaned = _URL_NOISE.sub("", target).strip(_C0_AND_SPACE).replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return quote(cleaned, safe=_LOCATION_SAFE)


def _guard_location(response):
    """The last line of defence: a redirect answered by any view must stay on this site."""
    location = response.headers.get("Location")
    if location is None or safe_path(location) == location:
        return response
    own = request.host_url.rstrip("/")
    if location.startswith(own + "/") and safe_path(location[len(own):]) is not None:
        return response
    current_app.logger.warning("refused a redirect off this site from %s %s", request.method, request.path)
    response.headers["Location"] = "/"
    return response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def _has_nul() -> bool:
    """A NUL anywhere in the path, the query, a form field or a JSON body. PostgreSQL cannot
    compare or store it, and no person types one: such a request is refused before any view."""
    if "\x00" in request.path or any("\x00" in v for vs in request.args.listvalues() for v in vs):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            raw = request.get_data(cache=True)
            return b"\x00" in raw or b"\\u0000" in raw
        return any("\x00" in v for vs in request.form.listvalues() for v in vs)
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        if _has_nul():
            abort(400)

    app.after_request(_guard_location)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response


def refuse_cross_site() -> None:
    """JSON writes come from our own pages or from non-browser clients, never from another site.

    Browsers send Sec-Fetch-Site and Origin; a request that says it is cross-site, or whose Origin
    is not this host, is refused (403). Clients without these headers (curl, scripts) pass.
    """
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        abort(403)
