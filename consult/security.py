"""Security helpers and the response headers that hold for every page."""

from flask import Flask, abort, request


def is_safe_path(target: str | None) -> bool:
    """Only our own paths: no scheme, no host, no protocol-relative //evil.example, no backslash."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def init_app(app: Flask) -> None:
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
