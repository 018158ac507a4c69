"""`flask editing status | phase TARGET [--close "YYYY-MM-DD HH:MM"] | tick` — the phase from a shell.

``tick`` is for cron (e.g. every minute): it opens a draft whose opening time has come and closes
an open consultation whose closing time has passed. Changes made here are logged without a user.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..consultation.models import PHASES, Consultation
from ..consultation.services import current_consultation
from ..core.errors import InvalidInput
from ..extensions import db
from ..i18n import to_jst
from . import bp, consultations, phases
from .services import Conflict


def _when(dt) -> str:
    return to_jst(dt).strftime("%Y-%m-%d %H:%M JST") if dt else "-"


def _consultation(slug: str = ""):
    consultation = consultations.find(slug) if slug else current_consultation()
    if consultation is None:
        raise click.ClickException(f"no consultation {slug!r}; `flask consultations list` shows them"
                                   if slug else "no consultation; run `flask seed` first")
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
    """Follow the dates of every consultation: open a draft when its opening time has come, close one
    whose closing time has passed."""
    for c in db.session.scalars(select(Consultation).where(Consultation.archived_at_utc.is_(None))
                                .order_by(Consultation.id)).all():
        changed = phases.follow_schedule(c)
        click.echo(f"editing: {c.slug}: phase {'changed to ' + changed if changed else 'unchanged'} ({c.phase})")


# --- `flask consultations list | create | copy` ----------------------------------------------------

consultations_cli = AppGroup("consultations", help="List, create and copy consultations.")


def _refused(exc: InvalidInput):
    db.session.rollback()
    with current_app.test_request_context():  # the messages are translated strings
        lines = [f"{field}: {message}" for field, messages in exc.as_text().items() for message in messages]
    raise click.ClickException("; ".join(lines) or "invalid input")


@consultations_cli.command("list")
def list_consultations():
    """One line per consultation: slug, kind, phase, period (JST), title."""
    for c in db.session.scalars(select(Consultation).order_by(Consultation.id)):
        archived = " archived" if c.archived else ""
        click.echo(f"{c.slug}\t{c.kind}\t{c.effective_phase}{archived}\t{_when(c.comments_open_at_utc)} – "
                   f"{_when(c.comments_close_at_utc)}\t{c.title}")


@consultations_cli.command("create")
@click.option("--kind", type=click.Choice(["workshop", "deliberation", "pubcom"]), required=True,
              help="workshop (= deliberation: topics, sections, proposals, workshops) or pubcom (public comment).")
@click.option("--slug", required=True, help="The name in its URLs: /c/<slug>/.")
@click.option("--title", required=True)
def create_consultation(kind, slug, title):
    """Create a consultation in draft (準備中)."""
    kind = "deliberation" if kind == "workshop" else kind
    try:
        c = consultations.create_consultation({"kind": kind, "slug": slug, "title": title}, None)
    except InvalidInput as exc:
        _refused(exc)
    click.echo(f"consultations: created {c.slug} ({c.kind}, draft)")


@consultations_cli.command("copy")
@click.argument("from_slug")
@click.argument("new_slug")
@click.option("--title", default="", help="Its title (default: the source's title).")
def copy_consultation(from_slug, new_slug, title):
    """Create NEW_SLUG with FROM_SLUG's structure (topics, sections, proposals, settings), no participation."""
    source = consultations.find(from_slug)
    try:
        c = consultations.create_consultation(
            {"copy_from": from_slug, "slug": new_slug, "title": title or (source.title if source else "")}, None)
    except InvalidInput as exc:
        _refused(exc)
    click.echo(f"consultations: copied {from_slug} to {c.slug} ({c.kind}, draft, {len(c.topics)} topics)")
