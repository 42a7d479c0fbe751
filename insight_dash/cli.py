"""`flask --app wsgi users ...`: account management for operators."""
import click
from flask.cli import AppGroup

from insight_dash.services.errors import InvalidInput
from insight_dash.services.users import create_user, set_password

users_cli = AppGroup("users", help="Create accounts and reset passwords.")


@users_cli.command("create")
@click.argument("username")
@click.password_option(help="Prompted for when omitted.")
def create_command(username: str, password: str) -> None:
    """Create the account USERNAME."""
    try:
        user = create_user(username, password)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created user {user.username!r}.")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option(help="Prompted for when omitted.")
def set_password_command(username: str, password: str) -> None:
    """Set a new password for USERNAME."""
    try:
        set_password(username, password)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Password updated for {username!r}.")
