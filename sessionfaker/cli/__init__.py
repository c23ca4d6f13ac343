"""The ``sessionfaker`` command: a thin adapter over the library.

Each command parses its options, calls one library function, and turns
library errors into one-line messages (exit 2 for bad input, 1 for a
failure while running).
"""

from __future__ import annotations

import click

from .. import __version__
from .fixtures import fixtures
from .generate import generate
from .infer import profile
from .keys import keys
from .profiles import profiles
from .schema import schema
from .seed import seed
from .serve import serve
from .stats import stats
from .tokens import tokens
from .validate import validate
from .webhooks import webhooks


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sessionfaker")
def cli() -> None:
    """Synthetic, schema-faithful Clerk Session objects."""


cli.add_command(generate)
cli.add_command(validate)
cli.add_command(profiles)
cli.add_command(schema)
cli.add_command(seed)
cli.add_command(fixtures)
cli.add_command(stats)
cli.add_command(profile)
cli.add_command(serve)
cli.add_command(keys)
cli.add_command(tokens)
cli.add_command(webhooks)


def main() -> None:
    cli()
