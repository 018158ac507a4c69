"""`flask users create EMAIL --role ROLE [--password PW]` and `flask users list`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from .models import ROLES, User
from .services import MIN_PASSWORD_LENGTH, create_user

users = AppGroup("users", help="Staff accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password", help=f"At least {MIN_PASSWORD_LENGTH} characters; asked for when omitted.")
def create(email, role, name, password):
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, role, password, name)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"users: created {user.email} ({user.role})")


@users.command("list")
def list_users():
    """List staff accounts."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}")
