"""Workshop fixtures: signed-in staff, a seeded workshop (opened on request) and phones that join it."""

import re

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.extensions import db
from consult.workshops import services as ws
from consult.workshops.models import Workshop


def pytest_configure(config):
    config.addinivalue_line("markers", "load: drives a real server with many simulated phones (runs in make test)")


def sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


@pytest.fixture
def staff(app):
    """staff("facilitator") → (a client signed in as a new user of that role, the user)."""
    made = []

    def make(role: str = "facilitator"):
        user = create_user(f"{role}-{len(made)}@example.jp", role, "a long enough password", name=f"{role} {len(made)}")
        made.append(user)
        return sign_in(app.test_client(), user), user

    return make


@pytest.fixture
def workshop(app):
    """workshop("ws-chuo", facilitator=user, open=True, dots=3) → the seeded workshop, set up as asked."""

    def get(key: str = "ws-chuo", *, facilitator=None, open: bool = False, dots: int | None = None) -> Workshop:
        w = db.session.scalar(select(Workshop).where(Workshop.key == key))
        if facilitator is not None:
            w.facilitator_id = facilitator.id
        if dots is not None:
            w.dots_per_participant = dots
        db.session.commit()
        if open:
            ws.open_workshop(w, facilitator)
        return w

    return get


def join(client, w: Workshop, table_index: int = 0, **fields):
    """A phone joins at the n-th table; returns the response of the join POST."""
    data = {"table": str(w.tables[table_index].id), **fields}
    return client.post(f"/w/{w.join_code}/join", data=data)


def submission_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def post_note(client, w: Workshop, body: str, topic=None, key: str | None = None):
    topic_id = topic.id if topic is not None else w.topics[0].id
    if key is None:
        key = submission_key(client.get(f"/w/{w.join_code}").get_data(as_text=True))
    return client.post(f"/w/{w.join_code}/notes", data={"topic": str(topic_id), "body": body, "submission_key": key})
