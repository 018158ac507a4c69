"""Signing in, with a lockout after repeated failures that never tells whether an account exists."""

from datetime import timedelta

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.text import nfkc
from ..extensions import db
from ..i18n import utcnow
from .models import ROLES, User
from .signals import locked_out, sign_in_failed, signed_in

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash() -> str:
    return generate_password_hash("no such account")


def normalise_email(email: str) -> str:
    return nfkc(email).strip().lower()


def create_user(email: str, role: str, password: str, name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    email = normalise_email(email)
    if "@" not in email:
        raise ValueError("not an e-mail address")
    if db.session.scalar(select(User).where(User.email == email)):
        raise ValueError(f"{email} already exists")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user, or None for any failure: unknown, wrong password, locked or inactive alike."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    now = utcnow()
    if user is None:
        check_password_hash(_dummy_hash(), password)  # as slow as a real check: no timing hint
        sign_in_failed.send(None, reason="unknown")
        db.session.commit()
        return None
    if user.locked_until_utc and user.locked_until_utc > now:
        sign_in_failed.send(user, reason="locked")
        db.session.commit()
        return None
    if not user.check_password(password) or not user.active:
        user.failed_logins += 1
        sign_in_failed.send(user, reason="password" if user.active else "inactive")
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until_utc = now + LOCKOUT
            user.failed_logins = 0
            locked_out.send(user, until=user.locked_until_utc)
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until_utc = None
    user.last_login_at_utc = now
    signed_in.send(user)
    db.session.commit()
    return user
