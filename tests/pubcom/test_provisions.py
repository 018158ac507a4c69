"""The 条文骨子 parser and importer: anchors from the number path, line-numbered refusals, and a
document stored all or nothing (a revision keeps every anchor and comment)."""

import html
import re
import tomllib

import pytest
from sqlalchemy import func, select

from consult.consultation.models import Consultation, Section, SectionRevision, Topic
from consult.core.errors import InvalidInput
from consult.extensions import db
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no
from consult.pubcom.provisions import (DOCUMENT_SLUG, anchor_for, document_topic, import_document, outline_text,
                                       parse_document)
from consult.seed.loader import DATA_DIR

DOC = """【第33条の後に追加】
第5章 コミュニティ活動
1 コミュニティ活動の連携
地域コミュニティ活動を行う者は、相互に連携するよう努めること。

第6章 区のまちづくり
1 区のまちづくり
1) 区民（※1）及び区の職員は、まちづくりに取り組むこと。
2) 区民及び区の職員は、次のことに留意すること。
①地域の情報を把握する
②地域の課題を的確に把握し、解決に向けて合意形成に努める
2 区の体制の整備等
市長は、体制の整備に努めること。

※1「区民」
区の区域内の住民など。
"""


@pytest.fixture(autouse=True)
def in_a_request(app):
    """The messages are lazy strings: rendered in a request's language."""
    with app.test_request_context():
        yield


def messages(exc) -> list[str]:
    return [str(m) for m in exc.value.errors["document"]]


def test_anchor_for_number_paths():
    assert anchor_for((5,)) == "ch5"
    assert anchor_for((5, 1)) == "ch5-1"
    assert anchor_for((6, 1, 1)) == "ch6-1-1"
    assert anchor_for((6, 1, 2, 2)) == "ch6-1-2-2"
    assert anchor_for(("note", 2)) == "note2"
    with pytest.raises(ValueError):
        anchor_for(())


def test_parse_labels_depths_headings_and_bodies():
    provisions = parse_document(DOC)
    assert [(p.label, p.depth, p.anchor) for p in provisions] == [
        ("第5章", 0, "ch5"), ("1", 1, "ch5-1"), ("第6章", 0, "ch6"), ("1", 1, "ch6-1"), ("1)", 2, "ch6-1-1"),
        ("2)", 2, "ch6-1-2"), ("①", 3, "ch6-1-2-1"), ("②", 3, "ch6-1-2-2"), ("2", 1, "ch6-2"), ("※1", 0, "note1")]
    by = {p.anchor: p for p in provisions}
    assert by["ch5"].heading == "コミュニティ活動" and by["ch5"].body == "【第33条の後に追加】"
    assert by["ch5-1"].heading == "コミュニティ活動の連携" and by["ch5-1"].body.startswith("地域コミュニティ")
    assert by["ch6-1"].body == ""
    assert by["ch6-1-2-2"].heading == "" and by["ch6-1-2-2"].body.startswith("②地域の課題")
    assert by["note1"].heading == "区民" and by["note1"].body == "区の区域内の住民など。"
    assert by["ch6-2"].line == 12


def test_fullwidth_numbers_and_kanji_chapters_are_read():
    provisions = parse_document("第六章　区のまちづくり\n１　区のまちづくり\n１）区民は取り組むこと。\n")
    assert [p.anchor for p in provisions] == ["ch6", "ch6-1", "ch6-1-1"]
    assert provisions[0].heading == "区のまちづくり"


def test_the_seed_outline_gives_the_seed_anchors():
    with open(DATA_DIR / "ordinance.toml", "rb") as fh:
        data = tomllib.load(fh)
    anchors = [p.anchor for p in parse_document(outline_text(data))]
    assert anchors == ["ch5", "ch5-1", "ch6", "ch6-1", "ch6-1-1", "ch6-1-2", "ch6-1-2-1", "ch6-1-2-2",
                       "ch6-1-2-3", "ch6-2", "note1", "note2"]


@pytest.mark.parametrize("text, expected", [
    ("", "空です"),
    ("第6章 区\n1 区\n1) 一\n1) 二\n", "4行目：番号「1)」が2回使われています（最初は3行目）"),
    ("第6章 区\n1 区\n2) 二\n", "3行目：番号が飛んでいます：「2)」の前に項「1)」がありません"),
    ("第6章 区\n1 区\n1) 一\n①あ\n③う\n", "5行目：番号が飛んでいます：「③」の前に号「②」がありません"),
    ("第6章 区\n1) 一\n", "2行目：項「1)」が条文（1、2…）の外にあります"),
    ("第6章 区\n1 区\n①あ\n", "3行目：号「①」が項"),
    ("1 区のまちづくり\n", "1行目：「1 区のまちづくり」は章（第○章）の外にあります"),
    ("前文です\n第6章 区\n", "1行目：番号のない行が"),
    ("第6章 区\n【注記】\n", "2行目：【】の注記は"),
    ("第6章 区\n第5章 前\n", "2行目：番号の順序が逆です"),
    ("第6章 区\n第6章 区\n", "2行目：番号「第6章」が2回使われています"),
    ("※1「区民」\n住民\n※3「三」\nx\n", "3行目：番号が飛んでいます：「※3」の前に注「※2」がありません"),
])
def test_refusals_say_which_line(app, text, expected):
    with pytest.raises(InvalidInput) as exc:
        parse_document(text)
    assert any(expected in m for m in messages(exc)), messages(exc)


@pytest.fixture
def fresh(app):
    consultation = Consultation(slug="test-pubcom", kind="pubcom", title="テスト", phase="open")
    db.session.add(consultation)
    db.session.commit()
    return consultation


def _sections(consultation):
    topic = document_topic(consultation)
    return {s.anchor: s for s in topic.sections} if topic else {}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_creates_the_topic_and_every_provision(fresh):
    counts = import_document(fresh, parse_document(DOC), None, title="テスト条例 改正条文骨子（案）")
    assert counts == {"create": 10, "revise": 0, "unchanged": 0, "remove": 0}
    topic = document_topic(fresh)
    assert (topic.number, topic.slug, topic.title) == (1, DOCUMENT_SLUG, "テスト条例 改正条文骨子（案）")
    sections = topic.sections
    assert [s.anchor for s in sections][:3] == ["ch5", "ch5-1", "ch6"]
    assert sections[7].label == "②" and sections[7].depth == 3
    assert all(len(s.revisions) == 1 for s in sections)


def test_a_revision_keeps_anchors_ids_and_comments(fresh):
    import_document(fresh, parse_document(DOC), None, title="骨子")
    before = {a: s.id for a, s in _sections(fresh).items()}
    target = _sections(fresh)["ch6-1-2-2"]
    db.session.add(Comment(receipt_no=new_receipt_no(), topic_id=target.topic_id, section_id=target.id,
                           section_revision_id=target.current.id, ward_code="chuo", body="意見", status="published"))
    db.session.commit()
    revised = DOC.replace("合意形成に努める", "合意形成に努めること").replace(
        "2 区の体制の整備等", "3) 新しい項を加える。\n2 区の体制の整備等")
    counts = import_document(fresh, parse_document(revised), None, note="第6回委員会を受けて")
    assert counts == {"create": 1, "revise": 1, "unchanged": 9, "remove": 0}
    db.session.expire_all()
    after = _sections(fresh)
    assert {a: after[a].id for a in before} == before  # every anchor kept, every id kept
    assert after["ch6-1-2-2"].current.number == 2
    assert after["ch6-1-2-2"].current.body.endswith("努めること")
    assert after["ch6-1-2-2"].revisions[0].body.endswith("努める")
    assert after["ch6-1-3"].depth == 2
    assert [s.anchor for s in document_topic(fresh).sections].index("ch6-1-3") == 8  # in document order
    assert db.session.scalar(select(Comment.section_id)) == before["ch6-1-2-2"]


def test_a_provision_with_comments_is_not_dropped(fresh):
    import_document(fresh, parse_document(DOC), None, title="骨子")
    target = _sections(fresh)["note1"]
    db.session.add(Comment(receipt_no=new_receipt_no(), topic_id=target.topic_id, section_id=target.id,
                           ward_code="chuo", body="意見", status="pending"))
    db.session.commit()
    revisions = _count(SectionRevision)
    without_note = DOC.split("※1「区民」")[0].replace("体制の整備に努めること", "体制の整備と予算の確保に努めること")
    with pytest.raises(InvalidInput) as exc:
        import_document(fresh, parse_document(without_note), None)
    db.session.rollback()
    assert "ご意見が寄せられているため" in messages(exc)[0]
    assert _count(SectionRevision) == revisions  # the other change was not stored either
    assert "note1" in _sections(fresh)


def test_a_provision_without_comments_is_removed(fresh):
    import_document(fresh, parse_document(DOC), None, title="骨子")
    counts = import_document(fresh, parse_document(DOC.split("※1「区民」")[0]), None)
    assert counts["remove"] == 1
    db.session.expire_all()
    assert "note1" not in _sections(fresh)


@pytest.mark.parametrize("bad", ["第6章 区\n1 区\n1) 一\n1) 二\n", "第6章 区\n1 区\n2) 二\n", ""])
def test_a_bad_document_stores_nothing(fresh, bad):
    topics, sections = _count(Topic), _count(Section)
    with pytest.raises(InvalidInput):
        import_document(fresh, parse_document(bad), None, title="骨子")
    db.session.rollback()
    assert (_count(Topic), _count(Section)) == (topics, sections)


def test_only_a_pubcom_takes_a_document(app):
    deliberation = db.session.scalar(select(Consultation).order_by(Consultation.id))
    with pytest.raises(InvalidInput):
        import_document(deliberation, parse_document(DOC), None, title="骨子")


def test_the_import_is_logged(fresh):
    from consult.audit import AuditEvent

    import_document(fresh, parse_document(DOC), None, title="骨子")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"topic.create", "document.import"} <= actions


def test_staff_edit_the_document_as_text_and_anchors_survive(app, staff):
    from tests.pubcom.conftest import PUBCOM

    client, _user = staff("secretariat")
    page = client.get(f"/staff/c/{PUBCOM}/document")
    assert page.status_code == 200
    text = re.search(r'<textarea[^>]*name="document"[^>]*>(.*?)</textarea>', page.get_data(as_text=True), re.S).group(1)
    text = html.unescape(text).lstrip("\n")
    assert "②地域の課題を的確に把握し" in text
    section = db.session.scalar(select(Section).where(Section.anchor == "ch6-1-2-2"))
    revised = text.replace("②地域の課題を的確に把握し", "②地域の課題を区民とともに把握し")
    done = client.post(f"/staff/c/{PUBCOM}/document", data={"title": "", "document": revised, "note": "説明会の意見"})
    assert done.status_code == 303
    db.session.expire_all()
    same = db.session.scalar(select(Section).where(Section.anchor == "ch6-1-2-2"))
    assert same.id == section.id and len(same.revisions) == 2 and "区民とともに" in same.current.body
    # Broken numbering: the form again with the line, nothing stored.
    broken = revised.replace("③地域コミュニティ", "⑤地域コミュニティ")
    refused = client.post(f"/staff/c/{PUBCOM}/document", data={"title": "", "document": broken, "note": ""})
    assert refused.status_code == 422 and "行目" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.scalar(select(Section).where(Section.anchor == "ch6-1-2-2")).revisions) == 2
    # Not for a facilitator; not for a deliberation.
    facilitator, _f = staff("facilitator")
    assert facilitator.get(f"/staff/c/{PUBCOM}/document").status_code == 403
    assert client.get("/staff/c/kumamoto-ward-offices-h26/document").status_code == 404
