"""Reference materials of the first meeting, as tables and server-rendered charts."""

from flask import Blueprint

bp = Blueprint("reference", __name__)

from . import views  # noqa: E402,F401
