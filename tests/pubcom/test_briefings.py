"""地域説明会: staff register a briefing of a public comment and type in the opinions voiced there."""

from datetime import date, datetime

from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.extensions import db
from consult.participation.models import Comment
from consult.pubcom.models import Briefing

from .conftest import STAFF


def _briefing_form(**overrides) -> dict:
    data = {"ward": "higashi", "title": "東区 地域説明会", "venue": "東区役所 大会議室",
            "starts_at": "2014-10-04T10:00", "attendance": ""}
    data.update(overrides)
    return data


def _create(client, **overrides):
    return client.post(f"{STAFF}/briefings", data=_briefing_form(**overrides))


def test_create_list_and_edit_a_briefing(pubcom, staff):
    c = pubcom()
    client, user = staff("facilitator")
    assert client.get(f"{STAFF}/briefings").status_code == 200
    response = _create(client)
    assert response.status_code == 303
    briefing = db.session.scalar(select(Briefing))
    assert response.headers["Location"].endswith(f"{STAFF}/briefings/{briefing.id}")
    assert (briefing.consultation_id, briefing.ward.code, briefing.title, briefing.venue, briefing.attendance) == (
        c.id, "higashi", "東区 地域説明会", "東区役所 大会議室", None)
    assert briefing.starts_at_utc == datetime(2014, 10, 4, 1, 0)  # 10:00 JST, stored as naive UTC
    listing = client.get(f"{STAFF}/briefings").get_data(as_text=True)
    assert "東区 地域説明会" in listing and "2014年10月4日 10:00" in listing
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "briefing.create"))
    assert event.user_id == user.id and event.target_id == str(briefing.id)

    page = client.get(f"{STAFF}/briefings/{briefing.id}")
    assert page.status_code == 200 and 'value="2014-10-04T10:00"' in page.get_data(as_text=True)
    response = client.post(f"{STAFF}/briefings/{briefing.id}",
                           data=_briefing_form(form="briefing", attendance="４２", ward="kita"))
    assert response.status_code == 303
    db.session.refresh(briefing)
    assert briefing.attendance == 42 and briefing.ward.code == "kita"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "briefing.edit")).before["attendance"] is None


def test_bad_briefing_is_refused_with_what_was_typed(pubcom, staff):
    pubcom()
    client, _user = staff("secretariat")
    response = _create(client, ward="nowhere", title="", starts_at="10月4日", attendance="-3", venue="会場X")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "区の選択肢にない値です" in html and "説明会の名称を入力してください" in html
    assert "開始日時は 2014-10-31 17:00 のように" in html and "参加者数は0以上" in html
    assert 'value="会場X"' in html and 'value="10月4日"' in html
    assert db.session.scalar(select(func.count(Briefing.id))) == 0


def test_opinions_of_a_briefing_become_comments(pubcom, staff):
    c = pubcom()
    client, user = staff("facilitator")
    _create(client)
    briefing = db.session.scalar(select(Briefing))
    response = client.post(f"{STAFF}/briefings/{briefing.id}",
                           data={"form": "opinions", "provision": "ch6-1-2-2",
                                 "lines": "・窓口を一つにしてほしい\r\n\r\n土日も開けてほしい"})
    assert response.status_code == 303
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [x.body for x in comments] == ["窓口を一つにしてほしい", "土日も開けてほしい"]
    section = comments[0].section
    assert {(x.channel, x.briefing_id, x.ward_code, x.received_on, x.status, x.topic.consultation_id,
             x.section_revision_id) for x in comments} == {
        ("briefing", briefing.id, "higashi", date(2014, 10, 4), "pending", c.id, section.current.id)}
    assert section.anchor == "ch6-1-2-2" and len({x.receipt_no for x in comments}) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "briefing.opinions_add"))
    assert event.after["comments"] == [x.id for x in comments] and "窓口" not in str(event.after)
    page = client.get(f"{STAFF}/briefings/{briefing.id}").get_data(as_text=True)
    assert "説明会で出された意見（2件）" in page and comments[0].receipt_no in page

    # Without a provision: on the document as a whole. Moving the briefing moves its opinions.
    client.post(f"{STAFF}/briefings/{briefing.id}", data={"form": "opinions", "provision": "", "lines": "全体への意見"})
    assert db.session.scalar(select(Comment).where(Comment.body == "全体への意見")).section_id is None
    client.post(f"{STAFF}/briefings/{briefing.id}", data=_briefing_form(form="briefing", ward="minami",
                                                                        starts_at="2014-10-05 19:00"))
    assert set(db.session.execute(select(Comment.ward_code, Comment.received_on)).all()) == {("minami", date(2014, 10, 5))}


def test_opinions_refused_keep_the_text(pubcom, staff):
    pubcom()
    pubcom("pc-other")
    client, _user = staff("secretariat")
    _create(client)
    briefing = db.session.scalar(select(Briefing))
    response = client.post(f"{STAFF}/briefings/{briefing.id}",
                           data={"form": "opinions", "provision": "no-such-anchor", "lines": "よい意見\n" + "長" * 2001})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "この意見募集の資料にない条項です" in html and "2行目：意見は2000文字以内" in html
    assert "よい意見\n" + "長" * 2001 in html
    assert client.post(f"{STAFF}/briefings/{briefing.id}", data={"form": "opinions", "lines": " \n"}).status_code == 422
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_another_consultations_briefing_is_404(pubcom, staff):
    pubcom()
    pubcom("pc-other")
    client, _user = staff("secretariat")
    client.post("/staff/c/pc-other/briefings", data=_briefing_form())
    other = db.session.scalar(select(Briefing))
    assert client.get(f"/staff/c/pc-other/briefings/{other.id}").status_code == 200
    assert client.get(f"{STAFF}/briefings/{other.id}").status_code == 404
    assert client.post(f"{STAFF}/briefings/{other.id}", data={"form": "opinions", "lines": "x"}).status_code == 404
    assert client.get(f"{STAFF}/briefings/999999").status_code == 404
    # A deliberation has no briefings.
    assert client.get("/staff/c/kumamoto-ward-offices-h26/briefings").status_code == 404


def test_briefings_are_for_staff(pubcom, client, staff):
    pubcom()
    response = client.get(f"{STAFF}/briefings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    facilitator, _user = staff("facilitator")
    html = facilitator.get(f"{STAFF}/briefings").get_data(as_text=True)
    assert "受付台帳" not in html  # no link to what a facilitator may not read


def test_english_staff_pages_mark_japanese_text(pubcom, staff):
    from tests.core.test_english_pages import Unmarked

    from .conftest import entry_form

    pubcom()
    client, _user = staff("secretariat")
    _create(client)
    briefing = db.session.scalar(select(Briefing))
    client.post(f"{STAFF}/briefings/{briefing.id}", data={"form": "opinions", "provision": "ch6-1-2-2", "lines": "意見"})
    client.post(f"{STAFF}/register/new", data=entry_form(name="", anonymous_reason="匿名希望"))
    from consult.pubcom.models import RegisterEntry
    entry = db.session.scalar(select(RegisterEntry))
    client.get(f"{STAFF}/briefings")  # the messages flashed in Japanese are shown (and gone)
    pages = ["/briefings", f"/briefings/{briefing.id}", "/register", "/register/new", f"/register/{entry.id}"]
    for path in pages:
        response = client.get(f"{STAFF}{path}?lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and '<html lang="en">' in html, path
        parser = Unmarked()
        parser.feed(html)
        assert parser.found == [], path
    # Refused forms too.
    for path, data in ((f"/briefings/{briefing.id}?lang=en", {"form": "opinions", "lines": ""}),
                       ("/register/new?lang=en", entry_form(received_on="x"))):
        html = client.post(STAFF + path, data=data).get_data(as_text=True)
        parser = Unmarked()
        parser.feed(html)
        assert parser.found == [], path
