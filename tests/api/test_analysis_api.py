"""The analysis runs in the JSON API: staff only (JSON 401/403, never the login page), a run of
another consultation is not found, the start is checked as the staff form checks it and needs the
CSRF token, and what it answers matches the OpenAPI document and the CLI's export."""

import re

import pytest
from sqlalchemy import func, select

from consult.analysis import jobs, runs
from consult.analysis.models import AnalysisRun
from consult.audit.models import AuditEvent
from consult.consultation.models import Consultation, Proposal, Topic
from consult.extensions import db
from consult.participation.models import Comment, Vote
from tests.api.test_api import conforms
from tests.conftest import valid_comment

SLUG = "kumamoto-ward-offices-h26"
PUBCOM = "jichi-kihon-jorei-h26"
RUNS = f"/api/v1/consultations/{SLUG}/analysis/runs"


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "80", "--votes", "0",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def queued(monkeypatch):
    """The job is not started by the request: the test does it here and now, as the CLI does."""
    dispatched = []
    monkeypatch.setattr(jobs, "dispatch", lambda run_id: dispatched.append(run_id) or "test")
    return dispatched


def _run_count() -> int:
    return db.session.scalar(select(func.count(AnalysisRun.id)))


def _done_run(client, queued, **body) -> dict:
    response = client.post(RUNS, json={"kind": "text", "seed": 3, **body})
    assert response.status_code == 202, response.get_json()
    run_id = response.get_json()["id"]
    assert queued == [run_id]
    assert runs.perform(run_id).state == "done"
    return response


def test_staff_start_a_run_and_read_its_groups(demo, staff, queued, spec):
    client, user = staff("secretariat")
    response = _done_run(client, queued)
    started = response.get_json()
    conforms(spec, "Run", started)
    assert started["state"] == "queued" and started["settings"]["engine"] == {"seed": 3}
    assert response.headers["Location"] == started["url"] and started["url"].endswith(f"/analysis/runs/{started['id']}")
    run = db.session.get(AnalysisRun, started["id"])
    assert run.created_by_id == user.id and run.kind == "text"

    body = client.get(started["url"]).get_json()
    conforms(spec, "RunDetail", body)
    assert body["state"] == "done" and body["progress"] == 1.0 and body["finished_at"].endswith("+09:00")
    assert body["summary"]["stage_seconds"] and body["versions"]["scikit-learn"]
    broad = [g for g in body["groups"] if g["parent"] is None]
    assert len(broad) >= 2 and sum(g["size"] for g in broad) == body["input_count"] == run.input_count
    assert [g["key"] for g in body["groups"]] == sorted((g.key for g in run.groups),
                                                        key=[g["key"] for g in body["groups"]].index)
    assert len(body["groups"]) == len(run.groups)
    # Representatives by 受付番号 and id, as stored with the run.
    first = run.groups[0]
    reps = body["groups"][0]["representatives"]
    assert [r["id"] for r in reps] == first.detail["representatives"]
    for r in reps:
        assert db.session.get(Comment, r["id"]).receipt_no == r["receipt_no"]
    # Each group's ward split adds up to its size; the whole to the input.
    group = body["groups"][0]
    assert sum(s["count"] for s in group["splits"]["ward"]) == group["size"]
    assert sum(s["count"] for s in body["whole"]["ward"]) == body["input_count"]
    assert {t["topic"] for t in group["topics"]} <= set(db.session.scalars(select(Topic.slug)))

    listed = client.get(RUNS).get_json()
    conforms(spec, "RunList", listed)
    assert [r["id"] for r in listed["runs"]] == [started["id"]]
    assert listed["runs"][0]["export"].endswith(f"/runs/{started['id']}/export.json")


def test_the_export_is_the_cli_s_and_is_audited(demo, staff, queued, runner):
    client, user = staff("secretariat")
    run_id = _done_run(client, queued).get_json()["id"]
    exported = client.get(f"{RUNS}/{run_id}/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    cli = runner.invoke(args=["analysis", "export", str(run_id), "--format", "json"])
    assert cli.exit_code == 0 and exported.get_data() == cli.stdout_bytes
    assert exported.get_json()["run"]["id"] == run_id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.analysis_json")).all()
    assert [(e.user_id, e.target_id) for e in events] == [(user.id, str(run_id)), (None, str(run_id))]
    csv = client.get(f"{RUNS}/{run_id}/export.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and b"comment-id" in csv.get_data()[:200]


def test_roles(demo, staff, queued, client):
    secretariat, _ = staff("secretariat")
    run_id = _done_run(secretariat, queued).get_json()["id"]
    urls = [RUNS, f"{RUNS}/{run_id}", f"{RUNS}/{run_id}/export.json"]
    # A citizen (a participant's session, no staff sign-in) and an anonymous visitor: JSON 401.
    citizen = client
    sent = citizen.post(f"/api/v1/consultations/{SLUG}/comments",
                        json={**valid_comment(), "topic": "counters", "consent": True})
    assert sent.status_code == 201
    for who in (citizen, secretariat.application.test_client()):
        for url in urls:
            response = who.get(url)
            assert response.status_code == 401 and response.is_json, url
            assert "Location" not in response.headers and "ログイン" in response.get_json()["message"]
        assert who.post(RUNS, json={"kind": "text"}).status_code == 401
    facilitator, _ = staff("facilitator")
    for url in urls:
        response = facilitator.get(url)
        assert response.status_code == 403 and response.is_json
    assert facilitator.post(RUNS, json={"kind": "text"}).status_code == 403
    admin, _ = staff("admin")
    assert all(admin.get(url).status_code == 200 for url in urls)
    assert _run_count() == 1


def test_another_consultation_s_run_and_impossible_ids_are_not_found(demo, staff, queued):
    client, _ = staff("secretariat")
    run_id = _done_run(client, queued).get_json()["id"]
    other = f"/api/v1/consultations/{PUBCOM}/analysis/runs"
    for url in (f"{other}/{run_id}", f"{other}/{run_id}/export.json", f"{other}/{run_id}/export.csv"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json, url
    assert client.get(other).get_json()["runs"] == []
    for huge in ("2147483648", "9223372036854775808", "18446744073709551617", "1" * 40):
        assert client.get(f"{RUNS}/{huge}").status_code == 404
        assert client.get(f"{RUNS}/{huge}/export.json").status_code == 404
    assert client.get(f"{RUNS}/999999").status_code == 404
    assert client.get("/api/v1/consultations/nowhere/analysis/runs").status_code == 404


def test_bad_requests_start_nothing(demo, staff, queued, spec):
    client, _ = staff("secretariat")
    malformed = client.post(RUNS, data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.is_json
    assert client.post(RUNS, data={"kind": "text"}).status_code == 415
    assert client.post(RUNS, json=["text"]).status_code == 422
    pubcom_topic = db.session.scalar(select(Topic.slug).join(Consultation).where(Consultation.slug == PUBCOM))
    for body, field in [({"kind": "llm"}, "kind"), ({"kind": ["text"]}, "kind"), ({"topic": pubcom_topic}, "topic"),
                        ({"topic": 1}, "topic"), ({"channel": "fax"}, "channel"), ({"channel": {}}, "channel"),
                        ({"seed": -1}, "seed"), ({"seed": "3"}, "seed"), ({"seed": True}, "seed"),
                        ({"seed": 2**31}, "seed")]:
        response = client.post(RUNS, json=body)
        assert response.status_code == 422, body
        conforms(spec, "Invalid", response.get_json())
        assert field in response.get_json()["errors"], body
    both = client.post(RUNS, json={"kind": "llm", "seed": 1.5}).get_json()["errors"]
    assert set(both) == {"kind", "seed"}
    # The form's own messages, in the request's language.
    assert client.post(RUNS, json={"kind": "llm"}).get_json()["errors"]["kind"] == ["分析の種類を選んでください。"]
    english = client.post(RUNS + "?lang=en", json={"channel": "fax"}).get_json()["errors"]["channel"][0]
    assert re.search("[A-Za-z]{4}", english) and not re.search("[ぁ-ん]", english)
    assert _run_count() == 0 and queued == []


def test_a_topic_and_channel_are_asked_by_slug_and_code(demo, staff, queued, comment):
    client, _ = staff("secretariat")
    topic = db.session.scalar(select(Topic).join(Consultation).where(Consultation.slug == SLUG).order_by(Topic.number))
    for n, place in enumerate(["窓口", "駐車場", "出張所", "夜間", "土日", "電話"] * 4):
        comment(topic.slug, body=f"{place}の手続き{n}について、もっと分かりやすくしてほしい。", channel="web")
        comment(topic.slug, body=f"{place}の案内{n}は紙でも配ってほしい。", channel="paper")
    response = client.post(RUNS, json={"kind": "text", "topic": topic.slug, "channel": "web"})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["selection"] == {"topic": topic.slug, "channel": "web", "from": None, "to": None}
    assert body["settings"]["selection"] == {"topic_id": topic.id, "channel": "web", "date_from": None,
                                             "date_to": None}
    assert body["input_count"] == db.session.scalar(select(func.count(Comment.id)).where(
        Comment.topic_id == topic.id, Comment.channel == "web", Comment.status != "hidden"))


def test_refusals_say_why(app, staff, queued, demo):
    client, _ = staff("secretariat")
    empty = client.post(f"/api/v1/consultations/{PUBCOM}/analysis/runs", json={"kind": "votes"})
    assert empty.status_code == 422 and empty.get_json()["error"] == "no_votes"
    assert "賛否" in empty.get_json()["message"]
    first = client.post(RUNS, json={"kind": "text"})
    assert first.status_code == 202
    again = client.post(RUNS, json={"kind": "text"})
    assert again.status_code == 409 and again.get_json()["error"] == "running"
    assert str(first.get_json()["id"]) in again.get_json()["message"]
    # While it waits for its job, the run is there without groups.
    waiting = client.get(first.get_json()["url"]).get_json()
    assert waiting["state"] == "queued" and waiting["groups"] == [] and waiting["export"] is None
    assert client.get(f"{RUNS}/{first.get_json()['id']}/export.json").status_code == 409
    assert _run_count() == 1


def test_too_few_comments(app, staff, queued):
    client, _ = staff("secretariat")
    response = client.post(RUNS, json={"kind": "text"})
    assert response.status_code == 422 and response.get_json()["error"] == "too_few"
    assert "20" in response.get_json()["message"]
    assert _run_count() == 0


def test_a_start_without_the_csrf_token_is_refused(app, demo, staff, queued):
    client, _ = staff("secretariat")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(RUNS, json={"kind": "text"})
        assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
        wrong = client.post(RUNS, json={"kind": "text"}, headers={"X-CSRFToken": "not-the-token"})
        assert wrong.status_code == 400
        assert _run_count() == 0
        # The token of the staff pages' forms is the one.
        page = client.get(f"/staff/c/{SLUG}/analysis").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        accepted = client.post(RUNS, json={"kind": "text"}, headers={"X-CSRFToken": token})
        assert accepted.status_code == 202
        # A browser on another site is refused even with a token.
        cross = client.post(RUNS, json={"kind": "text"}, headers={"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _run_count() == 1


def test_a_vote_run_names_its_proposals_by_key(app, staff, queued, participant, spec):
    proposals = db.session.scalars(select(Proposal).join(Topic).join(Consultation)
                                   .where(Consultation.slug == SLUG).order_by(Proposal.id)).all()[:8]
    agreed = proposals[0]
    for n in range(40):
        person = participant(ward="chuo" if n % 2 else "kita")
        for i, p in enumerate(proposals):
            value = "agree" if p is agreed or (i % 2 == 0) == (n % 2 == 0) else "disagree"
            db.session.add(Vote(participant_id=person.id, proposal_id=p.id, value=value))
    db.session.commit()
    client, _ = staff("secretariat")
    run_id = client.post(RUNS, json={"kind": "votes"}).get_json()["id"]
    runs.perform(run_id)
    body = client.get(f"{RUNS}/{run_id}").get_json()
    conforms(spec, "RunDetail", body)
    assert body["consensus"] == [agreed.key] and len(body["groups"]) == 2
    shares = {t["proposal"]: t for t in body["groups"][0]["proposals"]}
    every = set(db.session.scalars(select(Proposal.key).join(Topic).join(Consultation).where(Consultation.slug == SLUG)))
    assert {p.key for p in proposals} <= set(shares) <= every and shares[agreed.key]["share"] == 1.0
    assert sum(g["size"] for g in body["groups"]) == 40
    # Each participant once in the whole (vote groups have no finer groups).
    assert sum(s["count"] for s in body["whole"]["ward"]) == 40
    assert {s["value"]: s["count"] for s in body["whole"]["ward"]} == {"chuo": 20, "kita": 20}


def test_every_api_route_is_in_the_document(app, spec):
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        if rule.endpoint.startswith("legacy_"):
            continue  # the single-consultation URLs: redirects into the first consultation
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        path = path.replace("{consultation_slug}", "{consultation}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append((method, path))
    assert missing == []
    assert spec["paths"]["/consultations/{consultation}/analysis/runs"]["post"]["security"] == [
        {"staffSession": [], "csrfToken": []}]
