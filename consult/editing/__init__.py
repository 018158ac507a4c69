"""The secretariat edits the consultation: its text, meetings, the interim summary's sections (with
revisions and diffs), proposals, ward populations, the comment period and phase, and bulk imports.

Staff pages live under /staff/consultation/… (``@requires("edit_consultation")``); the one public
page here is a section's revision history. ``flask editing …`` changes the phase from a shell.
"""

from flask import Blueprint

bp = Blueprint("editing", __name__)

from . import cli, views  # noqa: E402,F401  (routes and commands register on import)
