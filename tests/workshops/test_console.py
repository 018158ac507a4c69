"""The facilitator console: prepare, edit, open; who may touch which workshop; bad input."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.audit import AuditEvent
from consult.workshops.models import Workshop

PREPARE = {"ward": "nishi", "title": "西区 追加ワークショップ", "venue": "西区役所", "starts_at": "2014-10-19T10:00",
           "ends_at": "2014-10-19T12:00", "table_count": "5", "dots_per_participant": "4"}


def _topics():
    return [str(t.id) for t in db.session.scalars(select(Workshop)).first().topics]


def test_prepare_with_a_table_count(staff):
    client, user = staff("facilitator")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/workshops/new", data={**PREPARE, "topics": _topics()})
    assert response.status_code == 303
    w = db.session.scalar(select(Workshop).where(Workshop.title == PREPARE["title"]))
    assert [t.name for t in w.tables] == [f"テーブル{n}" for n in range(1, 6)]
    assert (w.ward.code, w.dots_per_participant, w.state, w.facilitator_id) == ("nishi", 4, "planned", user.id)
    assert len(w.topics) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.create"))
    assert event.user_id == user.id and event.target_id == str(w.id) and event.after["tables"][0] == "テーブル1"


def test_prepare_form_refuses_bad_input_and_keeps_it(staff):
    client, _ = staff("facilitator")
    before = db.session.scalar(select(func.count(Workshop.id)))
    response = client.post("/staff/c/kumamoto-ward-offices-h26/workshops/new", data={
        "ward": "atlantis", "title": "", "venue": "会場メモ", "starts_at": "来週", "ends_at": "2014-10-01T09:00",
        "table_names": "A\nA", "dots_per_participant": "99"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("開催する区を選んでください", "名称を入力してください", "開始日時を", "話し合う審議事項を1つ以上",
                    "同じ名前のテーブルがあります", "0から20までの数字"):
        assert message in html, message
    assert 'value="会場メモ"' in html and 'value="来週"' in html and "A\nA</textarea>" in html
    assert db.session.scalar(select(func.count(Workshop.id))) == before


def test_end_before_start_is_refused(staff):
    client, _ = staff("facilitator")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/workshops/new", data={**PREPARE, "ends_at": "2014-10-19T09:00", "topics": _topics()})
    assert response.status_code == 422
    assert "終了日時は開始日時より後にしてください" in response.get_data(as_text=True)


def test_the_five_seeded_workshops_are_planned(staff):
    client, _ = staff("secretariat")
    html = client.get("/staff/c/kumamoto-ward-offices-h26/workshops/").get_data(as_text=True)
    assert html.count("準備中") >= 5
    assert db.session.scalar(select(func.count(Workshop.id)).where(Workshop.state == "planned")) == 5


def test_edit_keeps_tables_in_use(staff, workshop, participant):
    client, user = staff("facilitator")
    w = workshop("ws-kita", facilitator=user, open=True)
    phone_client = client.application.test_client()
    from .conftest import join, post_note

    join(phone_client, w, 0)
    post_note(phone_client, w, "北区の出張所の話")
    names = "\n".join(t.name for t in w.tables[1:]) + "\n新しいテーブル"
    values = {"ward": "kita", "title": w.title, "venue": w.venue, "starts_at": "2014-10-18T10:00",
              "topics": [str(t.id) for t in w.topics], "table_names": names, "dots_per_participant": "3"}
    refused = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/edit", data=values)
    assert refused.status_code == 422
    assert "「テーブル1」には付箋か参加者があるため" in refused.get_data(as_text=True)

    values["table_names"] = "\n".join(t.name for t in w.tables) + "\n新しいテーブル"
    values["title"] = "北区 市民向けワークショップ（第1部）"
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/edit", data=values).status_code == 303
    db.session.refresh(w)
    assert w.title.endswith("（第1部）") and w.tables[-1].name == "新しいテーブル" and len(w.tables) == 9
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.update"))
    assert event.before["title"] == "北区 市民向けワークショップ" and event.after["title"].endswith("（第1部）")


OTHER_ROUTES = [("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}"), ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/edit"),
                ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/edit"), ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/open"),
                ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/close"), ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/close"),
                ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/projector"), ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/projector.json"),
                ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/sheets"), ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/paper"),
                ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/paper"), ("GET", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/board"),
                ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/board"), ("POST", "/staff/c/kumamoto-ward-offices-h26/workshops/{id}/themes")]


@pytest.mark.parametrize("method,path", OTHER_ROUTES)
def test_a_facilitator_cannot_touch_another_facilitators_workshop(staff, workshop, method, path):
    owner_client, owner = staff("facilitator")
    other_client, _ = staff("facilitator")
    w = workshop("ws-minami", facilitator=owner)
    response = other_client.open(path.format(id=w.id), method=method, data={"title": "乗っ取り"})
    assert response.status_code == 403
    db.session.refresh(w)
    assert (w.state, w.title) == ("planned", "南区 市民向けワークショップ")


def test_a_facilitator_cannot_move_notes_of_another_workshop_by_json(staff, workshop):
    _, owner = staff("facilitator")
    other_client, _ = staff("facilitator")
    w = workshop("ws-minami", facilitator=owner, open=True)
    response = other_client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board/move", json={"comment": 1, "theme": None})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_secretariat_and_admin_run_any_workshop(staff, workshop, role):
    _, owner = staff("facilitator")
    client, user = staff(role)
    w = workshop("ws-minami", facilitator=owner)
    assert client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").status_code == 200
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/open").status_code == 303
    db.session.refresh(w)
    assert w.state == "open"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.open"))
    assert event.user_id == user.id and event.before["state"] == "planned" and event.after["join_code"] == w.join_code


def test_secretariat_assigns_a_facilitator(staff, workshop):
    _, facilitator = staff("facilitator")
    client, _ = staff("secretariat")
    w = workshop("ws-chuo")
    form = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/edit").get_data(as_text=True)
    assert 'name="facilitator"' in form
    values = {"ward": "chuo", "title": w.title, "venue": w.venue, "starts_at": "2014-10-04T10:00",
              "ends_at": "2014-10-04T12:00", "topics": [str(t.id) for t in w.topics],
              "table_names": "\n".join(t.name for t in w.tables), "dots_per_participant": "3",
              "facilitator": str(facilitator.id)}
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/edit", data=values).status_code == 303
    db.session.refresh(w)
    assert w.facilitator_id == facilitator.id


def test_a_facilitator_does_not_see_the_assignment_field(staff):
    client, _ = staff("facilitator")
    assert 'name="facilitator"' not in client.get("/staff/c/kumamoto-ward-offices-h26/workshops/new").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client, workshop):
    w = workshop("ws-chuo")
    response = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_open_twice_keeps_the_code_and_closed_cannot_reopen(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user, open=True)
    code = w.join_code
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/open").status_code == 303
    db.session.refresh(w)
    assert w.join_code == code
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 303
    refused = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/open")
    assert refused.status_code == 409 and "再び開始できません" in refused.get_data(as_text=True)
    assert client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/edit").status_code == 409


def test_closing_a_planned_workshop_is_refused(staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-chuo", facilitator=user)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 409
    assert client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 409


def test_unknown_workshop_is_404(staff):
    client, _ = staff("admin")
    assert client.get("/staff/c/kumamoto-ward-offices-h26/workshops/999999").status_code == 404
    assert client.post("/staff/c/kumamoto-ward-offices-h26/workshops/999999/board/move", json={"comment": 1}).status_code == 404


def test_cli_lists_opens_and_closes(runner):
    listed = runner.invoke(args=["workshops", "list"])
    assert listed.exit_code == 0 and "ws-chuo" in listed.output and "planned" in listed.output
    opened = runner.invoke(args=["workshops", "open", "ws-kita"])
    assert opened.exit_code == 0 and "join code" in opened.output
    w = db.session.scalar(select(Workshop).where(Workshop.key == "ws-kita"))
    assert w.state == "open" and w.join_code in opened.output
    again = runner.invoke(args=["workshops", "close", w.join_code])
    assert again.exit_code == 0 and "closed" in again.output
    refused = runner.invoke(args=["workshops", "open", "ws-kita"])
    assert refused.exit_code != 0 and "再び開始できません" in refused.output
    assert runner.invoke(args=["workshops", "open", "nope"]).exit_code != 0
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(w.id))).all()
    assert "workshop.open" in events and "workshop.close" in events
