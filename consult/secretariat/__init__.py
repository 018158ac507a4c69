"""The secretariat's review: moderation, the review dashboard, opinion groups and answers, exports, the review document."""

from flask import Blueprint

bp = Blueprint("secretariat", __name__)

from . import audit_views, cli, export_views, views  # noqa: E402,F401
