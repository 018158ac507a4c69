"""Follow-up by receipt number: a citizen sees what became of their opinion, and nothing else."""

from flask import Blueprint

bp = Blueprint("followup", __name__)

from . import views  # noqa: E402,F401
