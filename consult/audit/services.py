"""Writing to the audit log. The caller commits, with the change the event describes."""

from typing import Any

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
