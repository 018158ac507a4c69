"""Other versions of what staff wrote: やさしい日本語 and English, beside the Japanese original.

Staff write them per topic (its title and lead), section (heading and text) and proposal; the
public pages show them where the visitor chose English or the やさしい日本語 switch, and the
original where none was written (marked lang="ja", so a screen reader reads it as Japanese).
The original stays what citizens comment on and what the review cites.
"""

from flask import Blueprint

bp = Blueprint("language_versions", __name__)

from . import views  # noqa: E402,F401
