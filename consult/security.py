"""Security helpers and the response headers that hold for every page."""

from flask import Flask, abort, request


def is_safe_path(target: str | None) -> bool:
    """Only our own paths: no scheme, no host, no protocol-relative //evil.example, no backslash."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target

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
