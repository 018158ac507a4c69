"""A hostile-input corpus against every public form and API endpoint.

Each case: never a 5xx; a refused request gets a 4xx with a message and stores nothing; what is
accepted is stored as sent and renders inert (escaped) on the public page.
"""

import pytest
from sqlalchemy import func, select

from consult.consultation.models import Consultation
from consult.extensions import db
from consult.participation.models import Comment, Participant, Vote
from tests.conftest import valid_comment

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "{{7*7}}{% raw %}",
    "${7*7}",
    "' OR '1'='1",
    "'; DROP TABLE comment; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "\x00nul",
    "\u202eevil override",
    "\u2066isolate\u2069",
    "\x1b[31mansi",
    "zero\u200bwidth",
    "𠮷野家 ♡ 😀",
    "ｶﾞｲﾄﾞ　全角スペース",
    "=HYPERLINK(\"http://evil\")",
    "@SUM(1+1)",
    "\r\n\r\nHeader: injected",
    "a" * 5000,
    "../../etc/passwd",
    "%00%2e%2e%2f",
]
ODD_VALUES = [None, 0, -1, 10**30, -(10**30), 3.14, True, [], ["chuo"], {}, {"$ne": 1}, "", " "]


def _counts():
    return (db.session.scalar(select(func.count(Comment.id))), db.session.scalar(select(func.count(Vote.id))),
            db.session.scalar(select(func.count(Participant.id))))


def _has_message(response) -> bool:
    if response.is_json:
        body = response.get_json()
        return isinstance(body, dict) and bool(body.get("message"))
    html = response.get_data(as_text=True)
    return 'class="field-errors"' in html or "<h1>" in html


def _check(response, before, *, may_store=False):
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        assert _has_message(response)
        assert _counts() == before
    elif not may_store:
        assert _counts()[:2] == before[:2]


FORM_FIELDS = ("body", "ward", "relation", "age_band", "section", "proposal", "consent")


@pytest.mark.parametrize("field", FORM_FIELDS)
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_comment_form_fields(client, field, payload):
    before = _counts()
    data = {"action": "confirm", **valid_comment(**{field: payload})}
    _check(client.post("/c/kumamoto-ward-offices-h26/topics/roles/comment", data=data), before)
    submit = client.post("/c/kumamoto-ward-offices-h26/topics/roles/comment/submit", data={**valid_comment(**{field: payload}),
                                                               "submission_key": "s" * 24})
    _check(submit, before, may_store=field in ("body", "consent"))


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_vote_form_and_queries(client, payload):
    before = _counts()
    _check(client.post("/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote",
                       data={"value": payload, "ward": payload, "relation": payload}), before)
    for url in ("/c/kumamoto-ward-offices-h26/topics/roles", "/api/v1/consultations/kumamoto-ward-offices-h26/comments", "/lang"):
        response = client.get(url, query_string={"ward": payload, "page": payload, "per_page": payload,
                                                 "topic": payload, "lang": payload, "next": payload})
        assert response.status_code < 500
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("field", ("topic", "body", "ward", "relation", "age_band", "section", "proposal",
                                   "consent"))
@pytest.mark.parametrize("value", ODD_VALUES, ids=[repr(v)[:12] for v in ODD_VALUES])
def test_api_comment_wrong_types(client, field, value):
    before = _counts()
    body = {**valid_comment(), "topic": "roles", "consent": True, field: value}
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body)
    assert response.status_code in (201, 422)
    _check(response, before, may_store=True)
    if response.status_code == 422:
        assert response.get_json()["errors"]


@pytest.mark.parametrize("value", ODD_VALUES + PAYLOADS[:8], ids=range(len(ODD_VALUES) + 8))
def test_api_vote_wrong_types(client, value):
    before = _counts()
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={"topic": "roles", "proposal": value, "value": value,
                                                   "ward": value, "relation": value})
    assert response.status_code == 422
    _check(response, before)


@pytest.mark.parametrize("raw", ['{"topic": "roles",', "[1, 2", "null", "\"string\"", "42", "{}", "\x00",
                                 '{"topic": "roles"}' * 1000, "{" * 5000 + "}" * 5000])
def test_api_malformed_json(client, raw):
    before = _counts()
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data=raw, content_type="application/json")
    assert response.status_code in (400, 413, 422)
    _check(response, before)


def test_ten_megabyte_bodies(client):
    before = _counts()
    big = "あ" * (10 * 1024 * 1024 // 3)
    form = client.post("/c/kumamoto-ward-offices-h26/topics/roles/comment/submit", data={**valid_comment(body=big), "submission_key": "k" * 24})
    api = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={**valid_comment(body=big), "topic": "roles", "consent": True})
    assert form.status_code == api.status_code == 413
    assert _has_message(form) and _has_message(api)
    assert _counts() == before


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("token", [None, "", "forged-token", "a" * 500])
def test_missing_or_wrong_csrf(client, token):
    before = _counts()
    data = {**valid_comment(), "submission_key": "k" * 24}
    if token is not None:
        data["csrf_token"] = token
    for url in ("/c/kumamoto-ward-offices-h26/topics/roles/comment/submit", "/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote"):
        response = client.post(url, data=data)
        assert response.status_code == 400 and _has_message(response)
    assert _counts() == before


@pytest.mark.parametrize("payload", PAYLOADS[:8], ids=range(8))
def test_accepted_text_renders_inert(client, payload):
    db.session.execute(Consultation.__table__.update().values(premoderation=False))
    db.session.commit()
    body = f"意見です {payload}"
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={**valid_comment(body=body), "topic": "roles", "consent": True})
    assert response.status_code == 201
    assert db.session.scalar(select(Comment.body)) == body  # stored as sent
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    if "<" in payload:
        assert payload not in html  # markup never appears raw
    for dangerous in ("<script>alert(1)", "<img src=x onerror", "<svg/onload", "<iframe src=//evil",
                      '<a href="javascript:'):
        assert dangerous not in html
    api = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=roles").get_json()
    assert any(item["body"] == body for item in api["items"])  # JSON carries the text unchanged


@pytest.mark.parametrize("method, url, kwargs", [
    ("GET", "/c/kumamoto-ward-offices-h26/topics/%00", {}),
    ("GET", "/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=%00", {}),
    ("GET", "/w/%00", {}),
    ("POST", "/login", {"data": {"email": "a\x00@example.jp", "password": "x"}}),
    ("POST", "/api/v1/consultations/kumamoto-ward-offices-h26/votes", {"json": {"topic": "roles\u0000", "proposal": "x", "value": "agree"}}),
    ("POST", "/receipt", {"data": {"receipt_no": "\x00"}}),
])
def test_nul_is_refused_before_any_view(client, method, url, kwargs):
    """PostgreSQL cannot compare a NUL: such requests get a 400 with a message, on every backend."""
    before = _counts()
    response = client.open(url, method=method, **kwargs)
    assert response.status_code == 400 and _has_message(response)
    assert _counts() == before
