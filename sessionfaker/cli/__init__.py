"""The ``sessionfaker`` command: a thin adapter over the library.

Each command parses its options, calls one library function, and turns
library errors into one-line messages (exit 2 for bad input, 1 for a
failure while running).

Commands are imported when they run, not when the program starts, so
``sessionfaker --help`` and light commands never load numpy: each is
registered in :data:`COMMANDS` with the one-line help ``--help`` lists (a
test checks it is the command's own).
"""

from __future__ import annotations

import importlib

import click

from .. import __version__
from .common import Group

SHORT_HELP = 60
"""Length of the one-line help listed by ``--help`` (click's ``get_short_help_str``)."""
COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module in sessionfaker.cli defining a command of that name, short help)
    "generate": ("generate", "Generate sessions (NDJSON on stdout by default)."),
    "validate": ("validate", "Check a file of sessions against the structure and rules."),
    "profiles": ("profiles", "List, show, check and infer profiles."),
    "schema": ("schema", "Print the Session schema: Clerk's structure as shipped, a..."),
    "seed": ("seed", "Load generated sessions into a database table, in one transaction."),
    "fixtures": (
        "fixtures",
        "Write a deterministic fixture set: one JSON file per...",
    ),
    "stats": ("stats", "Report what the sessions in FILE look like."),
}
HIDDEN: dict[str, str] = {
    # deprecated spellings, kept working: name -> module
    "profile": "infer",
}


class LazyGroup(Group):
    """A group that imports each command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS[cmd_name][0] if cmd_name in COMMANDS else HIDDEN.get(cmd_name)
        if module is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(f"{__name__}.{module}"), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, short) in COMMANDS.items()]
        for name in super().list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str()))
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sessionfaker")
def cli() -> None:
    """Synthetic, schema-faithful Clerk Session objects."""


def main() -> None:
    cli()
