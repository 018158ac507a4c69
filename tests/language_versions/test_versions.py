"""やさしい日本語 and English versions of what staff wrote: written on one page per topic, shown
where the visitor chose them, the original everywhere else."""

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultation.models import SectionRevision, Topic
from consult.extensions import db
from consult.language_versions.models import LanguageVersion

EDIT = "/staff/c/kumamoto-ward-offices-h26/topics/roles/versions"
PUBLIC = "/c/kumamoto-ward-offices-h26/topics/roles"


def _topic():
    return db.session.scalar(select(Topic).where(Topic.slug == "roles"))


def _first(topic):
    section = next(s for s in topic.sections if s.retired_at_utc is None)
    proposal = next(p for p in topic.proposals if p.withdrawn_at_utc is None)
    return section, proposal


def test_easy_and_english_versions_show_where_chosen(client, staff):
    signed, _ = staff("secretariat")
    topic = _topic()
    section, proposal = _first(topic)
    original_heading = section.current.heading
    response = signed.post(EDIT, data={
        f"section-{section.id}-easy-title": "くやくしょの しごと",
        f"section-{section.id}-easy-body": "くやくしょは **まどぐち** です。",
        f"proposal-{proposal.id}-en-body": "Ward offices should keep their counters.",
        f"topic-{topic.id}-easy-title": "くやくしょの やくわり",
    })
    assert response.status_code == 303
    assert db.session.scalar(select(db.func.count(LanguageVersion.id))) == 3
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            ].count("language_version.update") == 3

    page = client.get(PUBLIC).get_data(as_text=True)  # the original by default
    assert original_heading in page and "くやくしょの しごと" not in page

    client.get("/easy?on=1&next=/")
    page = client.get(PUBLIC).get_data(as_text=True)
    assert '<h3 id="%s-h" lang="ja">くやくしょの しごと</h3>' % section.anchor in page
    assert "<strong>まどぐち</strong>" in page  # Markdown, sanitised as the original's is
    assert '<h1 lang="ja">くやくしょの やくわり</h1>' in page
    assert "やさしい日本語で書いた文があるところは" in page
    assert proposal.text in page  # no やさしい日本語 for the proposal: its original
    client.get("/easy?on=0&next=/")

    page = client.get(PUBLIC + "?lang=en").get_data(as_text=True)
    assert 'lang="en">Ward offices should keep their counters.</h3>' in page
    assert f'lang="ja">{original_heading}</h3>' in page  # no English heading: the original, marked Japanese


def test_emptying_a_version_deletes_it_and_unchanged_saves_change_nothing(staff):
    signed, _ = staff("secretariat")
    topic = _topic()
    _section, proposal = _first(topic)
    name = f"proposal-{proposal.id}-easy-body"
    signed.post(EDIT, data={name: "まどぐちを のこします。"})
    events = db.session.scalar(select(db.func.count(AuditEvent.id)))
    page = signed.post(EDIT, data={name: "まどぐちを のこします。"}, follow_redirects=True).get_data(as_text=True)
    assert "変更はありませんでした" in page
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == events
    signed.post(EDIT, data={name: ""})
    assert db.session.scalar(select(LanguageVersion)) is None


def test_wrong_input_is_refused_and_kept(staff):
    signed, _ = staff("secretariat")
    topic = _topic()
    section, _proposal = _first(topic)
    response = signed.post(EDIT, data={f"section-{section.id}-easy-title": "みだしだけ",
                                       f"topic-{topic.id}-en-title": "x" * 201})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "見出しと本文の両方を書いてください" in page and "200文字以内" in page
    assert 'value="みだしだけ"' in page
    assert db.session.scalar(select(LanguageVersion)) is None


def test_a_revised_section_marks_its_version_out_of_date_for_staff(staff):
    signed, user = staff("secretariat")
    topic = _topic()
    section, _ = _first(topic)
    signed.post(EDIT, data={f"section-{section.id}-easy-title": "みだし", f"section-{section.id}-easy-body": "ほんぶん"})
    assert "もとの節が改訂されました" not in signed.get(EDIT).get_data(as_text=True)
    written_for = section.current.number
    db.session.add(SectionRevision(section=section, number=written_for + 1, heading="改訂後", body="改訂後の本文"))
    db.session.commit()
    page = signed.get(EDIT).get_data(as_text=True)
    assert f"第{written_for}版 → 第{written_for + 1}版" in page


def test_only_editors_and_only_this_consultations_topics(client, staff):
    assert client.get(EDIT).status_code == 302
    facilitator, _ = staff("facilitator")
    assert facilitator.get(EDIT).status_code == 403
    signed, _ = staff("secretariat")
    assert signed.get("/staff/c/kumamoto-ward-offices-h26/topics/zz-unknown/versions").status_code == 404
    assert signed.get("/staff/c/kumamoto-ward-offices-h26/topics/a%00b/versions").status_code in (400, 404)


def test_the_switch_is_on_every_page_and_redirects_only_here(client):
    page = client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)
    assert "やさしい日本語" in page and "/easy?on=1" in page
    assert client.get("/easy?on=1&next=//evil.example/").headers["Location"] == "/"
