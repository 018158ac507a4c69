"""Factories for the secretariat's tests: signed-in staff, comments and votes stored in one line."""

from datetime import datetime

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.consultation.models import Proposal
from consult.extensions import db
from consult.participation.models import Comment, Vote
from consult.participation.services import new_receipt_no


@pytest.fixture
def staff(app):
    """staff("secretariat") → a test client signed in as a new user of that role (and the user)."""
    made = {}

    def sign_in(role: str = "secretariat"):
        made[role] = made.get(role, 0) + 1
        user = create_user(f"{role}{made[role]}@example.jp", role, "a long enough password")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client, user

    return sign_in


@pytest.fixture
def comment(app, topic):
    """comment("roles", ward="chuo", body=…, status=…, channel=…, created=datetime, participant=p) → Comment."""

    def make(slug: str = "roles", *, ward: str = "chuo", body: str = "区役所の窓口を使いやすくしてほしい。",
             status: str = "pending", channel: str = "web", created: datetime | None = None, participant=None,
             **extra) -> Comment:
        c = Comment(receipt_no=new_receipt_no(), topic=topic(slug), ward_code=ward, body=body, status=status,
                    channel=channel, participant=participant,
                    relation=participant.relation if participant else None,
                    age_band=participant.age_band if participant else None, **extra)
        if created is not None:
            c.created_at_utc = created
        if status == "published":
            c.published_at_utc = c.created_at_utc or created
        db.session.add(c)
        db.session.commit()
        return c

    return make


@pytest.fixture
def vote(app):
    """vote(participant, "ward-head-authority", "agree") → Vote."""

    def make(participant, key: str, value: str, channel: str = "web") -> Vote:
        proposal = db.session.scalar(select(Proposal).where(Proposal.key == key))
        v = Vote(participant_id=participant.id, proposal_id=proposal.id, value=value, channel=channel)
        db.session.add(v)
        db.session.commit()
        return v

    return make
