"""/api/v1 against its own OpenAPI document, with the same rules as the web forms."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment, Vote
from tests.conftest import valid_comment


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def conforms(spec, name, instance):
    """Validate a response body against components/schemas/<name> of the served document."""
    registry = Registry().with_resource("urn:consult", Resource.from_contents(spec, DRAFT202012))
    schema = {"$ref": f"urn:consult#/components/schemas/{name}"}
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(instance))
    assert not errors, [e.message for e in errors]


def response_schema(spec, path, method, status):
    ref = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def test_the_document_is_valid_openapi(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")


@pytest.mark.parametrize("path, doc_path", [
    ("/api/v1/consultations", "/consultations"),
    ("/api/v1/consultations/kumamoto-ward-offices-h26/topics", "/consultations/{consultation}/topics"),
    ("/api/v1/consultations/jichi-kihon-jorei-h26/topics", "/consultations/{consultation}/topics"),
    ("/api/v1/consultations/kumamoto-ward-offices-h26/topics/roles", "/consultations/{consultation}/topics/{slug}"),
    ("/api/v1/reference/ward-budgets", "/reference/ward-budgets"),
    ("/api/v1/reference/staff-opinions", "/reference/staff-opinions"),
    ("/api/v1/reference/other-cities", "/reference/other-cities"),
    ("/api/v1/consultations/kumamoto-ward-offices-h26/comments", "/consultations/{consultation}/comments"),
    ("/api/v1/consultations/jichi-kihon-jorei-h26/comments", "/consultations/{consultation}/comments"),
])
def test_every_get_matches_its_schema(client, spec, path, doc_path):
    response = client.get(path)
    assert response.status_code == 200
    conforms(spec, response_schema(spec, doc_path, "get", 200), response.get_json())


def test_the_api_lists_both_kinds_and_keeps_their_comments_apart(client):
    listed = {c["slug"]: c for c in client.get("/api/v1/consultations").get_json()["consultations"]}
    assert listed["kumamoto-ward-offices-h26"]["kind"] == "deliberation"
    assert listed["jichi-kihon-jorei-h26"]["kind"] == "pubcom"
    deliberation = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?per_page=100").get_json()
    pubcom = client.get("/api/v1/consultations/jichi-kihon-jorei-h26/comments?per_page=100").get_json()
    assert {c["topic"] for c in pubcom["items"]} <= {"document"}
    assert "document" not in {c["topic"] for c in deliberation["items"]}
    assert client.get("/api/v1/consultations/no-such-one/topics").status_code == 404


def test_budgets_in_the_api_add_up(client):
    wards = client.get("/api/v1/reference/ward-budgets").get_json()["wards"]
    assert [w["ward"] for w in wards] == ["chuo", "higashi", "nishi", "minami", "kita"]
    assert all(w["items_total"] == w["stated_total"] == 20000 for w in wards)


def _post_comment(client, headers=None, **fields):
    body = {**valid_comment(**fields), "topic": fields.get("topic", "counters"), "consent": True}
    return client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body, headers=headers or {})


def test_post_comment_returns_a_receipt(client, spec):
    response = _post_comment(client, body="APIからの意見です。")
    assert response.status_code == 201
    conforms(spec, "Receipt", response.get_json())
    comment = db.session.scalar(select(Comment))
    assert comment.receipt_no == response.get_json()["receipt_no"]
    assert comment.body == "APIからの意見です。" and comment.status == "pending"


def test_idempotency_key_stores_once(client, spec):
    headers = {"Idempotency-Key": "same-key-0123456789"}
    first = _post_comment(client, headers)
    second = _post_comment(client, headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["receipt_no"] == second.get_json()["receipt_no"]
    assert db.session.scalar(select(func.count(Comment.id))) == 1


@pytest.mark.parametrize("fields, field", [
    ({"body": ""}, "body"),
    ({"body": "あ" * 2001}, "body"),
    ({"ward": "osaka"}, "ward"),
    ({"relation": None}, "relation"),
    ({"age_band": 40}, "age_band"),
    ({"topic": "nope"}, "topic"),
    ({"consent": False}, "consent"),
    ({"section": "missing"}, "section"),
])
def test_post_comment_field_errors(client, spec, fields, field):
    body = {**valid_comment(), "topic": "counters", "consent": True, **fields}
    response = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=body)
    assert response.status_code == 422
    conforms(spec, "Invalid", response.get_json())
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_post_comment_wrong_shapes(client):
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data=valid_comment()).status_code == 415
    malformed = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", data="{not json", content_type="application/json")
    assert malformed.status_code == 422
    assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/comments", json=["a", "list"]).status_code == 422
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_comment_listing_filters_and_pages(client, participant, topic):
    from consult.participation.services import new_receipt_no

    p = participant()
    for i, ward in enumerate(["chuo", "chuo", "kita"]):
        db.session.add(Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code=ward, body=f"意見{i}",
                               status="published", participant=p, relation="resident"))
    db.session.add(Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code="chuo", body="非公開",
                           status="hidden", participant=p, relation="resident"))
    db.session.commit()
    data = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=roles&ward=chuo&per_page=1").get_json()
    assert data["total"] == 2 and len(data["items"]) == 1
    assert data["items"][0]["ward"] == "chuo"
    page2 = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=roles&ward=chuo&per_page=1&page=2").get_json()
    assert page2["items"][0]["id"] != data["items"][0]["id"]
    assert all(item["body"] != "非公開" for item in client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments").get_json()["items"])


@pytest.mark.config(COMMENTS_PER_PAGE=2, API_MAX_PER_PAGE=3)
def test_page_sizes_come_from_the_settings(client, spec, participant, topic):
    from consult.participation.services import new_receipt_no

    p = participant()
    for i in range(5):
        db.session.add(Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code="chuo", body=f"意見{i}",
                               status="published", participant=p, relation="resident"))
    db.session.commit()
    default = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments").get_json()
    assert default["per_page"] == 2 and len(default["items"]) == 2
    assert len(client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?per_page=3").get_json()["items"]) == 3
    assert client.get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?per_page=4").status_code == 422
    schema = spec["paths"]["/consultations/{consultation}/comments"]["get"]["parameters"]
    assert {"minimum": 1, "maximum": 3, "default": 2}.items() <= next(
        q for q in schema if q["name"] == "per_page")["schema"].items()
    page = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert sum(page.count(f"意見{i}") for i in range(5)) == 2


@pytest.mark.parametrize("query, field", [
    ("per_page=1000", "per_page"), ("page=0", "page"), ("page=abc", "page"),
    ("topic=nope", "topic"), ("ward=osaka", "ward"),
])
def test_comment_listing_bad_filters(client, spec, query, field):
    response = client.get(f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?{query}")
    assert response.status_code == 422
    conforms(spec, "Invalid", response.get_json())
    assert field in response.get_json()["errors"]


def test_vote_through_the_api(client, spec):
    missing = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={"topic": "roles", "proposal": "ward-head-authority",
                                                 "value": "agree"})
    assert missing.status_code == 422 and {"ward", "relation"} <= set(missing.get_json()["errors"])
    ok = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={"topic": "roles", "proposal": "ward-head-authority", "value": "agree",
                                            "ward": "chuo", "relation": "resident"})
    assert ok.status_code == 200
    conforms(spec, "VoteResult", ok.get_json())
    changed = client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json={"topic": "roles", "proposal": "ward-head-authority",
                                                 "value": "pass"})
    assert changed.get_json()["counts"] == {"agree": 0, "disagree": 0, "pass": 1}
    assert db.session.scalar(select(func.count(Vote.id))) == 1


def test_vote_bad_input(client):
    for body in ({"topic": "roles", "proposal": "nope", "value": "agree"},
                 {"topic": "roles", "proposal": "ward-head-authority", "value": "yes", "ward": "chuo",
                  "relation": "resident"}):
        assert client.post("/api/v1/consultations/kumamoto-ward-offices-h26/votes", json=body).status_code == 422
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_unknown_things_are_json_404(client):
    response = client.get("/api/v1/consultations/kumamoto-ward-offices-h26/topics/nope")
    assert response.status_code == 404 and response.is_json
    assert client.get("/api/v1/nothing-here").is_json


def test_web_and_api_share_validation_messages(client):
    web = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment", data={"action": "confirm", **valid_comment(body="")})
    api = _post_comment(client, body="")
    message = api.get_json()["errors"]["body"][0]
    assert message in web.get_data(as_text=True)
    assert re.search("ご意見を入力", message)


def test_the_comment_listing_is_kept_and_follows_supports_and_new_comments(app, client):
    from consult.participation.models import Comment
    from consult.participation.services import new_receipt_no
    from consult.consultation.models import Topic

    topic = db.session.scalar(select(Topic).where(Topic.slug == "roles"))
    comment = Comment(receipt_no=new_receipt_no(), topic=topic, ward_code="chuo", relation="resident",
                      body="窓口の待ち時間を短くしてほしい。", status="published")
    db.session.add(comment)
    db.session.commit()
    listing = lambda: app.test_client().get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=roles&per_page=5")  # noqa: E731
    first = listing()
    assert first.is_json and first.get_json()["items"][0]["supports"] == 0
    assert listing().get_data() == first.get_data()
    assert len(app.extensions["page_cache"]) == 1
    client.post(f"/c/kumamoto-ward-offices-h26/comments/{comment.id}/support")
    assert listing().get_json()["items"][0]["supports"] == 1
    db.session.add(Comment(receipt_no=new_receipt_no(), topic=topic, ward_code="kita", relation="resident",
                           body="土曜日も開けてほしい。", status="published"))
    db.session.commit()
    second = listing()
    assert second.get_json()["total"] == 2 and second.headers["Content-Type"] == first.headers["Content-Type"]
    assert app.test_client().get("/api/v1/consultations/kumamoto-ward-offices-h26/comments?topic=nope").status_code == 422
