"""Hostile input refused at the edge (consult/edge.py, consult/security.py), for every route at once.

The classes: integers beyond 64 bits in path segments and query strings, JSON that is not valid
Unicode or is nested hundreds of levels deep, control characters and odd whitespace in redirect
targets and headers. Each answers 4xx with a message in the page's language, stores nothing and
never shows a traceback.
"""

import re

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from consult.auth.services import create_user
from consult.extensions import db
from consult.participation.models import Comment, Participant, Vote
from consult.workshops.models import Workshop

HUGE = ["2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "1" + "0" * 400,
        "18446744073709551616"]
MAX_ID = "2147483647"  # the largest id the tables hold (INTEGER, 32 bits on PostgreSQL): a plain miss


def _counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Comment, Vote, Participant))


def _message(response) -> str:
    if response.is_json:
        return response.get_json()["message"]
    html = response.get_data(as_text=True)
    assert "Traceback" not in html
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return found.group(1) if found else ""


@pytest.fixture
def admin(app):
    user = create_user("edge-admin@example.jp", "admin", "a long enough password", name="edge admin")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def _fill(rule: str, number: str) -> str:
    path = re.sub(r"<int:\w+>", number, rule).replace("<consultation_slug>", "kumamoto-ward-offices-h26")
    return re.sub(r"<(?:[^:>]+:)?\w+>", "zz-unknown", path)


@pytest.mark.parametrize("number", HUGE + [MAX_ID])
def test_ids_beyond_64_bits_are_not_found_on_every_route(app, admin, number):
    """Every route that takes an id, as an admin (who may reach them all): 404, never an overflow."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is answered (and counted here), not raised
    routes = list(_int_routes(app))
    assert len(routes) > 30  # the URL map really was walked
    before = _counts()
    for method, rule in routes:
        response = admin.open(_fill(rule, number), method=method)
        # A JSON-only route may first refuse the form post (415); none reaches the database.
        assert response.status_code in (404, 415), (method, rule, response.status_code)
        assert _message(response)
    assert _counts() == before


@pytest.mark.parametrize("value", HUGE + ["-1", "0", "1.5", "１", "²", "1e3", " 2", "0x10", ""])
@pytest.mark.parametrize("url", ["/c/kumamoto-ward-offices-h26/topics/roles", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", "/staff/c/kumamoto-ward-offices-h26/moderation", "/staff/c/kumamoto-ward-offices-h26/review",
                                 "/staff/c/kumamoto-ward-offices-h26/review/comments", "/staff/c/kumamoto-ward-offices-h26/groups", "/staff/audit"])
def test_integers_in_query_strings(admin, url, value):
    response = admin.get(url, query_string={"page": value, "per_page": value, "group": value,
                                            "workshop": value, "a": value, "b": value})
    assert response.status_code in (200, 302, 400, 404, 422), response.status_code


def test_a_page_beyond_any_listing_is_not_found(client):
    response = client.get("/c/kumamoto-ward-offices-h26/topics/roles", query_string={"page": HUGE[1]})
    assert response.status_code == 404 and "見つかりません" in _message(response)
    english = client.get("/c/kumamoto-ward-offices-h26/topics/roles", query_string={"page": HUGE[1], "lang": "en"})
    assert english.status_code == 404 and "could not be found" in _message(english)
    api = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments", query_string={"page": HUGE[1]})
    assert api.status_code == 422 and "page" in api.get_json()["errors"]


BAD_JSON = {
    "lone high surrogate": b'{"topic": "roles", "body": "\\ud800", "consent": true}',
    "lone low surrogate": b'{"topic": "roles", "body": "\\udc00", "consent": true}',
    "reversed pair": b'{"topic": "roles", "body": "\\udc00\\ud800", "consent": true}',
    "surrogate in a key": b'{"\\ud83d": 1, "topic": "roles"}',
    "high surrogate at the end": b'{"topic": "roles", "body": "ok\\ud83d"}',
    "nested 500 lists": b"[" * 500 + b"]" * 500,
    "nested 100000 lists": b"[" * 100000 + b"]" * 100000,
    "nested 400 objects": b'{"a":' * 400 + b"1" + b"}" * 400,
    "deep inside a valid body": b'{"topic": "roles", "body": ' + b"[" * 300 + b"]" * 300 + b"}",
    "not UTF-8": '{"topic": "roles", "body": "区役所"}'.encode("cp932"),
}


@pytest.mark.parametrize("url", ["/api/v1/consultations/kumamoto-ward-offices-h26/comments", "/api/v1/consultations/kumamoto-ward-offices-h26/votes"])
@pytest.mark.parametrize("raw", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_json_that_is_not_unicode_or_too_deep(client, url, raw):
    before = _counts()
    response = client.post(url, data=raw, content_type="application/json")
    assert response.status_code == 400, response.status_code
    assert response.get_json()["message"] != "リクエストの形式が正しくありません。"  # says what was wrong
    assert _counts() == before


def test_json_refusals_are_translated(client):
    deep = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments?lang=en", data=b"[" * 500 + b"]" * 500, content_type="application/json")
    assert "nested too deeply" in deep.get_json()["message"]
    lone = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments?lang=en", data=BAD_JSON["lone high surrogate"], content_type="application/json")
    assert "surrogate" in lone.get_json()["message"]


def test_json_at_the_allowed_depth_still_reaches_the_view(client):
    """A body nested within the limit gets the view's own answer (422 for a wrong type), not the edge's."""
    body = b'{"topic": "roles", "body": ' + b"[" * 20 + b"]" * 20 + b"}"
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data=body, content_type="application/json")
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


def test_the_workshop_board_json_goes_through_the_same_loader(app, admin):
    workshop = db.session.scalar(select(Workshop).order_by(Workshop.id))
    response = admin.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{workshop.id}/board/move", data=b"[" * 500 + b"]" * 500,
                          content_type="application/json")
    assert response.status_code == 400


# The classic list of redirect bypasses: each is read by a browser as another host (or a scheme).
OFF_SITE = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\t/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
    "\x00//evil.example", "/\x0b/evil.example", "\n//evil.example", "/ /evil.example".replace(" ", "\t"),
    "https://evil.example", "http:evil.example", "https:/evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "evil.example", "@evil.example",
    "/\\/evil.example", "\\\\\\evil.example", "//evil.example/%2F..", "//google.com%2F@evil.example",
    "\u3000//evil.example",
]


def _assert_on_site(response):
    location = response.headers.get("Location", "")
    # As a browser reads it: TAB/CR/LF dropped, backslashes as slashes.
    read = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    assert read.startswith("/") and not read.startswith("//"), location
    assert ":" not in read.split("/")[0] and "\r" not in location and "\n" not in location


@pytest.mark.parametrize("target", OFF_SITE, ids=range(len(OFF_SITE)))
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get("/lang", query_string={"lang": "en", "next": target})
    if "\x00" in target:
        assert response.status_code == 400  # refused before any view (security._refuse_nul)
        return
    assert response.status_code == 302
    _assert_on_site(response)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE, ids=range(len(OFF_SITE)))
def test_sign_in_never_leaves_the_site(app, client, target):
    create_user("next@example.jp", "secretariat", "a long enough password", name="next")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "next@example.jp", "password": "a long enough password"})
    if "\x00" in target:
        assert response.status_code == 400
        return
    assert response.status_code == 303
    _assert_on_site(response)
    assert response.headers["Location"] == "/staff"


@pytest.mark.parametrize("target, location", [
    ("/c/kumamoto-ward-offices-h26/topics/roles", "/c/kumamoto-ward-offices-h26/topics/roles"),
    ("/c/kumamoto-ward-offices-h26/topics/roles?ward=chuo#current", "/c/kumamoto-ward-offices-h26/topics/roles?ward=chuo#current"),
    ("/c/kumamoto-ward-offices-h26/topics/ro\tles", "/c/kumamoto-ward-offices-h26/topics/roles"),  # the browser would go here too
    ("/c/kumamoto-ward-offices-h26/topics/区役所", "/c/kumamoto-ward-offices-h26/topics/%E5%8C%BA%E5%BD%B9%E6%89%80"),
    ("/%09/evil.example", "/%09/evil.example"),  # an encoded TAB is a path segment, not a host
    ("/\r\nLocation: //evil.example", "/Location:%20//evil.example"),  # no header injected
])
def test_own_paths_are_kept(client, target, location):
    response = client.get("/lang", query_string={"lang": "en", "next": target})
    assert response.headers["Location"] == location


ODD = ["\x00", "\t", "a\tb", " ", "\x0b\x0c", "\u3000", "\x7f", "é", "x" * 6000, "ja;q=zz, *;q=-1",
       "ja-JP-u-ca-japanese;q=0.9," * 200]


@pytest.mark.parametrize("header", ["Accept-Language", "Cookie", "Origin", "Sec-Fetch-Site", "If-None-Match",
                                    "Idempotency-Key", "X-Forwarded-For", "Referer", "Content-Type", "Accept"])
@pytest.mark.config(PROXY_HOPS=1)
def test_odd_header_values(client, header):
    before = _counts()
    for value in ODD:
        for method, url, kwargs in [("GET", "/", {}), ("GET", "/c/kumamoto-ward-offices-h26/topics/roles", {}), ("GET", "/lang?lang=en", {}),
                                    ("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", {"json": {"topic": "roles"}}),
                                    ("POST", "/c/kumamoto-ward-offices-h26/topics/roles/comment", {"data": {"action": "confirm"}})]:
            response = client.open(url, method=method, headers={header: value}, **kwargs)
            assert response.status_code < 500, (header, value[:12], url, response.status_code)
    assert _counts()[:2] == before[:2]


@pytest.mark.parametrize("host", ["x" * 300, "a..b", "\u3000", "xn--", "[::1", "évil.example:99999999999"])
def test_a_host_header_no_url_can_be_built_for(app, host):
    # Straight to the WSGI app: werkzeug's test client itself cannot build a URL for some of these.
    environ = EnvironBuilder(path="/c/kumamoto-ward-offices-h26/", headers={"Host": "localhost"}).get_environ()
    environ["HTTP_HOST"] = host
    response = Response.from_app(app.wsgi_app, environ)
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert "リクエストの形式が正しくありません" in response.get_data(as_text=True)


def test_refusals_are_logged_without_the_body(app, client, caplog):
    caplog.set_level("INFO")
    secret = "山田太郎 090-1234-5678"
    client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data=('{"topic": "roles", "body": "%s\\ud800"}' % secret).encode(),
                content_type="application/json")
    client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data=b"[" * 100000 + b"]" * 100000, content_type="application/json")
    assert "refused POST /api/v1/consultations/kumamoto-ward-offices-h26/comments: JSON text with a lone surrogate" in caplog.text
    assert "refused POST /api/v1/consultations/kumamoto-ward-offices-h26/comments: JSON nested deeper than 32" in caplog.text
    assert secret not in caplog.text and "Traceback" not in caplog.text
