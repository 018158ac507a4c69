"""Helpers for the editing tests: staff clients signed in by role, and reading the audit log."""

import itertools

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.extensions import db
from consult.audit import AuditEvent

_n = itertools.count()


@pytest.fixture
def staff(app):
    """staff("secretariat") → (client signed in with that role, user)."""

    def make(role: str = "secretariat"):
        client = app.test_client()
        user = create_user(f"{role}{next(_n)}@example.jp", role, "a long enough password")
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client, user

    return make


@pytest.fixture
def events(app):
    """events("section.revise") → the audit events with that action, oldest first."""

    def get(action: str | None = None):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(db.session.scalars(query))

    return get
