"""``odjek users``: web UI accounts (add, remove, passwd, list). Passwords come from a prompt or stdin only."""

from __future__ import annotations

import getpass
import sys

import click

from odjek.context import echo_json, settings_from_env


def _archive():
    from archive import open_archive

    return open_archive(settings_from_env().resolved_database_url)


def _read_password(from_stdin: bool) -> str:
    """A password from stdin (first line) or an interactive prompt typed twice; never from the command line."""
    from odjek.errors import InputError

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise InputError("no terminal to prompt for the password: use --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise InputError("the passwords differ")
    if not password:
        raise InputError("empty password")
    return password


def _audit(db, action: str, detail: str) -> None:
    from archive.users import audit

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        who = None
    audit(db, action, username=who, address="cli", detail=detail)


@click.group("users")
def command() -> None:
    """Manage web UI users (roles: press_officer, operator, admin)."""


@command.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["press_officer", "operator", "admin"]), default="press_officer",
              show_default=True, help="What the user may do.")
@click.option("--email", help="Address for saved-search alerts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def add(username: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Create a user."""
    from archive.users import UserError, add_user
    from odjek.errors import InputError

    db = _archive()
    password = _read_password(password_stdin)
    try:
        add_user(db, username, password, role, email)
    except UserError as exc:
        raise InputError(str(exc)) from None
    _audit(db, "user_add", f"{username} ({role})")
    click.echo(f"user {username} added ({role})")


@command.command("remove")
@click.argument("username")
def remove(username: str) -> None:
    """Delete a user, their sessions and saved searches."""
    from archive.users import UserError, remove_user
    from odjek.errors import InputError

    db = _archive()
    try:
        remove_user(db, username)
    except UserError as exc:
        raise InputError(str(exc)) from None
    _audit(db, "user_remove", username)
    click.echo(f"user {username} removed")


@command.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
def passwd(username: str, password_stdin: bool) -> None:
    """Set a new password (ends the user's sessions)."""
    from archive.users import UserError, set_password
    from odjek.errors import InputError

    db = _archive()
    password = _read_password(password_stdin)
    try:
        set_password(db, username, password)
    except UserError as exc:
        raise InputError(str(exc)) from None
    _audit(db, "user_passwd", username)
    click.echo(f"password of {username} changed")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per user.")
def list_(as_json: bool) -> None:
    """List users and their roles."""
    from archive.users import list_users

    for user in list_users(_archive()):
        if as_json:
            echo_json({"username": user.username, "role": user.role, "email": user.email, "active": user.active})
        else:
            click.echo(f"{user.username:<24} {user.role:<14} {user.email or ''}")
