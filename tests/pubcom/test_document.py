"""The seed's public comment: its document page, the provision chooser, comments on a provision
and on a passage (quote), refusals, and the quote marked for the secretariat."""

import re

from sqlalchemy import func, select

from consult.consultation.models import Consultation
from consult.extensions import db
from consult.participation.models import Comment
from consult.pubcom.provisions import document_topic
from tests.conftest import valid_comment

from .conftest import DELIBERATION, FORM, PAGE, PUBCOM

PASSAGE = "解決に向けて合意形成に努める"


def _post(client, url, **fields):
    return client.post(url, data={"action": "confirm", **valid_comment(body="この部分に賛成です。", **fields)},
                       follow_redirects=True)


def submit(client, **fields):
    """入力 → 確認 → 完了 on the pubcom's document; return (confirm, done)."""
    confirm = _post(client, FORM, **fields)
    key = re.search(r'name="submission_key" value="([^"]+)"', confirm.get_data(as_text=True))
    data = {**valid_comment(body="この部分に賛成です。", **fields), "submission_key": key.group(1) if key else ""}
    return confirm, client.post(FORM + "/submit", data=data)


def _comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_the_seed_keeps_the_deliberation_first_and_adds_the_pubcom(app):
    first, second = db.session.scalars(select(Consultation).order_by(Consultation.id)).all()
    assert (first.slug, first.kind) == (DELIBERATION, "deliberation")
    assert (second.slug, second.kind, second.phase, second.premoderation) == (PUBCOM, "pubcom", "open", True)
    assert second.comments_open_at_utc.isoformat() == "2014-09-30T15:00:00"  # 2014-10-01 00:00 JST
    assert second.comments_close_at_utc.isoformat() == "2014-10-31T14:59:00"  # 2014-10-31 23:59 JST
    assert "第39条第1項" in second.body and "第5回" in second.body and "第4回定例会上程" in second.body
    topic = document_topic(second)
    assert (topic.number, topic.slug) == (1, "document")
    assert [t.slug for t in second.topics] == ["document"]


def test_the_seed_anchors(app):
    topic = document_topic(db.session.scalar(select(Consultation).where(Consultation.slug == PUBCOM)))
    sections = {s.anchor: s for s in topic.sections}
    assert list(sections) == ["ch5", "ch5-1", "ch6", "ch6-1", "ch6-1-1", "ch6-1-2", "ch6-1-2-1", "ch6-1-2-2",
                              "ch6-1-2-3", "ch6-2", "note1", "note2"]
    assert sections["ch6-1-2-2"].current.body.startswith("②地域の課題")
    assert (sections["ch6-1-2-2"].label, sections["ch6-1-2-2"].depth) == ("②", 3)
    assert (sections["ch6"].label, sections["ch6"].current.heading) == ("第6章", "区のまちづくり")
    assert sections["note1"].current.heading == "区民"


def test_the_seed_stays_idempotent(app, runner):
    result = runner.invoke(args=["seed"])
    assert "nothing to add" in result.output


def test_the_document_page_lists_every_provision_with_its_comment_link(client, seeded_pubcom):
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for section in document_topic(seeded_pubcom).sections:
        assert f'id="{section.anchor}"' in html
        assert f"/comment?section={section.anchor}" in html
    assert html.count(">この条文について意見を書く<span") == len(document_topic(seeded_pubcom).sections)
    assert "第6章 区のまちづくり" in html and "※1「区民」" in html and "②地域の課題" in html
    assert "proposals-heading" not in html and "vote-form" not in html  # no proposals block for a pubcom
    assert "js/passage.js" in html and "条文骨子" in html and "審議事項" not in html


def test_the_form_offers_the_provisions_and_the_whole_document(client, seeded_pubcom):
    html = client.get(FORM + "?section=ch6-1-2-2").get_data(as_text=True)
    assert "どの条文についてのご意見ですか" in html and "骨子全体について" in html
    assert re.search(r'<option lang="ja" value="ch6-1-2-2" selected>第6章 1 2\) ② 地域の課題', html)
    assert '<option lang="ja" value="ch6">第6章 区のまちづくり</option>' in html
    assert 'name="proposal"' not in html and 'name="quote"' not in html  # no quote until one is chosen


def test_a_comment_on_a_provision(client, seeded_pubcom):
    confirm, done = submit(client, section="ch6-2")
    assert "第6章 2 区の体制の整備等" in confirm.get_data(as_text=True)
    assert done.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert comment.section.anchor == "ch6-2" and comment.section_revision_id == comment.section.current.id
    assert comment.quote is None and comment.status == "pending"


def test_a_comment_on_the_whole_document(client, seeded_pubcom):
    _confirm, done = submit(client, section="")
    assert done.status_code == 303
    assert db.session.scalar(select(Comment.section_id)) is None


def test_a_comment_on_a_passage_stores_the_quote(client, seeded_pubcom):
    form = client.get(FORM + "?section=ch6-1-2-2&quote=" + PASSAGE).get_data(as_text=True)
    assert re.search(r'<textarea id="quote" name="quote" rows="3" readonly[^>]*>' + PASSAGE, form)
    confirm, done = submit(client, section="ch6-1-2-2", quote=PASSAGE)
    assert "選んだ部分" in confirm.get_data(as_text=True) and PASSAGE in confirm.get_data(as_text=True)
    assert done.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert (comment.section.anchor, comment.quote) == ("ch6-1-2-2", PASSAGE)


def test_a_passage_is_compared_after_nfkc_and_without_line_breaks(client, seeded_pubcom):
    _confirm, done = submit(client, section="ch6-1-1", quote="区民(※1)及び区の職員は")  # half-width brackets
    assert done.status_code == 303
    _confirm, done = submit(client, section="ch6", quote="第6章 区のまちづくり\n【第6章")  # heading and body
    assert done.status_code == 303
    assert _comments() == 2


def test_a_quote_not_in_the_provision_is_refused_with_what_was_typed_kept(client, seeded_pubcom):
    response = _post(client, FORM, section="ch6-1-2-1", quote=PASSAGE)  # ② 's words, ① chosen
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "選んだ部分が、選ばれている条文の現在の文にありません" in html
    assert "この部分に賛成です。" in html and PASSAGE in html
    assert _comments() == 0


def test_a_quote_too_long_or_without_provision_is_refused(client, seeded_pubcom):
    response = _post(client, FORM, section="ch6-1-2-2", quote="あ" * 501)
    assert response.status_code == 422 and "500文字以内" in response.get_data(as_text=True)
    response = _post(client, FORM, section="", quote=PASSAGE)
    assert response.status_code == 422 and "どの条文のものか分かりません" in response.get_data(as_text=True)
    assert _comments() == 0


def test_dropping_the_quote_without_javascript(client, seeded_pubcom):
    _confirm, done = submit(client, section="ch6-1-2-1", quote=PASSAGE, drop_quote="1")
    assert done.status_code == 303
    assert db.session.scalar(select(Comment.quote)) is None


def test_a_provision_of_the_other_consultation_is_refused(client, seeded_pubcom):
    response = _post(client, FORM, section="issues")  # a section of the deliberation's topic "roles"
    assert response.status_code == 422 and "この論点にない節です" in response.get_data(as_text=True)
    response = _post(client, f"/c/{DELIBERATION}/topics/roles/comment", section="ch6-1-2-2")
    assert response.status_code == 422
    assert client.get(f"/c/{DELIBERATION}/topics/document").status_code == 404
    assert client.get(f"/c/{PUBCOM}/topics/roles").status_code == 404
    assert _comments() == 0


def test_the_moderation_detail_marks_the_quote(client, seeded_pubcom, staff):
    submit(client, section="ch6-1-2-2", quote=PASSAGE)
    comment = db.session.scalar(select(Comment))
    secretariat, _user = staff("secretariat")
    html = secretariat.get(f"/staff/c/{PUBCOM}/moderation/{comment.id}").get_data(as_text=True)
    assert f"②地域の課題を的確に把握し、<mark>{PASSAGE}</mark>" in html
    assert "第6章 1 2) ②" in html


def test_the_deliberation_pages_keep_their_wording(client):
    html = client.get(f"/c/{DELIBERATION}/topics/roles").get_data(as_text=True)
    assert "提案への賛否" in html and "この節に意見を書く" in html and "passage.js" not in html
    form = client.get(f"/c/{DELIBERATION}/topics/roles/comment").get_data(as_text=True)
    assert "どの節についてのご意見ですか" in form and 'name="proposal"' in form
