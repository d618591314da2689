"""The ``odjek`` command: a click group whose subcommands live one per module in ``odjek/commands``.

Each module there exposes ``command`` (a click command or group) named after the module (a trailing ``_``
dropped: ``import_`` → ``import``); adding a module adds a command. A module is imported only when its command
runs or help lists it, so ``odjek extract`` pays for extraction alone, not for the web, reports or PostgreSQL.
Bad usage and bad input end with exit 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sqlite3
import sys
from pathlib import Path

import click

import odjek.commands
from odjek.errors import EXIT_USAGE, OdjekError


def operational_error(exc: BaseException) -> str | None:
    """One line for an error of configuration or connection (not a bug), None for anything else."""
    from archive.db import ArchiveUnavailable, BadDatabaseUrl, first_line

    if isinstance(exc, (ArchiveUnavailable, BadDatabaseUrl)):
        return first_line(exc)
    if type(exc).__module__.startswith("psycopg"):
        import psycopg

        if isinstance(exc, psycopg.OperationalError):  # the server went away or refused mid-command
            return f"PostgreSQL: {first_line(exc)}"
    if isinstance(exc, sqlite3.OperationalError) and any(
            text in str(exc) for text in ("unable to open", "disk I/O", "database is locked", "readonly")):
        return f"SQLite: {first_line(exc)}"
    return None


def command_modules() -> dict[str, str]:
    """Command name → module name for every module in odjek/commands (found on disk, nothing imported)."""
    names = sorted(info.name for info in pkgutil.iter_modules(odjek.commands.__path__))
    return {name.rstrip("_"): name for name in names if not name.startswith("_")}


def help_from_source(module_name: str) -> str | None:
    """The docstring of ``command`` in a command module, read from its source without importing it (None when
    the module does not have the plain ``@click.command``/``@click.group`` shape)."""
    source = Path(odjek.commands.__path__[0]) / f"{module_name}.py"
    if not source.is_file():
        return None
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "command" and len(node.decorator_list) >= 1:
            first = node.decorator_list[0]
            plain = (isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
                     and first.func.attr in ("command", "group") and not first.keywords)
            return ast.get_docstring(node, clean=False) if plain else None
    return None


class OdjekGroup(click.Group):
    """Turns known errors, and configuration or connection errors, into one line on stderr and an exit status
    (2 for those; see odjek.errors for the others). Subcommands load on first use (see the module docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(command_modules()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        known = super().get_command(ctx, cmd_name)
        if known is not None:
            return known
        module_name = command_modules().get(cmd_name)
        if module_name is None:
            return None
        command = getattr(importlib.import_module(f"odjek.commands.{module_name}"), "command", None)
        if command is not None:
            self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from each module's docstring, so ``odjek --help`` imports no command module."""
        listed = click.Group(self.name)
        for name in self.list_commands(ctx):
            module_name = command_modules().get(name)
            text = None if name in self.commands or module_name is None else help_from_source(module_name)
            command = click.Command(name, help=text) if text is not None else self.get_command(ctx, name)
            if command is not None:
                listed.add_command(command, name)
        listed.format_commands(ctx, formatter)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OdjekError as exc:
            click.echo(f"odjek: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:
            line = operational_error(exc)
            if line is None:
                raise
            click.echo(f"odjek: error: {line}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=OdjekGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="odjek")
def main() -> None:
    """Odjek: media monitoring for the Directorate for Cooperation with the Diaspora and Serbs in the Region."""



if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
