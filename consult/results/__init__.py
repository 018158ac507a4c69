"""The public results and open data: what anyone may read once the consultation is closed. Public
code, kept apart from the secretariat's staff pages (as indico separates display from management)."""

from flask import Blueprint

bp = Blueprint("results", __name__)

from . import views  # noqa: E402,F401
