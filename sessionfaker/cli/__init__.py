"""The ``sessionfaker`` command: a thin adapter over the library.

Each command parses its options, calls one library function, and turns
library errors into one-line messages (exit 2 for bad input, 1 for a
failure while running).
"""

from __future__ import annotations

import click

from .. import __version__
from .common import Group
from .fixtures import fixtures
from .generate import generate
from .infer import profile
from .profiles import profiles
from .schema import schema
from .seed import seed
from .stats import stats
from .validate import validate


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    cli()
