"""`flask backup PATH` and `flask restore PATH`: a consistent snapshot while the app runs.

SQLite uses its online backup API (a consistent copy even while requests write); PostgreSQL uses
pg_dump's custom format and pg_restore. The tools must be on PATH for PostgreSQL.
"""

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from .extensions import db


def _libpq_url() -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path() -> str:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database


def database_size() -> int | None:
    """Bytes the database holds, for the progress lines of long commands."""
    from sqlalchemy import text

    backend = db.engine.dialect.name
    if backend == "sqlite":
        return Path(_sqlite_path()).stat().st_size
    if backend == "postgresql":
        return db.session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return None


def backup_to(path: Path) -> None:
    backend = db.engine.dialect.name
    if backend == "sqlite":
        # In one step, not page by page: a stepped backup starts over whenever the app writes, and
        # during an open consultation it writes all the time.
        with sqlite3.connect(_sqlite_path()) as source, sqlite3.connect(path) as target:
            source.backup(target)
    elif backend == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url()])
    else:
        raise click.ClickException(f"backup does not support {backend}")


def restore_from(path: Path) -> None:
    backend = db.engine.dialect.name
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        with sqlite3.connect(path) as source, sqlite3.connect(_sqlite_path()) as target:
            source.backup(target)
    elif backend == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url()}", str(path)])
    else:
        raise click.ClickException(f"restore does not support {backend}")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise click.ClickException(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"{command[0]} failed: {result.stderr.strip()}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path):
    """Write a consistent snapshot of the database to PATH (safe while the app runs)."""
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name")
    size = database_size()
    click.echo(f"backup: copying the {db.engine.dialect.name} database"
               + (f" ({size / 1e6:,.1f} MB)" if size else "") + " …", err=True)
    started = time.monotonic()
    backup_to(path)
    click.echo(f"backup: wrote {path} ({path.stat().st_size:,} bytes) in {time.monotonic() - started:.1f} s")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool):
    """Replace the database's contents with the snapshot at PATH."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    click.echo(f"restore: restoring {path} ({path.stat().st_size / 1e6:,.1f} MB) …", err=True)
    started = time.monotonic()
    restore_from(path)
    click.echo(f"restore: database restored from {path} in {time.monotonic() - started:.1f} s")
