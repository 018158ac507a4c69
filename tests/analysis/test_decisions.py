"""Staff decide on a run's suggestions: several accepted together as one opinion group per topic
(merge), finer groups accepted one by one (split) which closes their broad group, a discarded
suggestion reopened, an accepted one reopened only by deleting its opinion group; refusals say why
with a 4xx and make nothing; another consultation's ids are 404; the forms need their CSRF token.
And the run page's switch that counts a copy-paste campaign once."""

import re

from sqlalchemy import func, select

from consult.analysis.models import AnalysisGroup
from consult.audit import AuditEvent
from consult.extensions import db
from consult.participation.models import Comment
from consult.secretariat.models import OpinionGroup
from tests.analysis.planted import PUBCOM, SLUG, plant_run

RUNS = f"/staff/c/{SLUG}/analysis"


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _group(group_id: int) -> AnalysisGroup:
    db.session.expire_all()
    return db.session.get(AnalysisGroup, group_id)


def _opinion_count() -> int:
    return db.session.scalar(select(func.count(OpinionGroup.id)))


def test_two_suggestions_accepted_together_make_one_opinion_group_per_topic(staff):
    p = plant_run()
    c = p.comments
    # c8 is already in a group staff made: it stays there.
    kept = OpinionGroup(topic_id=c["c8"].topic_id, title="職員が作ったグループ", state="confirmed")
    db.session.add(kept)
    db.session.flush()
    c["c8"].opinion_group_id = kept.id
    db.session.commit()
    client, user = staff("secretariat")
    fine, broad = p.groups["1-2"], p.groups["2"]
    response = client.post(f"{RUNS}/{p.run.id}/accept-together",
                           data={"group": [str(fine.id), str(broad.id)], "title": "出張所の手続き"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/analysis/{p.run.id}#g-1-2")
    made = db.session.scalars(select(OpinionGroup).where(OpinionGroup.state == "proposed")
                              .order_by(OpinionGroup.id)).all()
    assert [g.title for g in made] == ["出張所の手続き", "出張所の手続き"]
    members = {g.topic_id: sorted(db.session.scalars(select(Comment.id).where(Comment.opinion_group_id == g.id)))
               for g in made}
    assert members == {c["c4"].topic_id: sorted(c[n].id for n in ("c4", "c5", "c6", "c7")),
                       c["c9"].topic_id: sorted(c[n].id for n in ("c9", "c10"))}
    assert db.session.get(Comment, c["c8"].id).opinion_group_id == kept.id
    # Both suggestions accepted, and both point to the larger topic's group.
    for group in (fine, broad):
        decided = _group(group.id)
        assert decided.decision == "accepted" and decided.opinion_group_id == made[0].id
        assert decided.decided_by_id == user.id
    # The draft 意見の概要 holds the representatives of both, per topic.
    assert made[0].summary.splitlines() == [f"・{c['c4'].body}", f"・{c['c7'].body}"]
    assert made[1].summary.splitlines() == [f"・{c['c9'].body}", f"・{c['c10'].body}"]
    accepts = _events("analysis.accept")
    assert [(e.target_id, e.after["together_with"]) for e in accepts] == [(str(fine.id), ["2"]), (str(broad.id), ["1-2"])]
    assert all(e.after["opinion_group_ids"] == [g.id for g in made] and e.user_id == user.id for e in accepts)
    creates = _events("opinion_group.create")
    assert [e.after["suggestions"] for e in creates] == [["1-2", "2"], ["1-2", "2"]]
    assert len(_events("comment.assign_group")) == 6
    # The page links each accepted suggestion to its opinion group's page.
    html = client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    assert html.count(f'href="/staff/c/{SLUG}/groups/{made[0].id}"') == 2  # 1-2 and 2 (2-1 is closed with 2)
    assert "上のグループ2ごと採用済みです" in html


def test_the_title_is_the_first_suggestions_terms_and_one_alone_is_refused(staff):
    p = plant_run()
    client, _ = staff("secretariat")
    one = client.post(f"{RUNS}/{p.run.id}/accept-together", data={"group": [str(p.groups["1-1"].id)]})
    assert one.status_code == 422 and "2つ以上選んでください" in one.get_data(as_text=True)
    long = client.post(f"{RUNS}/{p.run.id}/accept-together",
                       data={"group": [str(p.groups["1-1"].id), str(p.groups["2"].id)], "title": "長" * 201})
    text = long.get_data(as_text=True)
    assert long.status_code == 422 and "200文字以内" in text
    assert 'name="group" value="%d" id="t-%d" form="together" checked' % (p.groups["2"].id, p.groups["2"].id) in text
    assert _opinion_count() == 0 and _events("analysis.accept") == []
    ok = client.post(f"{RUNS}/{p.run.id}/accept-together",
                     data={"group": [str(p.groups["2"].id), str(p.groups["1-1"].id)], "title": "  "})
    assert ok.status_code == 303
    assert {g.title for g in db.session.scalars(select(OpinionGroup))} == {"出張所・考える"}


def test_split_closes_the_broad_group_and_a_decided_one_is_refused(staff):
    p = plant_run()
    client, _ = staff("secretariat")
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-1'].id}/accept").status_code == 303
    made = _opinion_count()
    # Accepting it again, or discarding it: refused with why.
    again = client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-1'].id}/accept")
    assert again.status_code == 409 and "すでに採用または不採用" in again.get_data(as_text=True)
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-1'].id}/discard").status_code == 409
    # The broad group is split now: neither accepted nor discarded as a whole, nor merged.
    broad = client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1'].id}/accept")
    assert broad.status_code == 409 and "分割済み" in broad.get_data(as_text=True)
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1'].id}/discard").status_code == 409
    merged = client.post(f"{RUNS}/{p.run.id}/accept-together",
                         data={"group": [str(p.groups["1"].id), str(p.groups["2"].id)]})
    assert merged.status_code == 409 and _group(p.groups["2"].id).decision == "open"
    assert _opinion_count() == made
    # Its other finer group still can be accepted: that is the split.
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-2'].id}/accept").status_code == 303
    html = client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    assert "このグループ全体は採用も不採用もできません" in html
    # A broad group accepted closes its finer groups.
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['2'].id}/accept").status_code == 303
    child = client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['2-1'].id}/accept")
    assert child.status_code == 409 and "ごと採用済み" in child.get_data(as_text=True)


def test_a_discarded_suggestion_reopens_an_accepted_one_by_deleting_its_group(staff):
    p = plant_run()
    client, user = staff("secretariat")
    group = p.groups["2"]
    assert client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/discard").status_code == 303
    assert "未決定に戻す" in client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    assert client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/reopen").status_code == 303
    assert _group(group.id).decision == "open" and _group(group.id).decided_at_utc is None
    assert [e.after["decision"] for e in _events("analysis.reopen")] == ["open"]
    assert client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/reopen").status_code == 409  # open already
    # Accepted: not reopened here …
    assert client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/accept").status_code == 303
    refused = client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/reopen")
    assert refused.status_code == 409 and "グループを削除してください" in refused.get_data(as_text=True)
    # … but deleting its opinion group on the group's page reopens it (and frees the comments).
    opinion_id = _group(group.id).opinion_group_id
    others = db.session.scalars(select(OpinionGroup.id).where(OpinionGroup.id != opinion_id)).all()
    assert client.post(f"/staff/c/{SLUG}/groups/{opinion_id}/delete").status_code == 303
    reopened = _group(group.id)
    assert reopened.decision == "open" and reopened.opinion_group_id is None
    assert _events("analysis.reopen")[-1].after["reason"] == "opinion_group.delete"
    # The other topic's group stays; accepting again makes a group only where members are free.
    assert client.post(f"{RUNS}/{p.run.id}/groups/{group.id}/accept").status_code == 303
    assert db.session.scalar(select(func.count(OpinionGroup.id))) == len(others) + 1


def test_merging_the_opinion_group_moves_the_suggestions_link(staff):
    p = plant_run()
    client, _ = staff("secretariat")
    client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-1'].id}/accept")
    client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-2'].id}/accept")
    source, target = _group(p.groups["1-1"].id).opinion_group_id, _group(p.groups["1-2"].id).opinion_group_id
    response = client.post(f"/staff/c/{SLUG}/groups/{source}/merge", data={"target": str(target)})
    assert response.status_code == 303
    assert _group(p.groups["1-1"].id).opinion_group_id == target
    assert _group(p.groups["1-1"].id).decision == "accepted"
    assert [e.after for e in _events("analysis.relink")] == [{"opinion_group_id": target}]


def test_a_suggestion_whose_comments_are_all_grouped_makes_no_empty_group(staff):
    p = plant_run()
    mine = OpinionGroup(topic_id=p.comments["c1"].topic_id, title="職員のグループ", state="confirmed")
    db.session.add(mine)
    db.session.flush()
    for name in ("c1", "c2", "c3"):
        p.comments[name].opinion_group_id = mine.id
    db.session.commit()
    client, _ = staff("secretariat")
    response = client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1-1'].id}/accept")
    assert response.status_code == 409 and "すでに意見グループに入っています" in response.get_data(as_text=True)
    assert _opinion_count() == 1 and _group(p.groups["1-1"].id).decision == "open"


def test_ids_of_another_run_or_consultation_are_404(staff):
    here, there = plant_run(), plant_run(PUBCOM)
    client, _ = staff("secretariat")
    foreign = there.groups["1"]
    assert client.post(f"{RUNS}/{here.run.id}/groups/{foreign.id}/accept").status_code == 404
    assert client.post(f"{RUNS}/{here.run.id}/groups/{foreign.id}/reopen").status_code == 404
    assert client.post(f"{RUNS}/{there.run.id}/accept-together",
                       data={"group": [str(foreign.id), str(there.groups["2"].id)]}).status_code == 404
    mixed = client.post(f"{RUNS}/{here.run.id}/accept-together",
                        data={"group": [str(here.groups["1"].id), str(foreign.id)]})
    assert mixed.status_code == 404
    assert client.post(f"{RUNS}/{here.run.id}/accept-together", data={"group": ["x"]}).status_code == 404
    assert client.get(f"{RUNS}/{here.run.id}?campaigns=twice").status_code == 404
    assert _opinion_count() == 0
    assert {g.decision for g in db.session.scalars(select(AnalysisGroup))} == {"open"}


def test_other_roles_cannot_decide(staff):
    p = plant_run()
    client, _ = staff("facilitator")
    assert client.post(f"{RUNS}/{p.run.id}/accept-together",
                       data={"group": [str(p.groups["1"].id), str(p.groups["2"].id)]}).status_code == 403
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['1'].id}/reopen").status_code == 403


def test_the_forms_need_their_csrf_token(app, staff):
    p = plant_run()
    client, _ = staff("secretariat")
    app.config["WTF_CSRF_ENABLED"] = True
    ids = [str(p.groups["1-1"].id), str(p.groups["2"].id)]
    refused = client.post(f"{RUNS}/{p.run.id}/accept-together", data={"group": ids})
    assert refused.status_code == 400 and _opinion_count() == 0
    assert client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['2'].id}/discard").status_code == 400
    page = client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    form = page.split('id="together"')[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(f"{RUNS}/{p.run.id}/accept-together",
                       data={"group": ids, "csrf_token": token}).status_code == 303
    assert _opinion_count() == 2  # one per topic


def test_the_count_switch_counts_a_campaign_once(staff):
    p = plant_run()
    client, _ = staff("secretariat")

    def heading(html: str, key: str) -> str:
        return re.search(rf'<h3 id="g-{key}-h">(.*?)</h3>', html, re.S).group(1)

    def ward_row(html: str, key: str) -> str:
        section = html.split(f'id="g-{key}"')[1].split("<caption>")[1]
        return re.search(r"中央区</th>\s*<td class=\"num\">([^<]*)</td>", section).group(1)

    per_sender = client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    assert "（7件）" in heading(per_sender, "1") and "（3件）" in heading(per_sender, "1-1")
    assert "うち同じ文面：1組・3件（まとめて数えると5件）" in per_sender
    assert ward_row(per_sender, "1-1").startswith("3（100%）")
    assert 'id="campaigns" name="campaigns" value="once">' in per_sender  # off by default
    once = client.get(f"{RUNS}/{p.run.id}?campaigns=once").get_data(as_text=True)
    assert "（5件）" in heading(once, "1") and "（1件）" in heading(once, "1-1")
    assert "（3件）" in heading(once, "2")  # no campaign: the same either way
    assert ward_row(once, "1").startswith("1（20%）")
    assert "同じ文面1組をそれぞれ1件と数えています（ご意見の数では7件）" in once
    assert 'value="once" checked' in once


def test_the_decisions_and_the_campaign_marks_in_english(staff):
    p = plant_run()
    client, _ = staff("secretariat")
    client.get("/lang?lang=en&next=/staff")
    client.post(f"{RUNS}/{p.run.id}/groups/{p.groups['2'].id}/discard")
    html = client.get(f"{RUNS}/{p.run.id}").get_data(as_text=True)
    for english in ("Count comments with the same text as one", "Accept the selected suggestions together",
                    "Same text among them: 3 comments in 1 campaign(s)", "Reopen", "How to decide on suggestions"):
        assert english in html, english
    for japanese in ("同じ文面はまとめて1件と数える", "選んだ提案をまとめて採用", "未決定に戻す"):
        assert japanese not in html, japanese
    queue = client.get(f"/staff/c/{SLUG}/moderation").get_data(as_text=True)
    assert f"Same text ×3 (analysis #{p.run.id})" in queue and "List the comments with the same text" in queue
