"""Staff accounts changed by an admin, each change in the audit log; and the one-time links with
which a person sets their own password."""

import secrets
from datetime import timedelta
from typing import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from ..audit import record, snapshot
from ..auth.models import ROLES, StaffAssignment, User
from ..consultation.models import Consultation
from ..auth.services import MIN_PASSWORD_LENGTH, normalise_email
from ..core import fields
from ..core.errors import InvalidInput
from ..core.transactions import action
from ..extensions import db

AUDIT_FIELDS = ("email", "name", "role", "active")
LINK_LIFETIME = timedelta(days=3)
PASSWORD_MAX = 200


def accounts() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))


def _validate(data: Mapping, errors: dict, *, with_email: bool) -> dict:
    values = {"name": fields.text(data, "name", errors, label=_l("名前"), max_len=100, single_line=True),
              "role": fields.string(data, "role", errors)}
    if values["role"] not in ROLES and "role" not in errors:
        fields.add(errors, "role", _l("役割を選んでください。"))
    if with_email:
        email = normalise_email(fields.text(data, "email", errors, label=_l("メールアドレス"), max_len=254,
                                            required=True, single_line=True))
        if email and "email" not in errors:
            if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
                fields.add(errors, "email", _l("メールアドレスの形になっていません（例：name@city.example.jp）。"))
            elif db.session.scalar(select(func.count(User.id)).where(User.email == email)):
                fields.add(errors, "email", _l("このメールアドレスのアカウントはすでにあります。"))
        values["email"] = email
    return values


@action
def create_account(admin: User, data: Mapping) -> User:
    """A new account with no usable password: its person sets one through the link."""
    errors: dict = {}
    values = _validate(data, errors, with_email=True)
    if errors:
        raise InvalidInput(errors)
    user = User(email=values["email"], name=values["name"], role=values["role"])
    user.set_password(secrets.token_urlsafe(32))  # known to nobody
    db.session.add(user)
    db.session.flush()
    record(admin, "user.create", "user", user.id, after=snapshot(user, AUDIT_FIELDS))
    return user


@action
def update_account(admin: User, user: User, data: Mapping) -> bool:
    """Name, role and whether the account may sign in. An admin cannot lock themself out."""
    errors: dict = {}
    values = _validate(data, errors, with_email=False)
    values["active"] = fields.checkbox(data, "active")
    if user.id == admin.id and (values["role"] != "admin" or not values["active"]):
        fields.add(errors, "role", _l("自分のアカウントの管理者の役割を外したり、停止したりはできません。別の管理者に依頼してください。"))
    if errors:
        raise InvalidInput(errors)
    assigned = _assignments(data, errors)
    if errors:
        raise InvalidInput(errors)
    before = {**snapshot(user, AUDIT_FIELDS), "consultations": assigned_ids(user)}
    for name, value in values.items():
        setattr(user, name, value)
    if assigned is not None:
        _assign(user, assigned)
    after = {**snapshot(user, AUDIT_FIELDS), "consultations": assigned_ids(user)}
    if after == before:
        return False
    record(admin, "user.update", "user", user.id, before=before, after=after)
    return True


def assigned_ids(user: User) -> list[int]:
    return sorted(db.session.scalars(select(StaffAssignment.consultation_id)
                                     .where(StaffAssignment.user_id == user.id)).all())


def _assignments(data: Mapping, errors: dict) -> list[int] | None:
    """The consultations ticked on the form (None when the form has no such field: left as is)."""
    if "assignments_shown" not in data:
        return None
    raw = data.getlist("consultations") if hasattr(data, "getlist") else data.get("consultations", [])
    known = set(db.session.scalars(select(Consultation.id)).all())
    ids = sorted({int(v) for v in raw if isinstance(v, str) and v.isdigit() and len(v) < 10})
    if any(i not in known for i in ids) or len(ids) != len(set(raw)):
        fields.add(errors, "consultations", _l("担当の意見募集は一覧から選んでください。"))
    return ids


def _assign(user: User, ids: list[int]) -> None:
    db.session.execute(delete(StaffAssignment).where(StaffAssignment.user_id == user.id))
    db.session.add_all([StaffAssignment(user_id=user.id, consultation_id=i) for i in ids])
    db.session.flush()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="consult-password-link")


def _fingerprint(user: User) -> str:
    # The link names the password it replaces: once a password is set, the link no longer works.
    return user.password_hash[-16:]


@action
def password_link_token(admin: User, user: User) -> str:
    token = _serializer().dumps({"u": user.id, "h": _fingerprint(user)})
    record(admin, "user.password_link", "user", user.id)
    return token


def user_for_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("h") != _fingerprint(user):
        return None
    return user


@action
def set_password(user: User, data: Mapping) -> None:
    errors: dict = {}
    password, again = fields.raw(data, "password"), fields.raw(data, "password_again")
    if len(password) < MIN_PASSWORD_LENGTH:
        fields.add(errors, "password", _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD_LENGTH))
    elif len(password) > PASSWORD_MAX:
        fields.add(errors, "password", _l("パスワードは200文字以内です。"))
    elif password != again:
        fields.add(errors, "password_again", _l("確認のため、同じパスワードをもう一度入力してください。"))
    if errors:
        raise InvalidInput(errors)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until_utc = None
    record(user, "user.password_set", "user", user.id)
