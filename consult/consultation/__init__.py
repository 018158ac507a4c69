"""Public pages of the consultation: home with its timeline, one page per topic, privacy notice."""

from flask import Blueprint

bp = Blueprint("consultation", __name__)

from ..core.labels import phase_labels  # noqa: E402
from . import views  # noqa: E402,F401  (routes register on import)


@bp.app_context_processor
def _phase_labels():
    return {"phase_labels": phase_labels()}
