"""Editing the consultation, meetings, topics and ward populations: each change and its audit entry."""

from datetime import date

from sqlalchemy import select

from consult.consultation.models import Consultation, Meeting, Ward
from consult.consultation.services import current_consultation
from consult.extensions import db


def test_overview_lists_the_topics_and_links(staff):
    client, _user = staff()
    html = client.get("/staff/c/kumamoto-ward-offices-h26/content").get_data(as_text=True)
    assert "意見募集の編集" in html and "審議事項1" in html
    assert "/staff/c/kumamoto-ward-offices-h26/phase" in html and "/staff/c/kumamoto-ward-offices-h26/import" in html


def test_staff_home_links_to_editing(staff):
    client, _user = staff()
    html = client.get("/staff").get_data(as_text=True)
    assert "/staff/c/kumamoto-ward-offices-h26/" in html


def test_facilitators_may_not_edit(staff):
    client, _user = staff("facilitator")
    assert client.get("/staff/c/kumamoto-ward-offices-h26/content").status_code == 403
    assert client.post("/staff/c/kumamoto-ward-offices-h26/settings", data={"title": "x"}).status_code == 403


def test_edit_title_body_and_moderation_is_audited(staff, events):
    client, user = staff()
    consultation = current_consultation()
    old_title = consultation.title
    response = client.post("/staff/c/kumamoto-ward-offices-h26/settings",
                           data={"title": "新しい題名", "body": "**説明**です", "action": "save"})
    assert response.status_code == 303
    db.session.refresh(consultation)
    assert consultation.title == "新しい題名" and consultation.premoderation is False
    [event] = events("consultation.update")
    assert event.user_id == user.id and event.target_id == str(consultation.id)
    assert event.before["title"] == old_title and event.after["title"] == "新しい題名"
    assert event.before["premoderation"] is True and event.after["premoderation"] is False
    home = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert "新しい題名" in home and "<strong>説明</strong>" in home


def test_invalid_settings_keep_what_was_typed(staff, events):
    client, _user = staff()
    response = client.post("/staff/c/kumamoto-ward-offices-h26/settings", data={"title": "  ", "body": "書きかけの説明", "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "題名を入力してください。" in html and "書きかけの説明" in html
    assert events("consultation.update") == []


def test_preview_is_sanitised_and_saves_nothing(staff, events):
    client, _user = staff()
    body = "# 見出し\n\n**太字**\n\n<script>alert(1)</script>\n\n[危険](javascript:alert(1))\n\n[[[ ``` 閉じない"
    response = client.post("/staff/c/kumamoto-ward-offices-h26/settings", data={"title": "題名", "body": body, "action": "preview"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html.split('id="body-preview"', 1)[1]
    assert "<strong>太字</strong>" in preview
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript' not in html
    assert events() == []
    assert current_consultation().title != "題名"


def test_json_preview_uses_the_same_sanitiser(staff):
    client, _user = staff()
    response = client.post("/staff/c/kumamoto-ward-offices-h26/preview",
                           json={"text": "*a*\n\n<script>alert(1)</script><img src=x onerror=alert(1)>"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<em>a</em>" in html and "<script" not in html and "<img" not in html
    # anything odd is answered, never a 5xx
    assert client.post("/staff/c/kumamoto-ward-offices-h26/preview", json=[1, 2]).get_json() == {"html": ""}
    assert client.post("/staff/c/kumamoto-ward-offices-h26/preview", json={"text": 5}).get_json() == {"html": ""}


def test_meetings_add_edit_delete(staff, events, client):
    staff_client, user = staff("admin")
    response = staff_client.post("/staff/c/kumamoto-ward-offices-h26/meetings", data={
        "kind": "meeting", "number": "７", "title": "第7回検討会", "starts_on": "2014/12/20",
        "month_part": "", "agenda": "基本方針の確定"})
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "第7回検討会"))
    assert meeting.number == 7 and meeting.starts_on == date(2014, 12, 20)
    assert events("meeting.create")[0].after["title"] == "第7回検討会"
    assert "第7回検討会" in client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)

    response = staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/meetings/{meeting.id}", data={
        "kind": "meeting", "number": "7", "title": "第7回検討会", "starts_on": "2014-12-01",
        "month_part": "mid", "agenda": "基本方針の確定"})
    assert response.status_code == 303
    db.session.refresh(meeting)
    assert meeting.month_part == "mid"
    [update] = events("meeting.update")
    assert update.before["month_part"] is None and update.after["month_part"] == "mid"
    assert "平成26年12月中旬" in client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)

    meeting_id = meeting.id
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/meetings/{meeting_id}/delete").status_code == 303
    db.session.expunge_all()
    assert db.session.get(Meeting, meeting_id) is None
    assert events("meeting.delete")[0].before["title"] == "第7回検討会"


def test_meeting_with_a_bad_date_is_refused(staff):
    client, _user = staff()
    response = client.post("/staff/c/kumamoto-ward-offices-h26/meetings", data={
        "kind": "meeting", "title": "第8回", "starts_on": "12月20日", "month_part": "sometime"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "年-月-日で入力してください" in html and "時期の選択肢にない値です" in html
    assert 'value="第8回"' in html
    assert client.get("/staff/c/kumamoto-ward-offices-h26/meetings/999999").status_code == 404


def test_topic_notice_can_be_removed(staff, events, client, topic):
    staff_client, _user = staff()
    t = topic("roles")
    data = {"title": t.title, "title_en": t.title_en, "lead": t.lead, "summary_notice": ""}
    assert staff_client.post("/staff/c/kumamoto-ward-offices-h26/topics/roles/settings", data=data).status_code == 303
    assert events("topic.update")[0].after["summary_notice"] == ""
    assert "見本の文案" not in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert staff_client.get("/staff/c/kumamoto-ward-offices-h26/topics/zz-unknown/settings").status_code == 404


def test_ward_populations_with_source_and_date(staff, events):
    client, _user = staff()
    wards = db.session.scalars(select(Ward).order_by(Ward.position)).all()
    data = {}
    for w in wards:
        data[f"population-{w.code}"] = str(w.population or "")
        data[f"source-{w.code}"] = w.population_source
        data[f"as_of-{w.code}"] = w.population_as_of.isoformat() if w.population_as_of else ""
    data["population-chuo"] = "186,300人"
    data["source-chuo"] = "平成27年国勢調査（確定値）"
    data["as_of-chuo"] = "2015-10-01"
    assert client.post("/staff/c/kumamoto-ward-offices-h26/wards", data=data).status_code == 303
    chuo = db.session.scalar(select(Ward).where(Ward.code == "chuo"))
    assert chuo.population == 186300 and chuo.population_as_of == date(2015, 10, 1)
    [event] = events("ward.population")
    assert event.after == {"population": 186300, "population_source": "平成27年国勢調査（確定値）",
                           "population_as_of": "2015-10-01"}

    data["population-kita"] = "-5"
    data["as_of-kita"] = "昨日"
    response = client.post("/staff/c/kumamoto-ward-offices-h26/wards", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "北区の人口は0以上" in html and "北区の人口の時点は" in html
    assert len(events("ward.population")) == 1


def test_population_needs_a_source(staff):
    client, _user = staff()
    wards = db.session.scalars(select(Ward)).all()
    data = {f"population-{w.code}": "1000" for w in wards}
    response = client.post("/staff/c/kumamoto-ward-offices-h26/wards", data=data)
    assert response.status_code == 422
    assert "出典も書いてください" in response.get_data(as_text=True)


def test_seeded_consultation_is_the_one_edited(app):
    assert db.session.scalar(select(Consultation).limit(1)) is not None
