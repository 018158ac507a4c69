"""Broad listening: suggested groups from text and votes, near-identical copies; staff decide."""

from flask import Blueprint

bp = Blueprint("analysis", __name__)

from . import models  # noqa: E402,F401
from . import views  # noqa: E402,F401  (the secretariat's analysis pages)
from . import campaign_marks  # noqa: E402,F401  (copy-paste campaigns marked in moderation)
from . import decisions  # noqa: E402,F401  (follows the opinion groups staff delete or merge)
from . import summaries  # noqa: E402,F401  (connects the review document's vote-group section)
