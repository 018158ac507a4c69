"""Citizens taking part: the comment flow 入力 → 確認 → 完了, votes on proposals, supports."""

from flask import Blueprint

bp = Blueprint("participation", __name__)

from . import views  # noqa: E402,F401
