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

import click

from .. import __version__
from .common import LazyGroup

SHORT_HELP = 60
"""Length of the one-line help listed by ``--help`` (click's ``get_short_help_str``)."""
COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module in sessionfaker.cli defining a command of that name, short help)
    "generate": ("generate", "Generate sessions (NDJSON on stdout by default)."),
    "validate": ("validate", "Check a file of sessions against the structure and rules."),
    "profiles": ("profiles", "List, show, check and infer profiles."),
    "schema": ("schema", "Print the Session schema: Clerk's structure as shipped, a..."),
    "seed": ("seed", "Load generated sessions into a database table, in one..."),
    "fixtures": (
        "fixtures",
        "Write a deterministic fixture set: one JSON file per...",
    ),
    "stats": ("stats", "Report what the sessions in FILE look like."),
    "keys": ("keys", "Print the deterministic RSA test key pair of a key seed."),
    "tokens": ("tokens", "Sign session tokens for the live sessions of FILE."),
    "webhooks": ("webhooks", "Sign the webhook events the sessions of FILE imply, as..."),
    "serve": ("serve", "Serve sessions through Clerk's Backend API (the session..."),
}
HIDDEN: dict[str, str] = {
    # deprecated spellings, kept working: name -> module
    "profile": "infer",
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    hidden_lazy=HIDDEN,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="sessionfaker")
def cli() -> None:
    """Synthetic, schema-faithful Clerk Session objects."""


def main() -> None:
    cli()
