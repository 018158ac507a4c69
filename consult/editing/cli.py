"""`flask editing status | phase TARGET [--close "YYYY-MM-DD HH:MM"] | tick` — the phase from a shell.

``tick`` is for cron (e.g. every minute): it opens a draft whose opening time has come and closes
an open consultation whose closing time has passed. Changes made here are logged without a user.
"""

import click
from flask import current_app

from ..consultation.models import PHASES
from ..consultation.services import current_consultation
from ..core.errors import InvalidInput
from ..extensions import db
from ..i18n import to_jst
from . import bp, phases
from .services import Conflict


def _when(dt) -> str:
    return to_jst(dt).strftime("%Y-%m-%d %H:%M JST") if dt else "-"


def _consultation():
    consultation = current_consultation()
    if consultation is None:
        raise click.ClickException("no consultation; run `flask seed` first")
    return consultation


@bp.cli.command("status")
def status():
    """Show the phase and the comment period."""
    c = _consultation()
    click.echo(f"{c.slug}: phase={c.phase} open={_when(c.comments_open_at_utc)} "
               f"close={_when(c.comments_close_at_utc)} published={_when(c.results_published_at_utc)}")


@bp.cli.command("phase")
@click.argument("target", type=click.Choice(PHASES))
@click.option("--close", "close_at", default="", help='Closing time in JST, "2014-10-31 17:00" (to open or reopen).')
def phase(target, close_at):
    """Move the consultation to TARGET (draft, open, closed, published)."""
    c = _consultation()
    try:
        note = phases.change_phase(c, target, {"close_at": close_at}, None)
    except InvalidInput as exc:
        db.session.rollback()
        with current_app.test_request_context():  # the messages are translated strings
            raise click.ClickException("; ".join(exc.as_text().get("close_at", [])) or "invalid input")
    except Conflict as exc:
        db.session.rollback()
        with current_app.test_request_context():
            raise click.ClickException(str(exc.message))
    click.echo(f"editing: phase is now {c.phase} ({note}); close={_when(c.comments_close_at_utc)}")


@bp.cli.command("tick")
def tick():
    """Follow the dates: open a draft when its opening time has come, close when the closing time has passed."""
    c = _consultation()
    changed = phases.follow_schedule(c)
    click.echo(f"editing: phase {'changed to ' + changed if changed else 'unchanged'} ({c.phase})")
