"""The 受付台帳: opinions received by post, FAX, e-mail or at the counter, entered by staff with who
sent them; the name, address and contact never leave the register's pages."""

import io
import json
import re
import zipfile
from datetime import date, timedelta

from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.extensions import db
from consult.i18n import to_jst, utcnow
from consult.participation.models import Comment
from consult.pubcom.models import RegisterEntry

from .conftest import PUBLIC, STAFF, entry_form, submission_key

NAME, ADDRESS, CONTACT = "登録太郎", "熊本市中央区手取本町9-99", "096-000-9999"


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_an_entry_makes_one_comment_per_opinion_and_shows_the_receipt_numbers(pubcom, staff):
    c = pubcom()
    client, user = staff("secretariat")
    form = client.get(f"{STAFF}/register/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert 'name="opinion-3"' in html and 'name="opinion-4"' not in html
    assert '<option value="ch6-1-2-2" lang="ja">' in html and "② 相談窓口の一本化" in html
    response = client.post(f"{STAFF}/register/new", data=entry_form(submission_key(html)))
    assert response.status_code == 303
    entry = db.session.scalar(select(RegisterEntry))
    assert response.headers["Location"].endswith(f"{STAFF}/register/{entry.id}")
    assert (entry.consultation_id, entry.channel, entry.received_on, entry.name, entry.address, entry.contact,
            entry.anonymous_reason, entry.created_by_id) == (c.id, "post", date(2014, 10, 21), NAME, ADDRESS,
                                                              CONTACT, "", user.id)
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [x.body for x in comments] == ["相談窓口は一つにまとめてほしい。", "全体として分かりやすい素案です。"]
    assert [x.section.anchor if x.section else None for x in comments] == ["ch6-1-2-2", None]
    assert {(x.channel, x.register_entry_id, x.received_on, x.ward_code, x.status, x.participant_id)
            for x in comments} == {("post", entry.id, date(2014, 10, 21), "chuo", "pending", None)}
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "受付台帳に登録しました" in done
    assert all(x.receipt_no in done for x in comments)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.create"))
    assert event.after["comments"] == [x.id for x in comments]
    assert NAME not in str(event.after) and ADDRESS not in str(event.after)  # personal data stays out of the log

    register = client.get(f"{STAFF}/register").get_data(as_text=True)
    assert NAME in register and ADDRESS in register and CONTACT in register and "郵送" in register
    assert all(x.receipt_no in register for x in comments)


def test_ward_defaults_to_undisclosed_and_blank_rows_are_ignored(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    data = entry_form(ward="", channel="counter", **{"opinion-2": "", "opinion-3": "三つ目の欄だけ"})
    assert client.post(f"{STAFF}/register/new", data=data).status_code == 303
    assert set(db.session.execute(select(Comment.body, Comment.ward_code, Comment.channel)).all()) == {
        ("相談窓口は一つにまとめてほしい。", "undisclosed", "counter"), ("三つ目の欄だけ", "undisclosed", "counter")}


def test_more_rows_can_be_added_without_storing(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    response = client.post(f"{STAFF}/register/new", data={**entry_form(), "action": "add_rows"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="opinion-6"' in html and 'name="opinion-7"' not in html
    assert "相談窓口は一つにまとめてほしい。" in html and f'value="{NAME}"' in html
    assert _count(RegisterEntry) == 0
    data = {**entry_form(), "rows": "6", "opinion-6": "六つ目の意見"}
    assert client.post(f"{STAFF}/register/new", data=data).status_code == 303
    assert _count(Comment) == 3


def test_at_least_one_opinion_and_known_values(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    data = entry_form(channel="phone", ward="mars", **{"opinion-1": "", "opinion-2": "", "provision-3": "ch6"})
    html = client.post(f"{STAFF}/register/new", data=data).get_data(as_text=True)
    assert "受付方法の選択肢にない値です" in html and "区の選択肢にない値です" in html
    assert "3件目：条項を選んだ意見の内容を入力してください" in html
    response = client.post(f"{STAFF}/register/new",
                           data=entry_form(**{"opinion-1": "", "provision-1": "", "opinion-2": ""}))
    assert response.status_code == 422 and "意見の内容を1件以上入力してください" in response.get_data(as_text=True)
    assert _count(RegisterEntry) == 0 and _count(Comment) == 0


def test_bad_date_is_refused_and_keeps_what_was_typed(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    for typed, message in (("十月二十一日", "受付日は 2014-10-21 のように年-月-日で入力してください"),
                           ((to_jst(utcnow()).date() + timedelta(days=1)).isoformat(), "受付日に未来の日付は入力できません"),
                           ("", "受付日を入力してください")):
        response = client.post(f"{STAFF}/register/new", data=entry_form(received_on=typed))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert message in html
        assert f'value="{typed}"' in html and f'value="{NAME}"' in html and f'value="{ADDRESS}"' in html
        assert "相談窓口は一つにまとめてほしい。" in html
        assert re.search(r'<option value="ch6-1-2-2" lang="ja" selected>', html)
    assert _count(RegisterEntry) == 0 and _count(Comment) == 0


def test_anonymous_is_refused_when_the_consultation_does_not_accept_it(pubcom, staff):
    pubcom(accept_anonymous=False)
    client, _user = staff("secretariat")
    response = client.post(f"{STAFF}/register/new",
                           data=entry_form(name="", address="", anonymous_reason="匿名を希望"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "氏名を入力してください。この意見募集では、氏名と住所のない意見は受け付けません。" in html
    assert "住所を入力してください。この意見募集では、氏名と住所のない意見は受け付けません。" in html
    response = client.post(f"{STAFF}/register/new", data=entry_form(address=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "住所を入力してください。" in html and "氏名を入力してください。" not in html
    assert _count(RegisterEntry) == 0


def test_anonymous_is_accepted_with_a_reason_when_the_consultation_accepts_it(pubcom, staff):
    pubcom(accept_anonymous=True)
    client, _user = staff("secretariat")
    response = client.post(f"{STAFF}/register/new", data=entry_form(name="", address=""))
    assert response.status_code == 422
    assert "氏名または住所のない意見を受け付けるときは、その理由を入力してください" in response.get_data(as_text=True)
    assert _count(RegisterEntry) == 0
    response = client.post(f"{STAFF}/register/new",
                           data=entry_form(name="", address="", anonymous_reason="匿名を希望（封書に記載）"))
    assert response.status_code == 303
    entry = db.session.scalar(select(RegisterEntry))
    assert (entry.name, entry.address, entry.anonymous_reason) == ("", "", "匿名を希望（封書に記載）")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.create")).after["anonymous"]
    # With name and address both given, a reason typed by mistake is not kept.
    client.post(f"{STAFF}/register/new", data=entry_form("j" * 32, anonymous_reason="不要な理由"))
    assert db.session.scalar(select(RegisterEntry).where(RegisterEntry.name == NAME)).anonymous_reason == ""


def test_a_double_submit_stores_once(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    key = submission_key(client.get(f"{STAFF}/register/new").get_data(as_text=True))
    first = client.post(f"{STAFF}/register/new", data=entry_form(key))
    second = client.post(f"{STAFF}/register/new", data=entry_form(key))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(RegisterEntry) == 1 and _count(Comment) == 2
    # A new form has a new key: the next letter is stored.
    key2 = submission_key(client.get(f"{STAFF}/register/new").get_data(as_text=True))
    assert key2 != key
    client.post(f"{STAFF}/register/new", data=entry_form(key2))
    assert _count(RegisterEntry) == 2


def test_another_consultations_provision_is_refused(pubcom, staff):
    pubcom()
    other = pubcom("pc-other")
    other.topics[0].sections[0].anchor = "other-only"
    db.session.commit()
    client, _user = staff("secretariat")
    response = client.post(f"{STAFF}/register/new", data=entry_form(**{"provision-1": "other-only"}))
    assert response.status_code == 422
    assert "この意見募集の資料にない条項です" in response.get_data(as_text=True)
    assert _count(Comment) == 0


def test_facilitators_and_anonymous_visitors_get_no_register(pubcom, client, staff):
    pubcom()
    secretariat, _user = staff("secretariat")
    secretariat.post(f"{STAFF}/register/new", data=entry_form())
    entry = db.session.scalar(select(RegisterEntry))
    facilitator, _user = staff("facilitator")
    for path in ("/register", "/register/new", f"/register/{entry.id}", "/register.csv?reason=x"):
        assert facilitator.get(STAFF + path).status_code == 403, path
        response = client.get(STAFF + path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert facilitator.post(f"{STAFF}/register/new", data=entry_form()).status_code == 403
    assert _count(RegisterEntry) == 1


def test_another_consultations_entry_is_404(pubcom, staff):
    pubcom()
    pubcom("pc-other")
    client, _user = staff("secretariat")
    client.post("/staff/c/pc-other/register/new", data=entry_form())
    entry = db.session.scalar(select(RegisterEntry))
    assert client.get(f"/staff/c/pc-other/register/{entry.id}").status_code == 200
    assert client.get(f"{STAFF}/register/{entry.id}").status_code == 404
    assert NAME not in client.get(f"{STAFF}/register").get_data(as_text=True)
    assert client.get("/staff/c/kumamoto-ward-offices-h26/register").status_code == 404


def test_the_register_csv_needs_a_reason_which_is_logged(pubcom, staff):
    pubcom()
    client, user = staff("secretariat")
    client.post(f"{STAFF}/register/new", data=entry_form(name="=HYPERLINK(\"x\")"))
    response = client.get(f"{STAFF}/register.csv")
    assert response.status_code == 422 and "書き出す理由を入力してください" in response.get_data(as_text=True)
    assert client.get(f"{STAFF}/register.csv?reason=%20").status_code == 422
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.register_csv")) == 0
    response = client.get(f"{STAFF}/register.csv", query_string={"reason": "個別回答の送付のため"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    header, row = text.split("\r\n")[:2]
    assert header.startswith("受付台帳番号,受付日,受付方法,氏名,住所")
    assert ADDRESS in row and "'=HYPERLINK" in row and "郵送" in row
    assert all(c.receipt_no in row for c in db.session.scalars(select(Comment)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.register_csv"))
    assert event.user_id == user.id and event.note == "個別回答の送付のため" and event.after["entries"] == 1


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_names_and_addresses_never_leave_the_register(pubcom, staff, client):
    """Every public page, export, API answer and moderation page of the consultation, with its
    comments published and its results public: the submitters' personal data is in none."""
    c = pubcom()
    secretariat, _user = staff("secretariat")
    secretariat.post(f"{STAFF}/register/new", data=entry_form())
    secretariat.post(f"{STAFF}/register/new",
                     data=entry_form("m" * 32, channel="email", name="匿名希望花子", address="熊本市北区植木町8-88",
                                     contact="hanako@example.jp"))
    secret = (NAME, ADDRESS, CONTACT, "匿名希望花子", "熊本市北区植木町8-88", "hanako@example.jp",
              "手取本町9-99", "植木町8-88")
    comments = db.session.scalars(select(Comment)).all()
    assert len(comments) == 4

    def clean(path, content, *, expect=200, status=None):
        assert status in (None, expect), (path, status)
        if content.lstrip().startswith(("{", "[")):  # JSON: read as text, not as \u escapes
            content = json.dumps(json.loads(content), ensure_ascii=False)
        leaked = [s for s in secret if s in content]
        assert not leaked, (path, leaked)

    # Moderation while pending, then publish everything and the results.
    clean("/moderation", secretariat.get(f"{STAFF}/moderation").get_data(as_text=True))
    for x in comments:
        r = secretariat.get(f"{STAFF}/moderation/{x.id}")
        clean(f"/moderation/{x.id}", r.get_data(as_text=True), status=r.status_code)
    for x in comments:
        x.status, x.published_at_utc = "published", utcnow()
    c.phase = "published"
    db.session.commit()

    checked = 0
    for path in (f"{PUBLIC}/", f"{PUBLIC}/topics/document", f"{PUBLIC}/results", f"{PUBLIC}/results/open-data.csv",
                 "/api/v1/consultations/pc-test/comments", "/api/v1/consultations/pc-test/topics",
                 "/api/v1/consultations/pc-test/topics/document", "/receipt"):
        r = client.get(path)
        clean(path, r.get_data(as_text=True), status=r.status_code)
        checked += 1
    for x in comments:  # the receipt look-up answers with the opinion, never its sender
        r = client.post("/receipt", data={"receipt_no": x.receipt_no})
        clean("/receipt POST", r.get_data(as_text=True), status=r.status_code)
    open_data = client.get(f"{PUBLIC}/results/open-data.csv").get_data(as_text=True)
    assert "相談窓口は一つにまとめてほしい。" in open_data  # the opinions themselves are there
    api = json.dumps(client.get("/api/v1/consultations/pc-test/comments").get_json(), ensure_ascii=False)
    assert "相談窓口は一つにまとめてほしい。" in api

    for query in ("format=csv", "format=csv&encoding=cp932&checked=1", "format=json"):
        r = secretariat.get(f"{STAFF}/exports/comments?{query}")
        assert r.status_code == 200, query
        text = r.get_data().decode("cp932" if "cp932" in query else "utf-8-sig")
        clean(query, text)
        if query == "format=json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        assert "相談窓口は一つにまとめてほしい。" in text
        checked += 1
    r = secretariat.get(f"{STAFF}/exports/comments?format=xlsx")
    assert r.status_code == 200
    xml = _xlsx_text(r.get_data())
    clean("xlsx", xml)
    assert "相談窓口は一つにまとめてほしい。" in xml
    r = secretariat.get(f"{STAFF}/exports/comments?format=csv&encoding=cp932")  # the CP932 check page
    clean("cp932 check", r.get_data(as_text=True), status=r.status_code)

    for path in ("/moderation", "/review/comments", "/review", "/groups", "/exports"):
        r = secretariat.get(STAFF + path)
        clean(path, r.get_data(as_text=True), status=r.status_code)
        checked += 1
    for x in comments:
        r = secretariat.get(f"{STAFF}/moderation/{x.id}")
        clean(f"/moderation/{x.id}", r.get_data(as_text=True), status=r.status_code)
    # The audit log (its page is being moved into the consultations' URLs): none of its events.
    for event in db.session.scalars(select(AuditEvent)):
        clean(f"audit {event.action}", json.dumps([event.before, event.after, event.note], ensure_ascii=False))
    assert checked == 16


def test_hostile_values_are_refused_not_failed(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    for field in ("submission_key", "channel", "ward", "provision-1", "received_on", "name", "rows", "opinion-2"):
        response = client.post(f"{STAFF}/register/new", data=entry_form("h" * 32, **{field: "x\x00'\"<>"}))
        assert response.status_code in (303, 400, 422), field
    for field in ("ward", "starts_at", "attendance", "title"):
        response = client.post(f"{STAFF}/briefings", data={"ward": "chuo", "title": "t", "starts_at": "2014-10-04 10:00",
                                                           field: "x\x00"})
        assert response.status_code in (400, 422), field
