"""A public comment for the result's tests (imported by test_result.py; tests/pubcom/conftest.py is
another area's): consultation pc-test with one document of four nested provisions, opinions by every
way in, 受付台帳 entries with names (that must never show), a briefing, and answered groups."""

from datetime import datetime

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.consultation.models import Consultation, Section, SectionRevision, Topic, Ward
from consult.extensions import db
from consult.participation.models import Comment, Participant
from consult.participation.services import new_receipt_no
from consult.pubcom.models import Briefing, RegisterEntry
from consult.secretariat.models import OpinionGroup

SLUG = "pc-test"
# 令和6年5月1日（水）0:00 JST to 6月1日 0:00 JST: the period ends on 5月31日（金）.
OPEN_UTC = datetime(2024, 4, 30, 15, 0)
CLOSE_UTC = datetime(2024, 5, 31, 15, 0)
SUBMITTER_NAME = "山田花子"
SUBMITTER_ADDRESS = "熊本市中央区手取本町1番1号"

PROVISIONS = [  # label, depth, anchor, heading, body
    ("第6章", 0, "ch6", "区民参加の推進", "区民参加を推進するための章です。"),
    ("1", 1, "ch6-1", "区民の参加", "区民は、区のまちづくりに参加することができます。"),
    ("2)", 2, "ch6-1-2", "区の役割", "区は、区民の参加の機会を設けます。"),
    ("②", 3, "ch6-1-2-2", "情報の提供", "区は、区政に関する情報をわかりやすく提供します。"),
]
REVISED_BODY = "区は、区政に関する情報を速やかに、わかりやすく提供します。"


@pytest.fixture
def pubcom(app):
    """The pc-test consultation (phase published unless changed), returned as a namespace."""
    c = Consultation(kind="pubcom", slug=SLUG, title="熊本市区民参加条例（仮称）骨子案", phase="published",
                     comments_open_at_utc=OPEN_UTC, comments_close_at_utc=CLOSE_UTC,
                     results_published_at_utc=datetime(2024, 7, 1, 1, 0), premoderation=False)
    db.session.add(c)
    db.session.flush()
    topic = Topic(consultation_id=c.id, number=1, slug="document", title="骨子案")
    db.session.add(topic)
    db.session.flush()
    sections = {}
    for position, (label, depth, anchor, heading, body) in enumerate(PROVISIONS):
        s = Section(topic_id=topic.id, anchor=anchor, position=position, label=label, depth=depth)
        s.revisions.append(SectionRevision(number=1, heading=heading, body=body, created_at_utc=datetime(2024, 4, 1)))
        db.session.add(s)
        sections[anchor] = s
    db.session.flush()
    ward = db.session.scalar(select(Ward).order_by(Ward.position).limit(1))

    def opinion(channel, body, section=None, **extra):
        cm = Comment(receipt_no=new_receipt_no(), topic_id=topic.id, section_id=section.id if section else None,
                     ward_code=ward.code, channel=channel, body=body, status=extra.pop("status", "published"), **extra)
        db.session.add(cm)
        return cm

    p1, p2 = Participant(public_id="pc-test-p1"), Participant(public_id="pc-test-p2")
    db.session.add_all([p1, p2])
    db.session.flush()
    post = RegisterEntry(consultation_id=c.id, channel="post", received_on=datetime(2024, 5, 10).date(),
                         name=SUBMITTER_NAME, address=SUBMITTER_ADDRESS, contact="096-000-0000")
    fax = RegisterEntry(consultation_id=c.id, channel="fax", received_on=datetime(2024, 5, 20).date(),
                        name="熊本次郎", address="熊本市東区")
    briefing = Briefing(consultation_id=c.id, ward_id=ward.id, title="中央区説明会", starts_at_utc=datetime(2024, 5, 12, 1),
                        attendance=30)
    db.session.add_all([post, fax, briefing])
    db.session.flush()
    web1 = opinion("web", "参加の方法を増やしてほしい。", sections["ch6-1"], participant_id=p1.id)
    web2 = opinion("web", "情報はすぐに出してほしい。", sections["ch6-1-2-2"], participant_id=p1.id)
    web3 = opinion("web", "全体としてわかりにくい。", participant_id=p2.id)
    opinion("web", "不適切な投稿", participant_id=p2.id, status="hidden")
    post1 = opinion("post", "若い世代の参加を。", sections["ch6-1"], register_entry_id=post.id)
    post2 = opinion("post", "情報公開を早く。", sections["ch6-1-2-2"], register_entry_id=post.id)
    fax1 = opinion("fax", "参加は義務ではないはず。", sections["ch6-1"], register_entry_id=fax.id)
    br1 = opinion("briefing", "説明会をもっと開いて。", briefing_id=briefing.id)
    br2 = opinion("briefing", "区民の定義がわからない。", sections["ch6-1"], briefing_id=briefing.id)
    db.session.flush()

    def group(section, title, summary, answer, category, members, position=0, state="confirmed"):
        g = OpinionGroup(topic_id=topic.id, section_id=section.id if section else None, title=title, summary=summary,
                         answer=answer, response_category=category, position=position, state=state)
        db.session.add(g)
        db.session.flush()
        for m in members:
            m.opinion_group_id = g.id
        return g

    groups = {
        "young": group(sections["ch6-1"], "若い世代", "若い世代が参加しやすい方法を設けてほしい。",
                       "ウェブでの参加を加えました。", "reflect", [web1, post1, br2], position=1),
        "duty": group(sections["ch6-1"], "参加は任意", "参加を義務としないでほしい。",
                      "参加は区民の権利であり、義務ではありません。", "not_reflected", [fax1], position=2),
        "speed": group(sections["ch6-1-2-2"], "情報の速さ", "情報を速やかに提供してほしい。",
                       "「速やかに」を加えました。", "partly", [web2, post2]),
        "whole": group(None, "全体", "骨子全体がわかりにくい。", "解説を添えて公表します。", "other", [web3, br1]),
        "proposed": group(sections["ch6-1"], "未確定", "まだ確定していない概要", "", None, [], state="proposed"),
    }
    # The city revises ② after the period (revision 2).
    sections["ch6-1-2-2"].revisions.append(SectionRevision(number=2, heading="情報の提供", body=REVISED_BODY,
                                                           note="ご意見を受けて修正"))
    db.session.commit()
    return type("Pubcom", (), {"consultation": c, "topic": topic, "sections": sections, "groups": groups,
                               "briefing": briefing, "url": f"/c/{SLUG}"})


@pytest.fixture
def signed_in(app):
    """signed_in("secretariat") → a test client signed in as a new staff member of that role."""
    made = {}

    def sign_in(role: str = "secretariat"):
        made[role] = made.get(role, 0) + 1
        user = create_user(f"result-{role}{made[role]}@example.jp", role, "a long enough password")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client, user

    return sign_in
