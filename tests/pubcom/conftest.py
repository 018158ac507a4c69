"""Fixtures of the public comment's tests: a pubcom consultation ("pc-test") with one document of
numbered provisions, signed-in staff, and a register entry's form fields."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.consultation.models import Consultation, Section, SectionRevision, Topic
from consult.extensions import db
from consult.i18n import utcnow

SLUG = "pc-test"
STAFF = f"/staff/c/{SLUG}"
PUBLIC = f"/c/{SLUG}"
# The seed's public comment (条文骨子) and its pages.
PUBCOM = "jichi-kihon-jorei-h26"
DELIBERATION = "kumamoto-ward-offices-h26"
PAGE = f"/c/{PUBCOM}/topics/document"
FORM = PAGE + "/comment"
# (anchor, label, depth, heading)
PROVISIONS = [("ch6", "第6章", 0, "区役所の役割"), ("ch6-1", "1", 1, "まちづくりの拠点"),
              ("ch6-1-2", "(2)", 2, "地域の課題"), ("ch6-1-2-2", "②", 3, "相談窓口の一本化"),
              ("note-1", "※1", 0, "用語の説明")]


@pytest.fixture
def pubcom(app):
    """pubcom(slug="pc-test", accept_anonymous=True, premoderation=True) → an open public comment
    whose one topic ("document") holds PROVISIONS as sections, each with one revision."""

    def make(slug: str = SLUG, *, accept_anonymous: bool = True, premoderation: bool = True,
             phase: str = "open") -> Consultation:
        consultation = Consultation(kind="pubcom", slug=slug, phase=phase, title="区役所のあり方（素案）への意見募集",
                                    body="素案への意見を募集します。", accept_anonymous=accept_anonymous,
                                    premoderation=premoderation)
        topic = Topic(consultation=consultation, number=1, slug="document", title="区役所のあり方（素案）")
        for position, (anchor, label, depth, heading) in enumerate(PROVISIONS):
            section = Section(topic=topic, anchor=anchor, label=label, depth=depth, position=position)
            SectionRevision(section=section, number=1, heading=heading, body=f"{heading}についての本文。")
        db.session.add(consultation)
        db.session.commit()
        return consultation

    return make


@pytest.fixture
def staff(app):
    """staff("secretariat") → (a client signed in as a new user of that role, the user)."""
    made = []

    def sign_in(role: str = "secretariat"):
        user = create_user(f"{role}-{len(made)}@example.jp", role, "a long enough password")
        made.append(user)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client, user

    return sign_in


def submission_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def entry_form(key: str = "k" * 32, **overrides) -> dict:
    """The register form's fields of an entry that passes, with two opinions (one on ch6-1-2-2)."""
    data = {"submission_key": key, "rows": "3", "channel": "post", "received_on": "2014-10-21",
            "name": "登録太郎", "address": "熊本市中央区手取本町9-99", "contact": "096-000-9999",
            "anonymous_reason": "", "ward": "chuo",
            "opinion-1": "相談窓口は一つにまとめてほしい。", "provision-1": "ch6-1-2-2",
            "opinion-2": "全体として分かりやすい素案です。", "provision-2": "",
            "opinion-3": "", "provision-3": ""}
    data.update(overrides)
    return data


@pytest.fixture
def seeded_pubcom(app):
    """The seed's pubcom, accepting comments now (the seed's period, H26.10, is long past)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == PUBCOM))
    consultation.comments_open_at_utc = utcnow() - timedelta(days=1)
    consultation.comments_close_at_utc = utcnow() + timedelta(days=10)
    db.session.commit()
    return consultation
