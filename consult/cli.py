"""Command-line tools: `flask --app consult seed | demo-data | recount`."""

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from .analysis.cli import analysis_cli
from .auth.cli import users
from .backup import backup_command, restore_command
from .editing.cli import consultations_cli
from .extensions import db
from .participation.models import Participant
from .participation.tallies import rebuild
from .seed.demo import RealDataPresent, make_demo_data, make_demo_staff
from .seed.loader import load_seed


@click.command("seed")
def seed_command():
    """Load the consultation and the first meeting's reference data (idempotent)."""

    added = load_seed()
    if not added:
        click.echo("seed: nothing to add; the database already holds the seed.")
    for table, n in sorted(added.items()):
        click.echo(f"seed: added {n} {table}")


@click.command("demo-data")
@click.option("--participants", default=120, show_default=True, type=click.IntRange(1))
@click.option("--comments", default=240, show_default=True, type=click.IntRange(0))
@click.option("--votes", default=600, show_default=True, type=click.IntRange(0))
@click.option("--seed", "random_seed", default=2014, show_default=True, help="Random seed, for reproducible data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any participation is already stored.")
@click.option("--staff/--no-staff", default=True, show_default=True,
              help="Also create demo staff accounts (passwords in instance/demo-staff.txt).")
def demo_data_command(participants, comments, votes, random_seed, if_empty, staff):
    """Add clearly labelled synthetic participation (never on a database with real comments)."""

    if if_empty and db.session.scalar(select(func.count(Participant.id))):
        click.echo("demo-data: participation already present; nothing added.")
        return

    def progress(what, done, total):
        click.echo(f"demo-data: {what} {done:,}/{total:,}", err=True)

    try:
        counts = make_demo_data(participants=participants, comments=comments, votes=votes,
                                seed=random_seed, progress=progress)
    except RealDataPresent as exc:
        raise click.ClickException(
            f"this database holds {exc.args[0]} real comments; demo data is only for demo databases.")
    click.echo("demo-data: added " + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + " (all labelled デモ)")
    if staff:
        for email, role, _password in make_demo_staff(current_app.instance_path):
            click.echo(f"demo-data: staff account {email} ({role}); password in instance/demo-staff.txt")


@click.command("recount")
def recount_command():
    """Rebuild the vote tallies and rollups and the comment rollup from the vote and comment rows,
    and say what was corrected."""

    fixed = rebuild()
    if not any(fixed.values()):
        click.echo("recount: every vote and comment aggregate matched the rows; nothing changed.")
    for name, n in fixed.items():
        if n:
            click.echo(f"recount: corrected {n:,} rows of {name}")


def init_app(app: Flask) -> None:

    app.cli.add_command(users)
    app.cli.add_command(consultations_cli)
    app.cli.add_command(analysis_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(recount_command)
