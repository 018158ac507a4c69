"""Generated hostile input (Hypothesis) against every form the app shows and every API body.

The forms are not listed by hand: the app's own pages are crawled, as an admin and as a phone in an
open workshop, and every <form method="post"> found is filled with generated values for each of its
fields — text with controls and surrogates of every plane, huge and odd numbers, the field's own
options, nothing at all. The API's request bodies come from its OpenAPI document. Whatever is
sent, the answer is never a 5xx. Examples are derandomised so a failure reproduces in CI; set
CONSULT_FUZZ_EXAMPLES to explore more.
"""

import os
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consult.auth.services import create_user
from consult.extensions import db
from consult.workshops.models import Workshop

# Fixed examples by default (CI reproduces any failure); CONSULT_FUZZ_EXAMPLES=200 explores at random.
EXPLORE = os.environ.get("CONSULT_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(EXPLORE or 12), derandomize=not EXPLORE, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
# Pages not to follow: downloads are large and not forms; logging out would end the crawl.
SKIP = re.compile(r"^/(static/|logout)|\.(csv|xlsx|json|pdf|svg|png)(\?|$)|/exports/download|/api/")
MAX_PAGES = 150

# Text a person or a script might send: every kind of character, the ones databases and Excel and
# browsers treat specially more often than chance would.
SPECIAL = st.sampled_from(["\x00", "\t", "\r\n", "\x0b", "\u2028", "\u202e", "\ufeff", "\u3000", "\ud800", "\udfff",
                           "\\", "'", '"', "<", "&", "=", "%", "../", "１", "²", "-", "e", "."])
TEXT = st.lists(st.one_of(st.characters(), SPECIAL), max_size=40).map("".join)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=2**31 - 2, max_value=2**70),
                    st.integers(max_value=-1)).map(str)
HUGE_NUMBER = st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n)  # beyond int()'s digit limit


class _Forms(HTMLParser):
    """The links and the POST forms (action, fields with their offered values) of one page."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            values = self._form["fields"].setdefault(a["name"], [])
            if a.get("value") is not None:
                values.append(a["value"])
        elif self._form is not None and tag == "option" and self._form["fields"]:
            last = list(self._form["fields"].values())[-1]
            if a.get("value") is not None:
                last.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _crawl(client, starts):
    seen, queue, forms = set(), deque(starts), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or SKIP.search(url):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if not response.content_type.startswith("text/html"):
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if not parts.netloc or parts.netloc == "localhost":
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for form in parser.forms:
            if form["method"] != "post":
                continue
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if SKIP.search(action):
                continue
            forms.setdefault((action, tuple(sorted(form["fields"]))), form["fields"])
    return seen, forms


def _values(offered):
    choices = [st.sampled_from(offered)] if offered else []
    return st.one_of(*choices, TEXT, NUMBERS, HUGE_NUMBER, st.just(""))


def _bytes(text: str) -> bytes:
    # What a client can really send: any bytes, lone surrogates as their (invalid) UTF-8 bytes.
    return text.encode("utf-8", "surrogatepass")


def _form_body(data: dict) -> bytes:
    return urlencode({_bytes(k): _bytes(v) for k, v in data.items()}).encode("ascii")


def _fuzz_form(client, action, fields):
    fields = {name: offered for name, offered in fields.items() if name != "csrf_token"}

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: _values(offered) for name, offered in fields.items()}))
    def post(data):
        response = client.post(action, data=_form_body(data), content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (action, data, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)

    post()


@pytest.fixture
def crawl(app):
    """An admin and a phone in an open workshop, with a comment of each kind to act on."""
    admin = app.test_client()
    user = create_user("fuzz-admin@example.jp", "admin", "a long enough password", name="fuzz admin")
    with admin.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    workshop = db.session.scalar(select(Workshop).order_by(Workshop.id))
    assert admin.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{workshop.id}/open").status_code in (200, 302, 303)
    db.session.refresh(workshop)
    phone = app.test_client()
    phone.post(f"/w/{workshop.join_code}/join", data={"table": str(workshop.tables[0].id)})
    web = app.test_client()
    assert web.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json={"topic": "roles", "body": "窓口の時間を延ばしてほしい。",
                                              "ward": "chuo", "relation": "resident", "consent": True}).status_code == 201
    return admin, phone, workshop


def test_every_form_the_app_shows(crawl):
    admin, phone, workshop = crawl
    pages, forms = _crawl(admin, ["/", "/staff", "/receipt", "/login", "/reference/", "/staff/c/kumamoto-ward-offices-h26/moderation"])
    phone_pages, phone_forms = _crawl(phone, [f"/w/{workshop.join_code}", f"/w/{workshop.join_code}/dots"])
    assert len(pages) > 40 and len(forms) > 25  # the crawl really reached the staff side
    assert any(action.startswith("/w/") for action, _ in phone_forms)
    for (action, _), fields in forms.items():
        _fuzz_form(admin, action, fields)
    for (action, _), fields in phone_forms.items():
        _fuzz_form(phone, action, fields)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63), st.floats(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _request_bodies(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                      .get("schema"))
            if schema is None:
                continue
            if "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            yield method, "/api/v1" + path.replace("{consultation}", "kumamoto-ward-offices-h26"), list(schema.get("properties", {}))


def test_every_api_body_property(app, client):
    bodies = list(_request_bodies(app))
    assert {url for _, url, _ in bodies} >= {"/api/v1/consultations/kumamoto-ward-offices-h26/comments", "/api/v1/consultations/kumamoto-ward-offices-h26/votes"}
    for method, url, properties in bodies:
        assert properties

        @FUZZ
        @given(st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in properties}), JSON_VALUES)
        def send(body, stray):
            for payload in (body, stray):
                response = client.open(url, method=method.upper(), json=payload)
                assert response.status_code < 500, (url, payload, response.status_code)

        send()


@FUZZ
@given(path=st.lists(st.one_of(TEXT, NUMBERS), min_size=1, max_size=4), query=st.dictionaries(TEXT, TEXT, max_size=3))
def test_generated_paths_and_queries(client, path, query):
    url = "/" + "/".join(quote(_bytes(segment), safe="") for segment in path)
    url += "?" + urlencode({_bytes(k): _bytes(v) for k, v in query.items()})
    response = client.get(url)
    assert response.status_code < 500, (url, query, response.status_code)
