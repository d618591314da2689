"""The ``odjek`` command: a click group whose subcommands live one per module in ``odjek/commands``.

Each module there exposes ``command`` (a click command or group); adding a module adds a command.
Bad usage and bad input end with exit 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

import odjek.commands
from odjek.errors import OdjekError


class OdjekGroup(click.Group):
    """Turns known errors into one line and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OdjekError as exc:
            click.echo(f"odjek: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=OdjekGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="odjek")
def main() -> None:
    """Odjek: media monitoring for the Directorate for Cooperation with the Diaspora and Serbs in the Region."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(odjek.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"odjek.commands.{info.name}")
        command = getattr(module, "command", None)
        if command is not None:
            main.add_command(command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
