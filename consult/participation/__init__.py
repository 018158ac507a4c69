"""Citizens taking part: the public pages they read (home, topics), the comment flow
入力 → 確認 → 完了, votes on proposals, supports."""

from flask import Blueprint

bp = Blueprint("participation", __name__)

from ..core.labels import phase_labels  # noqa: E402
from . import pages, views  # noqa: E402,F401  (routes register on import)


@bp.app_context_processor
def _phase_labels():
    return {"phase_labels": phase_labels()}
