"""Sections of the interim summary: add, revise (a new revision each save), reorder, retire; history,
diffs, the public history page; comments stay tied to the revision they answered."""

import re

from sqlalchemy import select

from consult.consultation.models import Section, SectionRevision
from consult.editing import revisions
from consult.extensions import db
from consult.participation.models import Comment
from tests.conftest import confirm_and_submit


def _section(topic, slug="counters", anchor="issues") -> Section:
    return next(s for s in topic(slug).sections if s.anchor == anchor)


def _revise(client, section, heading=None, body=None, note="", base=None):
    current = section.current
    return client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}", data={
        "heading": heading if heading is not None else current.heading,
        "body": body if body is not None else current.body, "note": note,
        "base_revision": str(base if base is not None else current.number), "action": "save"})


def test_revising_a_section_makes_a_new_revision_and_an_audit_entry(staff, events, client, topic):
    staff_client, user = staff()
    section = _section(topic)
    section_id, anchor = section.id, section.anchor
    response = _revise(staff_client, section, heading="主な課題（改訂）", body="改訂後の**本文**です。", note="第4回の議論を反映")
    assert response.status_code == 303
    db.session.expire_all()
    section = db.session.get(Section, section_id)
    assert [r.number for r in section.revisions] == [1, 2]
    current = section.current
    assert current.heading == "主な課題（改訂）" and current.note == "第4回の議論を反映"
    assert current.created_by_id == user.id
    assert section.anchor == anchor  # never changes
    [event] = events("section.revise")
    assert event.user_id == user.id and event.target_type == "section" and event.target_id == str(section_id)
    assert event.before["revision"] == 1 and event.after["revision"] == 2
    assert event.after["body"] == "改訂後の**本文**です。" and event.before["heading"] == "主な課題"

    html = client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    assert re.search(r'<section id="issues"[^>]*>\s*<h3 id="issues-h"[^>]*>主な課題（改訂）</h3>', html)
    assert "改訂後の<strong>本文</strong>です。" in html and "第2版" in html
    assert "/c/kumamoto-ward-offices-h26/topics/counters/sections/issues/history" in html


def test_saving_unchanged_text_makes_no_revision(staff, events, topic):
    client, _user = staff()
    section = _section(topic)
    response = _revise(client, section)
    assert response.status_code == 303
    assert len(db.session.scalars(select(SectionRevision).where(SectionRevision.section_id == section.id)).all()) == 1
    assert events("section.revise") == []


def test_a_stale_edit_is_refused_and_keeps_the_text(staff, events, topic):
    client, _user = staff()
    section = _section(topic)
    assert _revise(client, section, body="最初の保存").status_code == 303
    response = _revise(client, section, body="古い版から書いた本文", base=1)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "別の職員がこの節を保存しました" in html and "古い版から書いた本文" in html
    assert len(events("section.revise")) == 1


def test_invalid_section_edit(staff, topic):
    client, _user = staff()
    section = _section(topic)
    response = _revise(client, section, heading="", body="本文\x07ベル")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "見出しを入力してください。" in html and "制御文字" in html
    assert client.get("/staff/c/kumamoto-ward-offices-h26/sections/999999").status_code == 404


def test_preview_shows_the_sanitised_text_without_saving(staff, events, topic):
    client, _user = staff()
    section = _section(topic)
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}", data={
        "heading": "見出し", "body": "- 項目\n\n<script>alert(1)</script>", "base_revision": "1", "action": "preview"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<li>項目</li>" in html and "<script>alert(1)</script>" not in html
    assert events() == []


def test_adding_a_section_gets_a_unique_ascii_anchor(staff, events, client, topic):
    staff_client, _user = staff()
    for n in (1, 2):
        response = staff_client.post("/staff/c/kumamoto-ward-offices-h26/topics/roles/sections/new", data={
            "heading": f"追加の節{n}", "body": "追加の本文", "note": "", "anchor": "", "action": "save"})
        assert response.status_code == 303
    anchors = [s.anchor for s in topic("roles").sections]
    new = anchors[-2:]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", a) for a in new)
    assert [e.after["anchor"] for e in events("section.create")] == new
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert f'id="{new[0]}"' in html and "追加の節2" in html


def test_a_chosen_anchor_must_be_free_and_ascii(staff, topic):
    client, _user = staff()
    for anchor, message in (("issues", "すでに使われています"), ("課題", "半角の英小文字"), ("9lives", "半角の英小文字")):
        response = client.post("/staff/c/kumamoto-ward-offices-h26/topics/roles/sections/new", data={
            "heading": "見出し", "body": "本文", "anchor": anchor, "action": "save"})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    ok = client.post("/staff/c/kumamoto-ward-offices-h26/topics/roles/sections/new", data={
        "heading": "見出し", "body": "本文", "anchor": "ward-budget", "action": "save"})
    assert ok.status_code == 303
    assert topic("roles").sections[-1].anchor == "ward-budget"


def test_reorder_retire_and_restore(staff, events, client, topic):
    staff_client, _user = staff()
    sections = topic("roles").sections
    first, second = sections[0], sections[1]
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{second.id}/move", data={"direction": "up"}).status_code == 303
    db.session.expire_all()
    assert [s.anchor for s in topic("roles").sections][:2] == [second.anchor, first.anchor]
    assert events("section.move")[0].after["positions"][second.anchor] == 1
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert html.index(f'id="{second.anchor}"') < html.index(f'id="{first.anchor}"')

    # the top one cannot go further up: nothing changes, nothing logged
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{second.id}/move", data={"direction": "up"}).status_code == 303
    assert len(events("section.move")) == 1

    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{first.id}/retire").status_code == 303
    assert events("section.retire")[0].after["retired_at_utc"] is not None
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert f'id="{first.anchor}"' not in html
    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{first.id}/retire").status_code == 409

    assert staff_client.post(f"/staff/c/kumamoto-ward-offices-h26/sections/{first.id}/restore").status_code == 303
    assert events("section.restore")
    assert f'id="{first.anchor}"' in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)


def test_a_comment_stays_with_the_revision_it_answered(staff, client, topic):
    _confirm, done = confirm_and_submit(client, "counters", section="issues", body="第1版の課題への意見です。")
    assert done.status_code == 303
    comment = db.session.scalar(select(Comment).where(Comment.body == "第1版の課題への意見です。"))
    comment.status = "published"
    db.session.commit()
    section = _section(topic)
    staff_client, _user = staff()
    assert _revise(staff_client, section, body="改訂した本文").status_code == 303
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.section_id == section.id and comment.section_revision.number == 1
    assert comment.section.current.number == 2

    public = client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    assert "第1版への意見" in public
    history = staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/history").get_data(as_text=True)
    assert "第1版への意見" in history and comment.receipt_no in history and "以前の版" in history

    # a new comment answers the new revision
    confirm_and_submit(client, "counters", section="issues", body="第2版への新しい意見です。")
    newer = db.session.scalar(select(Comment).where(Comment.body == "第2版への新しい意見です。"))
    assert newer.section_revision.number == 2


def test_history_and_diff_between_any_two_revisions(staff, client, topic):
    staff_client, _user = staff()
    section = _section(topic)
    original = section.current.body
    _revise(staff_client, section, body=original.replace("出張所", "支所"), note="用語の統一")
    _revise(staff_client, section, heading="主な課題（第3版）", body=original + "\n\n新しい段落を追加しました。")
    history = staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/history")
    assert history.status_code == 200
    html = history.get_data(as_text=True)
    assert "第3版" in html and "用語の統一" in html and "secretariat" in html

    diff = staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/diff?a=1&b=2")
    assert diff.status_code == 200
    html = diff.get_data(as_text=True)
    assert "<del>" in html and "<ins>" in html
    assert "変更前" in html and "変更後" in html  # said in words, not by colour alone
    assert "［削除：" in html and "［追加：" in html
    assert re.search(r"<ins><span[^>]*>［追加：</span>支", html)

    html = staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/diff?a=3&b=1").get_data(as_text=True)
    assert "第1版 → 第3版" in html and "見出しの変更あり" in html and "新しい段落を追加しました。" in html
    assert staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/diff?a=1&b=9").status_code == 404
    assert staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/diff?a=x").status_code == 404
    assert staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/revisions/1").status_code == 200
    assert staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/revisions/7").status_code == 404

    public = client.get("/c/kumamoto-ward-offices-h26/topics/counters/sections/issues/history")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "第3版" in html and "用語の統一" in html and "<ins>" in html
    assert "secretariat" not in html  # staff names stay on the staff side
    assert client.get("/c/kumamoto-ward-offices-h26/topics/counters/sections/nothing/history").status_code == 404
    assert client.get("/c/kumamoto-ward-offices-h26/topics/counters/sections/issues/history?a=0").status_code == 404


def test_line_and_character_diff():
    class R:
        def __init__(self, number, heading, body):
            self.number, self.heading, self.body = number, heading, body

    diff = revisions.compare(R(1, "現状", "一行目\n二行目は古い\n三行目"), R(2, "現状と課題", "一行目\n二行目は新しい\n三行目\n四行目"))
    kinds = [line.kind for line in diff.lines]
    assert kinds == ["equal", "old", "new", "equal", "insert"]
    old = diff.lines[1].segments
    assert [(s.kind, s.text) for s in old] == [("equal", "二行目は"), ("delete", "古"), ("equal", "い")]
    assert diff.heading_changed and diff.added == 2 and diff.removed == 1
    long = "\n".join(f"行{i}" for i in range(30))
    folded = revisions.line_diff(long, long.replace("行15", "行十五"))
    assert folded[0].kind == "skip" and folded[-1].kind == "skip"
    assert sum(1 for line in folded if line.kind == "equal") == 6


def test_markdown_that_breaks_nothing(staff, client, topic):
    staff_client, _user = staff()
    section = _section(topic)
    nasty = "```\n未完のコード\n\n[リンク](\n\n> > > > > > > > > > 深い引用\n\n| 表 | だけ\n<img src=x onerror=alert(1)>\n<script>alert('x')</script>"
    assert _revise(staff_client, section, body=nasty).status_code == 303
    public = client.get("/c/kumamoto-ward-offices-h26/topics/counters")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "<script>alert('x')</script>" not in html and "<img src=x" not in html
    assert staff_client.get(f"/staff/c/kumamoto-ward-offices-h26/sections/{section.id}/diff?a=1&b=2").status_code == 200


def test_public_history_with_odd_input(client):
    from tests.security.test_hostile_input import PAYLOADS

    for payload in PAYLOADS:
        nul = "\x00" in payload  # refused before any view
        response = client.get("/c/kumamoto-ward-offices-h26/topics/counters/sections/issues/history", query_string={"a": payload, "b": payload})
        assert response.status_code == (400 if nul else 404)
        nul_in_path = nul or "%00" in payload  # a path is percent-decoded
        response = client.get(f"/c/kumamoto-ward-offices-h26/topics/counters/sections/{payload[:40]}/history")
        assert response.status_code in ((400,) if nul_in_path else (404, 308)), payload
        response = client.get(f"/c/kumamoto-ward-offices-h26/topics/{payload[:40]}/sections/issues/history")
        assert response.status_code in ((400,) if nul_in_path else (404, 308)), payload
