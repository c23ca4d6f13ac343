from __future__ import annotations

import click

from ..profile import builtin_names, load_profile, reference_markdown
from .common import LazyGroup, errors, now_option


@click.group(
    cls=LazyGroup,
    # infer reads data with numpy: loaded only when it runs
    lazy={"infer": ("infer", "Fit a profile to the sessions in FILE.")},
)
def profiles() -> None:
    """List, show, check and infer profiles."""


@profiles.command("list")
def list_() -> None:
    """The built-in profiles, with their descriptions."""
    with errors():
        names = builtin_names()
        width = max(map(len, names))
        for name in names:
            click.echo(f"{name:<{width}}  {load_profile(name).description}")


@profiles.command()
@click.argument("name", metavar="NAME|PATH")
@now_option("Resolve the reference time to this.")
def show(name: str, now: str | None) -> None:
    """Print a profile, fully resolved (defaults and extends applied), as TOML."""
    with errors():
        click.echo(load_profile(name, now=now).to_toml(), nl=False)


@profiles.command()
@click.argument("path", metavar="NAME|PATH")
def check(path: str) -> None:
    """Load a profile and report whether it is valid (exit 2 if not)."""
    with errors():
        p = load_profile(path)
        from ..plan import compile_plan  # numpy: only for the command that needs it

        warnings = compile_plan(p).warnings()
    for warning in warnings:
        click.echo(f"{p.source}: warning: {warning}", err=True)
    click.echo(f"{p.source}: ok")


@profiles.command()
def reference() -> None:
    """Print the reference of every profile key (Markdown)."""
    click.echo(reference_markdown(), nl=False)
