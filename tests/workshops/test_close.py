"""Closing: no more notes or dots; every note a comment with ward, table and theme; themes become
proposed opinion groups for the secretariat."""

from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment
from consult.audit import AuditEvent
from consult.secretariat.models import OpinionGroup
from consult.workshops import services as ws
from consult.workshops.models import DotVote, Theme

from .conftest import join, post_note


def test_close_turns_themes_into_proposed_opinion_groups(app, staff, workshop):
    client, user = staff("facilitator")
    w = workshop("ws-nishi", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w, 6)
    post_note(phone, w, "区の予算を住民が決める", topic=w.topics[2])
    post_note(phone, w, "窓口の統一", topic=w.topics[3])
    post_note(phone, w, "どこにも入らない付箋", topic=w.topics[3])
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data={"table": str(w.tables[0].id), "topic": str(w.topics[2].id),
                                                         "lines": "地域の課題を区で解決 [6]"})
    a, b, loose, paper = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    for name, topic in (("区の裁量", w.topics[2]), ("窓口", w.topics[3]), ("空のテーマ", w.topics[0])):
        client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes", data={"name": name, "topic": str(topic.id)})
    t1, t2, t3 = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board",
                data={f"theme-{a.id}": str(t1.id), f"theme-{paper.id}": str(t1.id), f"theme-{b.id}": str(t2.id)})
    # The secretariat had already placed one note in a group of its own: that stays.
    own = OpinionGroup(topic_id=w.topics[3].id, title="事務局のまとまり")
    db.session.add(own)
    db.session.flush()
    db.session.get(Comment, b.id).opinion_group_id = own.id
    db.session.commit()
    phone.post(f"/w/{w.join_code}/dots", data={"target": f"c{paper.id}"})

    page = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").get_data(as_text=True)
    assert "テーマに入っていない付箋が1枚あります" in page
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 303

    groups = db.session.scalars(select(OpinionGroup).where(OpinionGroup.state == "proposed")
                                .order_by(OpinionGroup.position)).all()
    assert [(g.title, g.topic_id, g.source_theme_id) for g in groups] == [
        ("区の裁量", w.topics[2].id, t1.id), ("窓口", w.topics[3].id, t2.id), ("空のテーマ", w.topics[0].id, t3.id)]
    rows = {c.id: c for c in db.session.scalars(select(Comment))}
    assert (rows[a.id].opinion_group_id, rows[paper.id].opinion_group_id) == (groups[0].id, groups[0].id)
    assert rows[b.id].opinion_group_id == own.id and rows[loose.id].opinion_group_id is None
    assert {(c.ward_code, c.workshop_id) for c in rows.values()} == {("nishi", w.id)}
    assert all(c.table_id is not None for c in rows.values())
    assert ws.comment_dot_counts(rows) == {a.id: 0, b.id: 0, loose.id: 0, paper.id: 7}

    closes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "workshop.close")).all()
    assert len(closes) == 1 and closes[0].after["state"] == "closed" and closes[0].after["notes"] == 4
    assert closes[0].after["opinion_groups"] == [g.id for g in groups]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "opinion_group.propose")) == 3

    # Closing twice changes nothing; nothing more comes in.
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 303
    assert db.session.scalar(select(func.count(OpinionGroup.id)).where(OpinionGroup.state == "proposed")) == 3
    assert post_note(phone, w, "終了後", key="x" * 20).status_code == 410
    assert phone.post(f"/w/{w.join_code}/dots", data={"target": f"c{a.id}"}).status_code == 410
    assert db.session.scalar(select(func.count(DotVote.id))) == 1
    console = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").get_data(as_text=True)
    assert "終了" in console and "プロジェクター表示" not in console


def test_closed_workshop_notes_count_with_web_comments(app, staff, workshop):
    """Workshop notes are ordinary comments: once published they show with the web's."""
    from consult.participation.reading import published_page

    client, user = staff("facilitator")
    w = workshop("ws-nishi", facilitator=user, open=True)
    phone = app.test_client()
    join(phone, w)
    post_note(phone, w, "公開される付箋", topic=w.topics[0])
    ws.close_workshop(w, user)
    comment = db.session.scalar(select(Comment))
    comment.status = "published"
    db.session.commit()
    rows, total = published_page(topic=w.topics[0], ward_code="nishi")
    assert total == 1 and rows[0][0].channel == "workshop"
