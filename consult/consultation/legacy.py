"""The URLs of the single-consultation site, kept working: a permanent redirect into the first
consultation. QR codes are printed on workshop sheets and links sit in the city's PDFs; 308 keeps
the method, so a form or an API client posting to an old address still reaches the new one."""

from urllib.parse import quote

from flask import Flask, abort, redirect, request

from .context import first_consultation

# Old prefix → its place under the first consultation ({slug}).
MOVED = (
    ("/topics", "/c/{slug}/topics"),
    ("/comments", "/c/{slug}/comments"),
    ("/results", "/c/{slug}/results"),
    ("/staff/consultation", "/staff/c/{slug}"),
    ("/staff/workshops", "/staff/c/{slug}/workshops"),
    ("/staff/review", "/staff/c/{slug}/review"),
    ("/staff/moderation", "/staff/c/{slug}/moderation"),
    ("/staff/groups", "/staff/c/{slug}/groups"),
    ("/staff/exports", "/staff/c/{slug}/exports"),
    ("/api/v1/topics", "/api/v1/consultations/{slug}/topics"),
    ("/api/v1/comments", "/api/v1/consultations/{slug}/comments"),
    ("/api/v1/votes", "/api/v1/consultations/{slug}/votes"),
)
METHODS = ["GET", "HEAD", "POST"]
# What may stay unescaped in the path and query we carry over (RFC 3986 pchar / query).
PATH_SAFE = "/:@!$&'()*+,;=-._~"
QUERY_SAFE = PATH_SAFE + "?%"


def init_app(app: Flask) -> None:
    for number, (old, new) in enumerate(MOVED):
        view = _redirector(old, new)
        endpoint = f"legacy_{number}"
        for rule in (old, old + "/", old + "/<path:rest>"):
            app.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=METHODS, strict_slashes=True)


def _redirector(old: str, new: str):
    def moved(rest: str = ""):
        first = first_consultation()
        if first is None:
            abort(404)
        target = new.format(slug=first.slug) + request.path[len(old):]
        target = quote(target, safe=PATH_SAFE)
        if request.query_string:
            target += "?" + quote(request.query_string.decode("latin-1"), safe=QUERY_SAFE)
        return redirect(target, code=308)

    return moved
