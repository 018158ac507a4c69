"""A ward workshop from start to end, as a facilitator runs it: prepare, open, phones, paper,
dots, themes, projector, close — and afterwards every note is a comment in the common dataset."""

import re

from sqlalchemy import func, select

from consult.extensions import db
from consult.participation.models import Comment
from consult.audit import AuditEvent
from consult.secretariat.models import OpinionGroup
from consult.workshops import services as ws
from consult.workshops.models import DotVote, Theme, Workshop

from .conftest import join, post_note


def test_whole_life_cycle(app, staff):
    client, facilitator = staff("facilitator")

    # The console is on the staff home, and lists the five seeded October workshops.
    assert "/staff/c/kumamoto-ward-offices-h26/workshops/" in client.get("/staff/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    index = client.get("/staff/c/kumamoto-ward-offices-h26/workshops/").get_data(as_text=True)
    for ward in ("中央区", "東区", "西区", "南区", "北区"):
        assert f"{ward} 市民向けワークショップ" in index

    # Prepare: a new workshop with named tables and two topics.
    topics = [t.id for t in db.session.scalars(select(Workshop)).first().topics][:2]
    response = client.post("/staff/c/kumamoto-ward-offices-h26/workshops/new", data={
        "ward": "higashi", "title": "東区 追加ワークショップ", "venue": "東区役所 会議室",
        "starts_at": "2014-10-13T13:30", "ends_at": "2014-10-13T15:30", "topics": [str(t) for t in topics],
        "table_names": "Aテーブル\nBテーブル\nCテーブル", "dots_per_participant": ""})
    assert response.status_code == 303
    w = db.session.scalar(select(Workshop).where(Workshop.title == "東区 追加ワークショップ"))
    assert [t.name for t in w.tables] == ["Aテーブル", "Bテーブル", "Cテーブル"]
    assert w.dots_per_participant == 3 and w.state == "planned" and w.facilitator_id == facilitator.id
    assert w.starts_at_utc.hour == 4 and w.starts_at_utc.minute == 30  # 13:30 JST = 04:30 UTC
    console = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "平成26年10月13日 13:30–15:30" in console

    # Open: a join code and a QR code.
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/open").status_code == 303
    db.session.refresh(w)
    assert w.state == "open" and re.fullmatch(f"[{ws.CODE_ALPHABET}]{{6}}", w.join_code)
    console = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}").get_data(as_text=True)
    assert w.join_code in console and "<svg" in console and f"/w/{w.join_code}" in console

    # Phones: two participants join and write notes; one note goes in by paper.
    phone1, phone2 = app.test_client(), app.test_client()
    assert join(phone1, w, 0, relation="resident", age_band="40s").status_code == 303
    assert join(phone2, w, 1).status_code == 303
    assert post_note(phone1, w, "出張所の窓口を土曜日も開けてほしい。").status_code == 303
    assert post_note(phone2, w, "区役所でまちづくりの相談ができる場所がほしい。", topic=w.topics[1]).status_code == 303
    paper = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/paper", data={
        "table": str(w.tables[2].id), "topic": str(w.topics[0].id),
        "lines": "待ち時間を短くしてほしい [3]\n・手続きを一か所でできるように"})
    assert paper.status_code == 303

    notes = db.session.scalars(select(Comment).where(Comment.workshop_id == w.id).order_by(Comment.id)).all()
    assert [(c.channel, c.table_id, c.paper_dots) for c in notes] == [
        ("workshop", w.tables[0].id, 0), ("workshop", w.tables[1].id, 0),
        ("paper", w.tables[2].id, 3), ("paper", w.tables[2].id, 0)]
    assert {c.ward_code for c in notes} == {"higashi"}
    assert notes[0].relation == "resident" and notes[0].age_band == "40s"
    assert notes[3].body == "手続きを一か所でできるように"

    # Dots: phone 2 puts two dots on phone 1's note and one on a proposal.
    for _ in range(2):
        assert phone2.post(f"/w/{w.join_code}/dots", data={"target": f"c{notes[0].id}"}).status_code == 303
    proposal = w.topics[0].proposals[0]
    assert phone2.post(f"/w/{w.join_code}/dots", data={"target": f"p{proposal.id}"}).status_code == 303
    assert "残り0個" in phone2.get(f"/w/{w.join_code}/dots").get_data(as_text=True)

    # The projector sees it all.
    live = client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/projector.json").get_json()
    assert live["participants"] == 2 and live["notes_total"] == 4 and live["dots_total"] == 2 + 1 + 3

    # KJ grouping: a theme, and notes moved into it without JavaScript.
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/themes",
                       data={"name": "窓口の利便性", "topic": str(w.topics[0].id)}).status_code == 303
    theme = db.session.scalar(select(Theme).where(Theme.workshop_id == w.id))
    moved = client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/board",
                        data={f"theme-{notes[0].id}": str(theme.id), f"theme-{notes[2].id}": str(theme.id),
                              f"theme-{notes[1].id}": ""})
    assert moved.status_code == 303

    # Close: notes and dots stop; the theme becomes a proposed opinion group holding its notes.
    assert "終了する" in client.get(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").get_data(as_text=True)
    assert client.post(f"/staff/c/kumamoto-ward-offices-h26/workshops/{w.id}/close").status_code == 303
    db.session.refresh(w)
    assert w.state == "closed" and w.closed_at_utc is not None
    group = db.session.scalar(select(OpinionGroup).where(OpinionGroup.source_theme_id == theme.id))
    assert (group.state, group.title, group.topic_id) == ("proposed", "窓口の利便性", w.topics[0].id)
    grouped = db.session.scalars(select(Comment).where(Comment.opinion_group_id == group.id)).all()
    assert sorted(c.id for c in grouped) == [notes[0].id, notes[2].id]
    assert all(c.theme_id == theme.id for c in grouped)
    assert ws.comment_dot_counts([c.id for c in notes]) == {notes[0].id: 2, notes[1].id: 0, notes[2].id: 3,
                                                           notes[3].id: 0}

    late = post_note(phone1, w, "終了後の付箋", key="k" * 20)
    assert late.status_code == 410 and "終了後の付箋" in late.get_data(as_text=True)  # kept, to send by web
    assert phone2.post(f"/w/{w.join_code}/dots/1/remove").status_code == 410
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.workshop_id == w.id)) == 4
    assert db.session.scalar(select(func.count(DotVote.id)).where(DotVote.workshop_id == w.id)) == 3

    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == facilitator.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["workshop.create", "workshop.open", "workshop.paper_add", "workshop.theme_create",
                       "workshop.notes_move", "opinion_group.propose", "workshop.close"]
