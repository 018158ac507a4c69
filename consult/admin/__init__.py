"""Admins run the staff accounts in the browser: create one, set its role and name, deactivate it,
and give its person a one-time link to set a password (no password is ever shown or sent).

Apart from ``auth`` (signing in, roles, permissions) so that the log of these changes can be
written: the audit log reads the accounts, so ``auth`` never imports it; this package uses both.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
