"""Public pages of the consultation: home with its timeline, one page per topic, privacy notice."""

from flask import Blueprint

bp = Blueprint("consultation", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
from .services import PHASE_LABELS  # noqa: E402


@bp.app_context_processor
def _phase_labels():
    return {"phase_labels": PHASE_LABELS}
