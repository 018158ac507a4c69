"""Writing to the audit log (the caller commits, with the change the event describes) and reading it."""

from typing import Any

from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from .models import AuditEvent


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict:
    """The named attributes of a record, as JSON-safe values."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def record(user, action: str, target_type: str, target_id: Any = "", *, before: dict | None = None,
           after: dict | None = None, note: str = ""):
    event = AuditEvent(user_id=getattr(user, "id", None), action=action, target_type=target_type,
                       target_id=str(target_id), before=before, after=after, note=note)
    db.session.add(event)
    return event


def events_page(*, action: str = "", target_type: str = "", target_id: str = "", page: int = 1,
                per_page: int = 50) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """One page of events, newest first, with each one's staff email (None: the CLI), and how many
    match: ``action`` is a prefix ("comment." for every comment action), the targets exact."""
    query = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
    count = select(func.count()).select_from(AuditEvent)
    conditions = [AuditEvent.action.startswith(action, autoescape=True)] if action else []
    conditions += [getattr(AuditEvent, name) == value
                   for name, value in (("target_type", target_type), ("target_id", target_id)) if value]
    total = db.session.scalar(count.where(*conditions))
    rows = db.session.execute(query.where(*conditions).order_by(AuditEvent.id.desc()).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return [tuple(row) for row in rows], total
