"""Public comment (意見公募): the 地域説明会, opinions received by post, FAX, e-mail or at the counter
with their private 受付台帳, and the result per provision."""

from flask import Blueprint

bp = Blueprint("pubcom", __name__)

from . import models  # noqa: E402,F401
from . import staff_views  # noqa: E402,F401  (briefings, the register: staff)
from . import result_views  # noqa: E402,F401  (the result document: staff)
