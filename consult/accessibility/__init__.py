"""The ウェブアクセシビリティ方針 (web accessibility policy) page and the test results it shows.

Japanese municipalities publish such a page: scope, target level, how the site is tested, and the
latest results. The results here are not typed by hand: `make accessibility` runs the browser tests
and writes `results.json` beside this file, which the page reads.
"""

from flask import Blueprint

bp = Blueprint("accessibility", __name__)

from . import views  # noqa: E402,F401
