"""Ward workshops: prepare, open with a join code and QR, phones, projector, paper capture, dots, KJ themes, close."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)

from . import cli, views  # noqa: E402,F401
