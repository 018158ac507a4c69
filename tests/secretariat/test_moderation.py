"""Moderation: publish, hide with a reason, publish a masked copy (the original untouched), bulk
actions, conflicts, and the audit entry each action leaves, readable by admins only."""

from sqlalchemy import select

from consult.extensions import db
from consult.participation.models import Comment
from consult.audit import AuditEvent


def _events(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def _reload(c):
    db.session.expire_all()
    return db.session.get(Comment, c.id)


def test_queue_lists_pending_comments_with_flags(staff, comment):
    client, _ = staff("secretariat")
    comment(body="電話は０９６－３２８－２１１１です。職員はバカ")
    comment(body="公開済みのご意見", status="published")
    html = client.get("/staff/c/kumamoto-ward-offices-h26/moderation").get_data(as_text=True)
    assert "確認待ち 1件" in html
    assert '<mark class="flag flag--phone">０９６－３２８－２１１１' in html
    assert "電話番号らしき記載" in html and "不適切な表現の可能性" in html
    assert "公開済みのご意見" not in html


def test_publish_records_before_and_after(staff, comment):
    client, user = staff("secretariat")
    c = comment()
    page = client.get(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish", "version": version})
    assert response.status_code == 303
    c = _reload(c)
    assert c.status == "published" and c.published_at_utc is not None and c.moderated_by_id == user.id
    [event] = _events("comment.publish")
    assert event.user_id == user.id and event.target_type == "comment" and event.target_id == str(c.id)
    assert event.before["status"] == "pending" and event.after["status"] == "published"
    assert "body" not in event.after  # the citizen's original text is never copied into the log


def test_publish_edited_keeps_the_original(staff, comment):
    client, user = staff("secretariat")
    original = "連絡先は090-1234-5678です。窓口を増やしてほしい。"
    c = comment(body=original)
    page = client.get(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}").get_data(as_text=True)
    assert "連絡先は＊＊＊です。" in page  # the masked text is proposed in the form
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={
        "action": "publish_edited", "body_published": "連絡先は＊＊＊です。窓口を増やしてほしい。"})
    assert response.status_code == 303
    c = _reload(c)
    assert c.body == original
    assert c.body_published == "連絡先は＊＊＊です。窓口を増やしてほしい。"
    assert c.public_text == c.body_published and c.status == "published"
    [event] = _events("comment.publish_edited")
    assert event.before["body_published"] is None
    assert event.after["body_published"] == c.body_published
    topic_page = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "連絡先は＊＊＊です。" in topic_page and "090-1234-5678" not in topic_page


def test_hide_needs_a_reason(staff, comment):
    client, _ = staff("secretariat")
    c = comment()
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": ""})
    assert response.status_code == 422
    assert "非公開にする理由を選んでください" in response.get_data(as_text=True)
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": "other"})
    assert response.status_code == 422
    assert "補足に書いてください" in response.get_data(as_text=True)
    assert _reload(c).status == "pending" and _events() == []

    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": "personal",
                                                             "note": "氏名を含む"})
    assert response.status_code == 303
    c = _reload(c)
    assert c.status == "hidden" and c.hidden_reason == "個人情報が含まれているため：氏名を含む"
    [event] = _events("comment.hide")
    assert event.after["hidden_reason"] == c.hidden_reason and event.before["hidden_reason"] is None


def test_empty_edited_text_is_refused(staff, comment):
    client, _ = staff("secretariat")
    c = comment()
    response = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish_edited", "body_published": "  "})
    assert response.status_code == 422
    assert "公開する文を入力してください" in response.get_data(as_text=True)
    assert _reload(c).status == "pending"


def test_a_stale_page_cannot_overwrite_another_moderators_decision(staff, comment):
    first, _ = staff("secretariat")
    second, _ = staff("admin")
    c = comment()
    page = second.get(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}").get_data(as_text=True)
    stale = page.split('name="version" value="')[1].split('"')[0]
    first.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": "abusive"})
    response = second.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish", "version": stale})
    assert response.status_code == 409
    assert "ほかの職員が操作しました" in response.get_data(as_text=True)
    assert _reload(c).status == "hidden"


def test_bulk_publish_and_hide(staff, comment):
    client, user = staff("secretariat")
    a, b, c = comment(), comment(), comment()
    done = comment(status="published")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": [str(a.id), str(b.id), str(done.id)],
                                                           "action": "publish"})
    assert response.status_code == 303
    assert [_reload(x).status for x in (a, b, c)] == ["published", "published", "pending"]
    assert len(_events("comment.publish")) == 2  # the already published one is left alone
    assert all(e.note == "bulk" and e.user_id == user.id for e in _events("comment.publish"))

    response = client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": [str(c.id)], "action": "hide"})
    assert response.status_code == 422
    assert "非公開にする理由を選んでください" in response.get_data(as_text=True)
    response = client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": [str(c.id)], "action": "hide",
                                                           "reason": "duplicate"})
    assert response.status_code == 303
    assert _reload(c).status == "hidden" and _reload(c).hidden_reason == "同じ内容の重複投稿のため"


def test_bulk_refuses_bad_input(staff, comment):
    client, _ = staff("secretariat")
    assert client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"action": "publish"}).status_code == 422
    response = client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": ["x1"], "action": "publish"})
    assert response.status_code == 422 and "指定が正しくありません" in response.get_data(as_text=True)
    c = comment()
    assert client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": [str(c.id)], "action": "delete"}).status_code == 422


def test_unknown_comment_is_404(staff):
    client, _ = staff("secretariat")
    assert client.get("/staff/c/kumamoto-ward-offices-h26/moderation/999999").status_code == 404
    assert client.post("/staff/c/kumamoto-ward-offices-h26/moderation/999999", data={"action": "publish"}).status_code == 404


def test_audit_log_is_for_admins_only(staff, comment):
    secretariat, _ = staff("secretariat")
    admin, _ = staff("admin")
    facilitator, _ = staff("facilitator")
    c = comment()
    secretariat.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "hide", "reason": "offtopic"})
    assert secretariat.get("/staff/audit").status_code == 403
    assert facilitator.get("/staff/audit").status_code == 403
    assert facilitator.get("/staff/c/kumamoto-ward-offices-h26/moderation").status_code == 403
    html = admin.get(f"/staff/audit?target_type=comment&target_id={c.id}").get_data(as_text=True)
    assert "comment.hide" in html and "secretariat1@example.jp" in html
    assert "意見募集の内容と関係がないため" in html
    assert "1件" in html


def test_names_with_honorifics_are_flagged_and_masked():
    from consult.secretariat.flags import find_flags, mask

    text = "区役所の山田さんと担当の田中様に相談しました。皆さん、お客様、職員さん、町内会長さんは名前ではありません。"
    assert [(f.kind, f.text) for f in find_flags(text)] == [("name", "山田さん"), ("name", "田中様")]
    assert mask(text).startswith("区役所の＊＊＊さんと担当の＊＊＊様に相談しました。皆さん")


def test_masked_publication_comes_first_and_a_flagged_original_needs_a_reason(staff, comment):
    client, user = staff("secretariat")
    c = comment(body="区役所の山田さんが親切でした。")
    page = client.get(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}").get_data(as_text=True)
    actions = page[page.index('id="actions-h"'):]
    assert actions.index('value="publish_edited"') < actions.index('value="hide"') < actions.index('value="publish"')
    assert "人名らしき記載" in page and "区役所の＊＊＊さんが親切でした。" in page
    version = page.split('name="version" value="')[1].split('"')[0]
    refused = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish", "version": version})
    assert refused.status_code == 422 and "確認の欄に印を付けてください" in refused.get_data(as_text=True)
    no_reason = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish", "version": version,
                                                                "confirm_original": "1"})
    assert no_reason.status_code == 422 and "理由を書いてください" in no_reason.get_data(as_text=True)
    assert _reload(c).status == "pending"
    done = client.post(f"/staff/c/kumamoto-ward-offices-h26/moderation/{c.id}", data={"action": "publish", "version": version,
                                                           "confirm_original": "1",
                                                           "reason_original": "「山田さん」は区役所の窓口の愛称です"})
    assert done.status_code == 303 and _reload(c).status == "published"
    [event] = _events("comment.publish")
    assert event.note == "「山田さん」は区役所の窓口の愛称です"


def test_bulk_publication_masks_what_looks_personal(staff, comment):
    client, _user = staff("secretariat")
    flagged = comment(body="電話は096-328-2111の山田さんまで")
    plain = comment(body="窓口を土曜日にも開けてほしい")
    response = client.post("/staff/c/kumamoto-ward-offices-h26/moderation/bulk", data={"ids": [str(flagged.id), str(plain.id)], "action": "publish"})
    assert response.status_code == 303
    flagged, plain = _reload(flagged), _reload(plain)
    assert flagged.status == plain.status == "published"
    assert flagged.body == "電話は096-328-2111の山田さんまで"  # the original as received
    assert "096" not in flagged.public_text and "山田" not in flagged.public_text
    assert plain.body_published is None and plain.public_text == plain.body
    [masked] = _events("comment.publish_edited")
    assert masked.note == "bulk, masked"
