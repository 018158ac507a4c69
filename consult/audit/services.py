"""Writing to the audit log (the caller commits, with the change the event describes) and reading it."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from ..auth.models import User
from ..auth.signals import locked_out, sign_in_failed, signed_in
from ..core.transactions import action
from ..extensions import db
from ..i18n import jst_day_start_utc
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


def _conditions(*, action: str = "", target_type: str = "", target_id: str = "", user_id: int | None = None,
                date_from: date | None = None, date_to: date | None = None) -> list:
    conditions = [AuditEvent.action.startswith(action, autoescape=True)] if action else []
    conditions += [getattr(AuditEvent, name) == value
                   for name, value in (("target_type", target_type), ("target_id", target_id)) if value]
    if user_id is not None:
        conditions.append(AuditEvent.user_id == user_id)
    if date_from is not None:
        conditions.append(AuditEvent.at_utc >= jst_day_start_utc(date_from))
    if date_to is not None:
        conditions.append(AuditEvent.at_utc < jst_day_start_utc(date_to + timedelta(days=1)))
    return conditions


def events_page(*, page: int = 1, per_page: int = 50, **filters) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """One page of events, newest first, with each one's staff email (None: the CLI or a failed
    sign-in), and how many match: ``action`` is a prefix ("comment." for every comment action),
    the targets and the person exact, the dates JST days (both included)."""
    conditions = _conditions(**filters)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    rows = db.session.execute(select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
                              .where(*conditions).order_by(AuditEvent.id.desc()).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return [tuple(row) for row in rows], total


def events_statement(**filters):
    """Every matching event's columns and its staff email, newest first (for the CSV export, which
    reads it on a connection of its own)."""
    e = AuditEvent.__table__
    return (select(e.c.at_utc, e.c.action, e.c.target_type, e.c.target_id, e.c.before, e.c.after, e.c.note,
                   User.__table__.c.email).outerjoin(User.__table__, User.__table__.c.id == e.c.user_id)
            .where(*_conditions(**filters)).order_by(e.c.id.desc()))


@action
def record_export(user, filters: dict) -> None:
    """Reading the log out is logged too (with the filters used)."""
    record(user, "export.audit_csv", "audit", "", after={"filters": {k: str(v) for k, v in filters.items() if v}})


def staff_who_acted() -> list[tuple[int, str]]:
    """(id, email) of the staff accounts, for the log's filter."""
    return list(db.session.execute(select(User.id, User.email).order_by(User.email)).all())


# Signing in is logged too: who, and for a failure why (never the address typed or the password).
@signed_in.connect
def _signed_in(user, **_kw):
    record(user, "auth.login", "user", user.id)


@sign_in_failed.connect
def _sign_in_failed(user, *, reason: str, **_kw):
    record(None, "auth.login_failed", "user", user.id if user is not None else "", note=reason)


@locked_out.connect
def _locked_out(user, *, until, **_kw):
    record(None, "auth.lockout", "user", user.id, after={"locked_until_utc": until.isoformat()})
