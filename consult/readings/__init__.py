"""Furigana for the public pages: the switch, and the reading dictionary staff correct it with.

The ruby itself is made by consult.core.furigana from the morphological analyser's readings; this
area keeps the staff's corrections (the analyser reads 龍田 as たつた, Kumamoto says たつだ) and
adds the ruby to a public page when its visitor has turned furigana on.
"""

from flask import Blueprint

bp = Blueprint("readings", __name__)

from . import views  # noqa: E402,F401
