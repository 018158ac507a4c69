"""Opinion groups and answers, proposed groups from workshop themes, the review document (HTML
and XLSX) with every topic, group and answer, and the public results page."""

import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from consult.consultation.models import Consultation, Topic
from consult.extensions import db
from consult.participation.models import Comment
from consult.audit import AuditEvent
from consult.secretariat.models import OpinionGroup
from consult.workshops.models import Theme, Workshop


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _group(title):
    db.session.expire_all()
    return db.session.scalar(select(OpinionGroup).where(OpinionGroup.title == title))


def test_create_edit_and_audit(staff):
    client, user = staff("secretariat")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/new", data={"topic": "counters", "title": "土日の窓口",
                                                      "summary": "土日にも窓口を開けてほしい", "answer": "",
                                                      "response_category": "", "position": "1"})
    assert response.status_code == 303
    group = _group("土日の窓口")
    assert group.topic.slug == "counters" and group.state == "confirmed" and group.response_category is None
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}/edit", data={
        "title": "土日・夜間の窓口", "summary": "土日にも窓口を開けてほしい", "answer": "一部の出張所で試行します。",
        "response_category": "reference", "position": "1"})
    assert response.status_code == 303
    group = _group("土日・夜間の窓口")
    assert group.answer == "一部の出張所で試行します。" and group.response_category == "reference"
    assert _actions() == ["opinion_group.create", "opinion_group.update"]
    update = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "opinion_group.update")).one()
    assert update.before["title"] == "土日の窓口" and update.after["title"] == "土日・夜間の窓口"
    assert update.user_id == user.id


@pytest.mark.parametrize("data, message", [
    ({"topic": "", "title": "x"}, "審議事項を選んでください"),
    ({"topic": "roles", "title": ""}, "グループ名を入力してください"),
    ({"topic": "roles", "title": "x", "response_category": "maybe"}, "対応区分の選択肢にない値です"),
    ({"topic": "roles", "title": "x", "position": "-1"}, "表示順は0から9999までの整数"),
    ({"topic": "roles", "title": "あ" * 201}, "200文字以内"),
])
def test_group_form_validation(staff, data, message):
    client, _ = staff("secretariat")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(OpinionGroup.id)) is None


def test_assign_from_the_filtered_list_and_list_by_receipt(staff, comment, topic):
    client, _ = staff("secretariat")
    group = OpinionGroup(topic=topic("roles"), title="区長の権限")
    db.session.add(group)
    db.session.commit()
    a, b = comment("roles", body="区長に権限を"), comment("roles", body="区長の裁量を広げて")
    other = comment("counters", body="窓口の話")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/assign", data={"ids": [str(a.id), str(b.id), str(other.id)],
                                                         "target_group": str(group.id), "q": "区長"})
    assert response.status_code == 303 and "q=" in response.headers["Location"]
    db.session.expire_all()
    assert [c.opinion_group_id for c in (db.session.get(Comment, a.id), db.session.get(Comment, b.id),
                                         db.session.get(Comment, other.id))] == [group.id, group.id, None]
    assert _actions() == ["comment.assign_group", "comment.assign_group"]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2件を「区長の権限」に振り分けました" in follow and "1件は別の審議事項のご意見のため" in follow
    html = client.get(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}").get_data(as_text=True)
    first, second = sorted([a.receipt_no, b.receipt_no])
    assert "2件" in html and html.index(first) < html.index(second)

    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/assign", data={"ids": [str(a.id)], "target_group": "none",
                                                         "return_group": str(group.id)})
    assert response.headers["Location"].endswith(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}")
    assert db.session.get(Comment, a.id).opinion_group_id is None


def test_assign_needs_a_group_and_comments(staff, comment):
    client, _ = staff("secretariat")
    c = comment()
    response = client.post("/staff/c/kumamoto-ward-offices-h26/groups/assign", data={"ids": [str(c.id)], "target_group": ""})
    assert response.status_code == 422 and "振り分け先の意見グループを選んでください" in response.get_data(as_text=True)
    assert client.post("/staff/c/kumamoto-ward-offices-h26/groups/assign", data={"target_group": "none"}).status_code == 422


@pytest.fixture
def proposed(app, topic, comment):
    """A workshop theme arrived as a proposed group, with two notes in it."""
    workshop = db.session.scalar(select(Workshop).order_by(Workshop.id))
    theme = Theme(workshop_id=workshop.id, topic=topic("counters"), name="近くの出張所")
    db.session.add(theme)
    db.session.flush()
    group = OpinionGroup(topic=topic("counters"), title="近くの出張所を残して", state="proposed",
                         source_theme_id=theme.id)
    db.session.add(group)
    db.session.commit()
    notes = [comment("counters", channel="workshop", workshop_id=workshop.id, theme_id=theme.id,
                     opinion_group_id=group.id, body=f"付箋{i}") for i in range(2)]
    return group, notes


def test_proposed_groups_are_confirmed(staff, proposed):
    client, _ = staff("secretariat")
    group, _notes = proposed
    html = client.get("/staff/c/kumamoto-ward-offices-h26/groups").get_data(as_text=True)
    assert "提案（確認待ち）" in html and "ワークショップのテーマから" in html
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}/confirm").status_code == 303
    assert _group("近くの出張所を残して").state == "confirmed"
    assert _actions() == ["opinion_group.confirm"]


def test_proposed_group_renamed_and_confirmed_in_one_step(staff, proposed):
    client, _ = staff("secretariat")
    group, _notes = proposed
    client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}/edit", data={"title": "身近な出張所の維持", "position": "0",
                                                         "confirm": "1"})
    renamed = _group("身近な出張所の維持")
    assert renamed.id == group.id and renamed.state == "confirmed"
    assert _actions() == ["opinion_group.update", "opinion_group.confirm"]


def test_merge_moves_the_comments_and_removes_the_source(staff, proposed, topic):
    client, _ = staff("secretariat")
    source, notes = proposed
    source_id, note_ids = source.id, sorted(n.id for n in notes)
    target = OpinionGroup(topic=topic("counters"), title="出張所の在り方")
    elsewhere = OpinionGroup(topic=topic("roles"), title="別の審議事項")
    db.session.add_all([target, elsewhere])
    db.session.commit()
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{source_id}/merge", data={"target": str(elsewhere.id)})
    assert response.status_code == 422 and "同じ審議事項のグループにだけ統合できます" in response.get_data(as_text=True)
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{source_id}/merge", data={"target": str(target.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(OpinionGroup, source_id) is None
    assert {db.session.get(Comment, i).opinion_group_id for i in note_ids} == {target.id}
    merge = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "opinion_group.merge")).one()
    assert merge.after == {"merged_into": target.id, "comment_ids": note_ids}
    assert merge.before["source_theme_id"] is not None
    assert client.post("/staff/c/kumamoto-ward-offices-h26/groups/999999/merge", data={"target": str(target.id)}).status_code == 404


def test_delete_frees_the_comments(staff, proposed):
    client, _ = staff("secretariat")
    group, notes = proposed
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/groups/{group.id}/delete").status_code == 303
    db.session.expire_all()
    assert all(db.session.get(Comment, n.id).opinion_group_id is None for n in notes)
    assert _actions() == ["opinion_group.delete"]


@pytest.fixture
def answered(app, topic, comment, participant):
    """Every topic has a confirmed group with an answer, and a published comment in it."""
    groups = {}
    for i, t in enumerate(db.session.scalars(select(Topic).order_by(Topic.number))):
        g = OpinionGroup(topic=t, title=f"グループ{t.number}", summary=f"概要{t.number}：こういう意見が多い",
                         answer=f"市の考え方{t.number}：こう考えます", response_category="reflect")
        db.session.add(g)
        db.session.commit()
        comment(t.slug, status="published", body=f"代表的なご意見{t.number}", opinion_group_id=g.id,
                participant=participant("nishi", age_band="60s"), created=datetime(2014, 10, 4 + i))
        groups[t.slug] = g
    return groups


def test_review_document_has_every_topic_group_and_answer(staff, answered, comment):
    client, _ = staff("secretariat")
    comment("roles", status="pending", body="確認待ちのご意見")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/review/document")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for t in db.session.scalars(select(Topic).join(Topic.consultation)
                                .where(Consultation.slug == "kumamoto-ward-offices-h26")):
        assert t.title in html
        assert f"概要{t.number}：こういう意見が多い" in html and f"市の考え方{t.number}：こう考えます" in html
        assert f"代表的なご意見{t.number}" in html  # a quote, published text only
    assert "確認待ちのご意見" not in html  # quotes only from published comments
    assert "ご意見の概要と市の考え方" in html and "賛否の票数ではありません" in html
    assert "【反映する】" in html and "平成26年10月下旬" in html and "令和" in html
    assert html.count('class="document__topic"') == 4
    assert "style=" not in html and "<script" not in html


def test_review_document_xlsx(staff, answered):
    client, user = staff("secretariat")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/review/document.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["概要", "審議事項1", "審議事項2", "審議事項3", "審議事項4"]
    for number in range(1, 5):
        sheet = book[f"審議事項{number}"]
        values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
        assert f"概要{number}：こういう意見が多い" in values and f"市の考え方{number}：こう考えます" in values
        assert "反映する" in values and f"代表的なご意見{number}" in values
    overview = [c.value for row in book["概要"].iter_rows() for c in row if c.value is not None]
    assert any(isinstance(v, str) and "賛否の票数ではありません" in v for v in overview)
    assert db.session.scalar(select(AuditEvent.action)) == "export.document_xlsx"


def test_public_results_wait_for_the_close(client, answered):
    response = client.get("/c/kumamoto-ward-offices-h26/results")
    assert response.status_code == 404 and "まだ公表していません" in response.get_data(as_text=True)
    consultation = db.session.scalar(select(Consultation))
    consultation.phase = "closed"
    db.session.commit()
    response = client.get("/c/kumamoto-ward-offices-h26/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for number in range(1, 5):
        assert f"市の考え方{number}：こう考えます" in html and f"概要{number}：こういう意見が多い" in html
    for receipt in db.session.scalars(select(Comment.receipt_no)):
        assert receipt not in html
    assert "60代" not in html and "区内に住んでいる" not in html  # no personal field
    assert "代表的なご意見" not in html  # aggregates and answers, not individual comments
    # once results are public, the open data carries the confirmed group of each comment
    text = client.get("/c/kumamoto-ward-offices-h26/results/open-data.csv").get_data().decode("utf-8-sig")
    assert "グループ1" in text


def test_results_without_consultation_phase_published(client, answered):
    consultation = db.session.scalar(select(Consultation))
    consultation.phase = "published"
    db.session.commit()
    assert client.get("/c/kumamoto-ward-offices-h26/results").status_code == 200
