"""JSON API, version 1. The same service functions as the web forms; documented in openapi.py."""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
# JSON writes cannot be sent by a plain cross-site form: they must be application/json (415
# otherwise), which a browser only sends cross-origin after a CORS preflight we never answer.
# The staff routes (analysis.py) are signed in by the session cookie: their write checks the
# CSRF token itself.
csrf.exempt(bp)

from . import views  # noqa: E402,F401
from . import analysis  # noqa: E402,F401  (staff: the analysis runs)
