"""Security helpers and the response headers that hold for every page."""

from flask import Flask


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
        return response
