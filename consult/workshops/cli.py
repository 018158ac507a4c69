"""`flask --app consult workshops …`: list, open and close ward workshops from a terminal.

The same services as the console; actions are written to the audit log without a user (the CLI).
"""

import click
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from . import bp, services as ws
from .models import Workshop


def _find(ref: str) -> Workshop:
    """A workshop by its seed key (ws-chuo), its id or its join code."""
    workshop = db.session.scalar(select(Workshop).where(Workshop.key == ref))
    if workshop is None and ref.isdigit():
        workshop = db.session.get(Workshop, int(ref))
    if workshop is None:
        workshop = ws.find_by_code(ref)
    if workshop is None:
        raise click.ClickException(f"no workshop {ref!r} (give its key, id or join code)")
    return workshop


def _text(message) -> str:
    with force_locale("ja"):  # no request here to choose a language from
        return str(message)


@bp.cli.command("list")
def list_command():
    """Every workshop with its state, join code and counts."""
    workshops = ws.list_workshops()
    counts = ws.workshop_counts(w.id for w in workshops)
    for w in workshops:
        c = counts[w.id]
        click.echo(f"{w.id:>4}  {w.key or '-':12} {w.state:8} {w.join_code or '-':7} "
                   f"participants {c['participants']:>3}  notes {c['notes']:>4}  dots {c['dots']:>4}  {w.title}")


@bp.cli.command("open")
@click.argument("ref")
def open_command(ref):
    """Open a planned workshop (REF: key, id or code) and print its join code."""
    workshop = _find(ref)
    try:
        ws.open_workshop(workshop, None)
    except ws.WrongState as exc:
        raise click.ClickException(_text(exc.message)) from None
    click.echo(f"{workshop.title}: open, join code {workshop.join_code} → /w/{workshop.join_code}")


@bp.cli.command("close")
@click.argument("ref")
def close_command(ref):
    """Close an open workshop; its themes become proposed opinion groups."""
    workshop = _find(ref)
    try:
        themes = ws.close_workshop(workshop, None)
    except ws.WrongState as exc:
        raise click.ClickException(_text(exc.message)) from None
    click.echo(f"{workshop.title}: closed; {len(themes)} theme(s) proposed as opinion groups")
