"""Who may do what: named predicates in one place, enforced by one decorator.

Each predicate takes the user (and, where it matters, the object) and answers yes or no. Views
use ``@requires("name")``; templates use ``can("name")``. The permission matrix test walks every
staff route with every role, so a route without a decorator cannot go unnoticed.
"""

from functools import wraps
from typing import Any, Callable

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from .models import StaffAssignment


def _role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def _owns_or_oversees(user, workshop) -> bool:
    """A facilitator edits their own workshops; the secretariat and admins edit any.

    Without a workshop (the decorator's role-level check) the answer is whether the role could.
    """
    if _role(user, "secretariat", "admin"):
        return True
    if workshop is None:
        return _role(user, "facilitator")
    return _role(user, "facilitator") and workshop.facilitator_id == user.id


PREDICATES: dict[str, Callable[..., bool]] = {
    "staff": lambda user, obj=None: _role(user, "facilitator", "secretariat", "admin"),
    "run_workshops": lambda user, obj=None: _role(user, "facilitator", "secretariat", "admin"),
    "edit_workshop": lambda user, obj=None: _owns_or_oversees(user, obj),
    "moderate": lambda user, obj=None: _role(user, "secretariat", "admin"),
    "review": lambda user, obj=None: _role(user, "secretariat", "admin"),
    "export": lambda user, obj=None: _role(user, "secretariat", "admin"),
    "edit_consultation": lambda user, obj=None: _role(user, "secretariat", "admin"),
    # The 受付台帳: submitters' names and addresses, for the secretariat only.
    "read_register": lambda user, obj=None: _role(user, "secretariat", "admin"),
    "read_audit_log": lambda user, obj=None: _role(user, "admin"),
    "manage_users": lambda user, obj=None: _role(user, "admin"),
    # Citizens are anonymous: whether anyone may comment, vote or support is the phase alone.
    "participate": lambda user, obj=None: obj is not None and obj.accepting,
}


def works_on(user, consultation) -> bool:
    """Whether a staff member works on this consultation: admins on all; others on those they are
    assigned to, or on all while they are assigned to none (a small secretariat)."""
    if consultation is None or _role(user, "admin"):
        return True
    assigned = db.session.scalars(select(StaffAssignment.consultation_id)
                                  .where(StaffAssignment.user_id == user.id)).all()
    return not assigned or consultation.id in assigned


def can(name: str, obj: Any = None, user=None) -> bool:
    return PREDICATES[name](user if user is not None else current_user, obj)


def may_participate(consultation) -> bool:
    """``participate`` for the services, which run without a signed-in user (API, CLI, tests)."""
    return PREDICATES["participate"](None, consultation)


def requires(name: str):
    """Anonymous visitors go to the login page (under /api/ they get a JSON 401: a script cannot
    follow a login form); signed-in staff without the right get 403.

    Object-level checks (``edit_workshop``) are made again in the view with ``ensure(name, obj)``
    once the object is loaded; the decorator checks whether the role could at all.
    """
    if name not in PREDICATES:
        raise KeyError(name)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not can(name) or not works_on(current_user, g.get("consultation")):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = name  # read by the permission matrix test
        return wrapped

    return decorator


def ensure(name: str, obj: Any = None) -> None:
    if not can(name, obj):
        abort(403)
