"""Admins run the staff accounts in the browser: create, role, deactivate, a one-time link with
which the person sets their password, last login shown; every change in the audit log."""

import re

from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import User
from consult.auth.services import create_user
from consult.consultation.models import Consultation, Topic
from consult.extensions import db
from consult.participation.models import Comment

PASSWORD = "a long enough password"


def _signed_in(app, role):
    user = create_user(f"{role}-acc@example.jp", role, PASSWORD)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client, user


def _link(page_html: str) -> str:
    return re.search(r'<code id="password-link">([^<]+)</code>', page_html).group(1)


def test_an_admin_creates_an_account_whose_person_sets_the_password_once(app):
    admin, _ = _signed_in(app, "admin")
    bad = admin.post("/staff/users/new", data={"email": "not-an-address", "name": "", "role": "boss"})
    assert bad.status_code == 422 and "not-an-address" in bad.get_data(as_text=True)  # kept on the form
    made = admin.post("/staff/users/new", data={"email": "Tanaka@City.Example.jp", "name": "田中", "role": "secretariat"})
    assert made.status_code == 303
    shown = admin.get(made.headers["Location"]).get_data(as_text=True)
    link = _link(shown)
    assert "/password/" in link and "パスワード" in shown
    assert "/password/" not in admin.get(made.headers["Location"]).get_data(as_text=True)  # shown once
    user = db.session.scalar(select(User).where(User.email == "tanaka@city.example.jp"))
    assert user.role == "secretariat" and user.name == "田中"

    person = app.test_client()
    path = link[link.index("/password/"):]
    assert person.get(path).status_code == 200
    short = person.post(path, data={"password": "short", "password_again": "short"})
    assert short.status_code == 422
    differ = person.post(path, data={"password": PASSWORD, "password_again": PASSWORD + "x"})
    assert differ.status_code == 422
    assert person.post(path, data={"password": PASSWORD, "password_again": PASSWORD}).status_code == 303
    assert person.get(path).status_code == 404  # used: the link no longer works
    assert person.post("/login", data={"email": "tanaka@city.example.jp", "password": PASSWORD}).status_code == 303
    listing = admin.get("/staff/users").get_data(as_text=True)
    row = listing[listing.index("tanaka@city.example.jp"):]
    assert "まだありません" not in row[:row.index("</tr>")]  # last login shown
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "user")
                                                    .order_by(AuditEvent.id))]
    assert actions[:3] == ["user.create", "user.password_link", "user.password_set"]


def test_role_and_deactivation_and_no_self_lockout(app):
    admin, me = _signed_in(app, "admin")
    other = create_user("other@example.jp", "facilitator", PASSWORD)
    assert admin.post(f"/staff/users/{other.id}", data={"name": "他", "role": "secretariat"}).status_code == 303
    db.session.expire_all()
    assert other.role == "secretariat" and other.active is False  # the box not ticked: stopped
    assert app.test_client().post("/login", data={"email": "other@example.jp", "password": PASSWORD}).status_code == 401
    refused = admin.post(f"/staff/users/{me.id}", data={"name": "", "role": "secretariat", "active": "1"})
    assert refused.status_code == 422 and "自分のアカウント" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert me.role == "admin"
    assert admin.post(f"/staff/users/{other.id}/password-link").status_code == 409  # a stopped account


def test_only_admins_manage_accounts(app):
    secretariat, _ = _signed_in(app, "secretariat")
    assert secretariat.get("/staff/users").status_code == 403
    assert secretariat.post("/staff/users/new", data={"email": "x@example.jp", "role": "admin"}).status_code == 403
    assert app.test_client().get("/password/forged.token").status_code == 404


def test_staff_assigned_to_one_consultation_get_403_on_the_others(app):
    admin, _admin = _signed_in(app, "admin")
    facilitator, person = _signed_in(app, "facilitator")
    ids = dict(db.session.execute(select(Consultation.slug, Consultation.id)).all())
    # Unassigned: every consultation.
    assert facilitator.get("/staff/c/jichi-kihon-jorei-h26/").status_code == 200
    response = admin.post(f"/staff/users/{person.id}", data={
        "name": "", "role": "facilitator", "active": "1", "assignments_shown": "1",
        "consultations": [str(ids["kumamoto-ward-offices-h26"])]})
    assert response.status_code == 303
    assert facilitator.get("/staff/c/kumamoto-ward-offices-h26/workshops/").status_code == 200
    assert facilitator.get("/staff/c/jichi-kihon-jorei-h26/").status_code == 403
    assert facilitator.get("/staff/c/jichi-kihon-jorei-h26/briefings").status_code == 403
    home = facilitator.get("/staff").get_data(as_text=True)
    assert "/staff/c/kumamoto-ward-offices-h26/" in home and "/staff/c/jichi-kihon-jorei-h26/" not in home
    # Admins always work on all; an unknown consultation on the form is refused, nothing changed.
    assert admin.get("/staff/c/jichi-kihon-jorei-h26/").status_code == 200
    refused = admin.post(f"/staff/users/{person.id}", data={
        "name": "", "role": "facilitator", "active": "1", "assignments_shown": "1", "consultations": ["999999"]})
    assert refused.status_code == 422 and "担当の意見募集は一覧から選んでください" in refused.get_data(as_text=True)
    assert facilitator.get("/staff/c/jichi-kihon-jorei-h26/").status_code == 403


def test_the_secretariat_creates_and_copies_consultations_in_the_browser(app):
    secretariat, _user = _signed_in(app, "secretariat")
    form = secretariat.get("/staff/consultations/new")
    assert form.status_code == 200
    made = secretariat.post("/staff/consultations/new", data={"kind": "pubcom", "slug": "sogo-keikaku-2015",
                                                              "title": "総合計画への意見募集"})
    assert made.status_code == 303 and made.headers["Location"] == "/staff/c/sogo-keikaku-2015/"
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "sogo-keikaku-2015"))
    assert created.kind == "pubcom" and created.phase == "draft"
    # A duplicate slug, a copy from nowhere: the form again, with what was typed, nothing created.
    again = secretariat.post("/staff/consultations/new", data={"kind": "pubcom", "slug": "sogo-keikaku-2015",
                                                               "title": "二つ目"})
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and "ほかの意見募集で使われています" in html and 'value="二つ目"' in html
    nowhere = secretariat.post("/staff/consultations/new", data={"copy_from": "nope", "slug": "x-copy",
                                                                 "title": "写し"})
    assert nowhere.status_code == 422 and "見つかりません" in nowhere.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 3
    # A copy takes the structure and none of the participation.
    copied = secretariat.post("/staff/consultations/new", data={"copy_from": "kumamoto-ward-offices-h26",
                                                                "slug": "ward-offices-2015", "title": "来年度"})
    assert copied.status_code == 303
    copy = db.session.scalar(select(Consultation).where(Consultation.slug == "ward-offices-2015"))
    assert copy.kind == "deliberation" and [t.slug for t in copy.topics] == [
        t.slug for t in db.session.scalar(select(Consultation).where(Consultation.slug == "kumamoto-ward-offices-h26")).topics]
    assert db.session.scalar(select(func.count()).select_from(Comment).join(Topic)
                             .where(Topic.consultation_id == copy.id)) == 0
    # Archived: off the public list, still there.
    assert secretariat.post("/staff/c/ward-offices-2015/archive").status_code == 303
    assert "ward-offices-2015" not in app.test_client().get("/?all=1").get_data(as_text=True)
    assert app.test_client().get("/c/ward-offices-2015/").status_code == 200
