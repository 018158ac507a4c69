"""Public pages: home with its timeline, topic pages with stable section anchors, filters, errors."""

import re

from sqlalchemy import select

from consult.consultation.models import SectionRevision
from consult.extensions import db
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no


def test_home_lists_the_four_topics_and_the_timeline(client):
    html = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert '<html lang="ja">' in html
    for title in ("区役所・本庁の責務、役割", "区役所と本庁の役割分担、連携",
                  "区役所等におけるまちづくりの取り組み、体制、支援の在り方", "区役所等における行政窓口の在り方"):
        assert title in html
    assert "平成26年5月15日（2014年5月15日）" in html  # 第1回, 和暦 and 西暦
    assert "平成26年10月上旬～中旬（2014年10月上旬～中旬）" in html  # the workshops
    assert "平成26年11月中旬" in html  # 第6回
    timeline = html[html.index('id="timeline-heading"'):]
    assert timeline.index("第4回検討会") < timeline.index("市民向けワークショップ") < timeline.index("第5回検討会")
    assert "意見募集中" in html


def test_topic_page_has_linkable_sections_and_proposals(client):
    html = client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    for anchor in ("current", "issues", "direction"):
        assert f'id="{anchor}"' in html
        assert f'href="#{anchor}"' in html
    assert 'id="proposal-unify-branch-services"' in html
    assert "見本" in html  # the sample-draft notice


def test_a_revised_section_keeps_its_anchor_and_history(client, topic, participant):
    section = next(s for s in topic("counters").sections if s.anchor == "issues")
    section_id, first = section.id, section.current
    comment = Comment(receipt_no=new_receipt_no(), topic=section.topic, section=section, section_revision=first,
                      ward_code="chuo", relation="resident", body="第1版への意見", participant=participant())
    db.session.add(comment)
    db.session.add(SectionRevision(section=section, number=2, heading="主な課題（改訂）", body="改訂後の本文です。"))
    db.session.commit()

    html = client.get("/c/kumamoto-ward-offices-h26/topics/counters").get_data(as_text=True)
    assert re.search(r'<section id="issues"[^>]*>\s*<h3 id="issues-h"[^>]*>主な課題（改訂）</h3>', html)
    assert "改訂後の本文です。" in html and "第2版" in html
    revisions = db.session.scalars(select(SectionRevision).where(SectionRevision.section_id == section_id)
                                   .order_by(SectionRevision.number)).all()
    assert [r.number for r in revisions] == [1, 2]  # the earlier text is kept
    db.session.refresh(comment)
    assert comment.section_id == section_id and comment.section_revision.number == 1


def test_published_comments_filter_by_ward(client, topic, participant):
    p = participant()
    for ward, body in (("chuo", "中央区からの意見"), ("kita", "北区からの意見")):
        db.session.add(Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code=ward, body=body,
                               status="published", relation="resident", participant=p))
    db.session.commit()
    everything = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "中央区からの意見" in everything and "北区からの意見" in everything
    only_kita = client.get("/c/kumamoto-ward-offices-h26/topics/roles?ward=kita").get_data(as_text=True)
    assert "北区からの意見" in only_kita and "中央区からの意見" not in only_kita
    assert "1件のご意見" in only_kita


def test_markdown_in_sections_is_sanitised(client, topic):
    section = topic("roles").sections[0]
    db.session.add(SectionRevision(section=section, number=2, heading="見出し",
                                   body="**強調**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"))
    db.session.commit()
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "<strong>強調</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, inert
    assert 'href="javascript' not in html


def test_unknown_pages_are_404(client):
    response = client.get("/c/kumamoto-ward-offices-h26/topics/nope")
    assert response.status_code == 404
    assert "見つかりませんでした" in response.get_data(as_text=True)
    assert client.get("/reference/nope").status_code == 404


def test_privacy_notice(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "個人情報の取扱い" in html and "クッキー" in html


def test_language_switch(client):
    response = client.get("/lang?lang=en&next=/topics/roles")
    assert response.status_code == 302 and response.headers["Location"] == "/topics/roles"  # the old URL, which redirects
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Interim summary" in html
    assert "Duties and roles of ward offices and headquarters" in html
    back = client.get("/lang?lang=ja&next=/")
    assert back.status_code == 302
    assert '<html lang="ja">' in client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.get("/lang", query_string={"lang": "en", "next": target})
        assert response.headers["Location"] == "/"


def test_security_headers(client):
    headers = client.get("/c/kumamoto-ward-offices-h26/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_site_has_a_favicon(client):
    page = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    ico = client.get("/favicon.ico")
    assert ico.status_code == 301 and ico.headers["Location"].endswith("/static/img/favicon.svg")
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_the_profile_question_says_relation_to_the_ward(client):
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "区との関わり" in html and "区と関わり" not in html.replace("区との関わり", "")
