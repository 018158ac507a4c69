"""The audit log as admins read it: who, when in JST, what in words, on which record (linked), the
values before and after in words; filters by person, action and date; a CSV for Excel; sign-ins."""

import codecs
import csv
import io

from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.services import MAX_FAILURES, create_user
from consult.extensions import db


def _hide(client, c):
    return client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": "offtopic"})


def test_the_log_says_who_when_what_and_which_record_in_words(staff, comment):
    secretariat, user = staff("secretariat")
    admin, _ = staff("admin")
    c = comment()
    _hide(secretariat, c)
    html = admin.get("/staff/audit").get_data(as_text=True)
    body = html[html.index("<tbody>"):]
    row = body[body.rindex("<tr", 0, body.index("ご意見を非公開")):]
    row = row[:row.index("</tr>")]
    assert f'href="/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}"' in row  # the record, linked
    assert "状態" in row and "確認待ち" in row and "非公開" in row  # before → after, in words
    assert "pending" not in row and "{" not in row  # no codes, no raw JSON
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.hide"))
    shown = row[row.index("<time"):row.index("</time>")]
    jst = (event.at_utc.hour + 9) % 24
    assert f"{jst:02d}:{event.at_utc:%M}" in shown and "年" in shown  # JST, in words
    assert user.email in row


def test_filters_by_person_action_and_dates(staff, comment):
    one, first = staff("secretariat")
    two, second = staff("secretariat")
    admin, _ = staff("admin")
    _hide(one, comment())
    _hide(two, comment())
    mine = admin.get(f"/staff/audit?user={first.id}").get_data(as_text=True)
    assert first.email in mine[mine.index("<tbody>"):] and second.email not in mine[mine.index("<tbody>"):]
    assert "2件" in admin.get("/staff/audit?action=comment.hide").get_data(as_text=True)
    assert "0件" in admin.get("/staff/audit?action=comment.hide&date_to=2014-10-31").get_data(as_text=True)
    assert "2件" in admin.get("/staff/audit?action=comment.hide&date_from=2014-01-01").get_data(as_text=True)
    assert admin.get("/staff/audit?user=abc&date_from=not-a-date").status_code == 200  # ignored, not a 500


def test_the_log_as_csv_for_excel(staff, comment):
    secretariat, _ = staff("secretariat")
    admin, _ = staff("admin")
    c = comment()
    _hide(secretariat, c)
    response = admin.get("/staff/audit.csv?action=comment.")
    assert response.status_code == 200 and response.data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日時（日本時間）", "職員", "操作"]
    assert rows[1][2] == "ご意見を非公開" and rows[1][5] == str(c.id) and "確認待ち → 非公開" in rows[1][6]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.audit_csv")) is not None
    assert secretariat.get("/staff/audit.csv").status_code == 403


def test_sign_in_failed_sign_in_and_lock_out_are_logged(client):
    user = create_user("login-log@example.jp", "secretariat", "a long enough password")
    assert client.post("/login", data={"email": "login-log@example.jp", "password": "a long enough password"}
                       ).status_code == 303
    client.post("/logout")
    for _ in range(MAX_FAILURES):
        client.post("/login", data={"email": "login-log@example.jp", "password": "wrong password!"})
    client.post("/login", data={"email": "nobody@example.jp", "password": "whatever password"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("auth."))
                                .order_by(AuditEvent.id)).all()
    actions = [(e.action, e.target_id, e.note) for e in events]
    assert actions[0] == ("auth.login", str(user.id), "")
    assert actions[1:1 + MAX_FAILURES] == [("auth.login_failed", str(user.id), "password")] * MAX_FAILURES
    assert ("auth.lockout", str(user.id), "") in actions
    assert actions[-1] == ("auth.login_failed", "", "unknown")
    assert all("nobody" not in str(e.after) + e.note and "wrong" not in str(e.after) + e.note for e in events)
