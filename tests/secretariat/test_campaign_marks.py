"""Copy-paste campaigns in moderation: the members of a campaign of the consultation's latest text run
are marked 「同じ文面 ×N（分析 #id）」 with a link listing them, the others are not; the marks of a page
cost the same queries whatever its length; a bad or foreign campaign is refused with a message.
And the group page moves single comments to another group."""

from sqlalchemy import event, select

from consult.analysis.models import AnalysisPoint
from consult.audit import AuditEvent
from consult.extensions import db
from consult.participation.models import Comment
from consult.secretariat.models import OpinionGroup
from tests.analysis.planted import PUBCOM, SLUG, plant_run

QUEUE = f"/staff/c/{SLUG}/moderation"


def _items(html: str) -> dict[str, str]:
    """Each listed comment's <li> by its receipt number."""
    items = {}
    for chunk in html.split('<li class="review-item')[1:]:
        receipt = chunk.split("1件ずつ確認する・伏せ字にして公開する（")[1].split("）")[0]
        items[receipt] = chunk
    return items


def test_campaign_members_are_marked_with_a_link_to_their_list(staff):
    p = plant_run()
    client, _ = staff("secretariat")
    html = client.get(QUEUE).get_data(as_text=True)
    items = _items(html)
    mark = f"同じ文面 ×3（分析 #{p.run.id}）"
    link = f'href="{QUEUE}?campaign={p.run.id}-C1"'
    members = {p.comments[n].receipt_no for n in ("c1", "c2", "c3")}
    assert len(items) == 10
    for receipt, item in items.items():
        assert (mark in item) == (receipt in members), receipt
        assert (link in item) == (receipt in members), receipt
    listed = client.get(f"{QUEUE}?campaign={p.run.id}-C1").get_data(as_text=True)
    assert "確認待ち 3件" in listed and set(_items(listed)) == members
    assert f"同じ文面 ×3（分析 #{p.run.id}）のご意見だけを表示しています" in listed
    assert f'value="{p.run.id}-C1"' in listed  # kept in the filter form, where it can be cleared
    assert f'<input type="hidden" name="campaign" value="{p.run.id}-C1">' in listed  # and through a bulk action


def test_the_latest_text_run_marks_and_bad_campaigns_are_refused(staff):
    old = plant_run()
    client, _ = staff("secretariat")
    # A newer run without campaigns: nothing is marked any more, the old run's list still works.
    newer = plant_run(status="published")
    db.session.execute(AnalysisPoint.__table__.update().where(AnalysisPoint.run_id == newer.run.id)
                       .values(campaign_key=None))
    db.session.commit()
    assert "同じ文面 ×" not in client.get(QUEUE).get_data(as_text=True)
    assert "確認待ち 3件" in client.get(f"{QUEUE}?campaign={old.run.id}-C1").get_data(as_text=True)
    foreign = plant_run(PUBCOM)
    for value in (f"{foreign.run.id}-C1", f"{old.run.id}-C9", "abc", f"{old.run.id}-C1-2"):
        response = client.get(f"{QUEUE}?campaign={value}")
        assert response.status_code == 422, value
        assert "同じ文面の指定が正しくありません" in response.get_data(as_text=True)


def test_the_marks_of_a_page_take_the_same_queries_whatever_its_length(staff, app):
    p = plant_run()
    client, _ = staff("secretariat")
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    def queries() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(QUEUE).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    few = queries()
    # Seven more campaign members on the page.
    db.session.execute(AnalysisPoint.__table__.update().where(AnalysisPoint.run_id == p.run.id)
                       .values(campaign_key="C1"))
    db.session.commit()
    html = client.get(QUEUE).get_data(as_text=True)
    assert html.count("同じ文面 ×3") == 10
    assert queries() == few


def test_the_group_page_moves_single_comments_to_another_group(staff, comment, topic):
    client, user = staff("secretariat")
    here = OpinionGroup(topic=topic("counters"), title="土日の窓口")
    there = OpinionGroup(topic=topic("counters"), title="待ち時間")
    db.session.add_all([here, there])
    db.session.commit()
    one = comment("counters", opinion_group_id=here.id)
    two = comment("counters", opinion_group_id=here.id)
    page = client.get(f"/staff/c/{SLUG}/groups/{here.id}").get_data(as_text=True)
    assert "選んだご意見をほかのグループに移す" in page and f'<option value="{there.id}" lang="ja">待ち時間' in page
    response = client.post(f"/staff/c/{SLUG}/groups/assign",
                           data={"ids": [str(one.id)], "target_group": "none", "return_group": str(here.id),
                                 "move": "1", "move_to": str(there.id)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/groups/{here.id}")
    db.session.expire_all()
    assert db.session.get(Comment, one.id).opinion_group_id == there.id
    assert db.session.get(Comment, two.id).opinion_group_id == here.id
    moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.assign_group")).one()
    assert moved.before == {"opinion_group_id": here.id} and moved.after == {"opinion_group_id": there.id}
    # No group chosen: the group page again, with why; nothing moved.
    refused = client.post(f"/staff/c/{SLUG}/groups/assign",
                          data={"ids": [str(two.id)], "target_group": "none", "return_group": str(here.id),
                                "move": "1", "move_to": ""})
    assert refused.status_code == 422 and "振り分け先の意見グループを選んでください" in refused.get_data(as_text=True)
    assert "土日の窓口" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, two.id).opinion_group_id == here.id
    # The other button still takes comments out of the group.
    client.post(f"/staff/c/{SLUG}/groups/assign",
                data={"ids": [str(two.id)], "target_group": "none", "return_group": str(here.id), "move_to": ""})
    db.session.expire_all()
    assert db.session.get(Comment, two.id).opinion_group_id is None
