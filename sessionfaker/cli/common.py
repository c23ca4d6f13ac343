"""Options and error handling shared by the commands."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from ..errors import InputError, InvalidArgument, ProfileError, SessionfakerError, StructureError
from ..profile import Profile, load_profile

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130
"""Exit code of every command stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


class UsageError(click.ClickException):
    """A one-line error with exit code 2 (bad input), without click's usage dump."""

    exit_code = 2


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors into one-line click errors: bad input (arguments,
    profiles, an input file that is not sessions) exits 2, anything that went
    wrong while running exits 1."""
    try:
        yield
    except (ProfileError, InvalidArgument, StructureError, InputError) as exc:
        raise UsageError(str(exc)) from None
    except (SessionfakerError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def interrupted(outcome: str | None = None) -> NoReturn:
    """End the command after Ctrl-C: ``interrupted: OUTCOME`` on stderr, exit 130.

    ``outcome`` says what state things were left in (``nothing was written
    to sessions``); every command uses this one wording and exit code.
    """
    click.echo("interrupted" + (f": {outcome}" if outcome else ""), err=True)
    sys.exit(EXIT_INTERRUPTED)


@contextmanager
def on_interrupt(outcome: str | None = None) -> Iterator[None]:
    """Turn Ctrl-C inside the block into :func:`interrupted` with ``outcome``."""
    try:
        yield
    except KeyboardInterrupt:
        interrupted(outcome)


class Group(click.Group):
    """A command group whose commands all end the same way on Ctrl-C (exit 130),
    whether or not they say more with :func:`on_interrupt`."""

    def invoke(self, ctx: click.Context) -> Any:
        with on_interrupt():
            return super().invoke(ctx)


def parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; VALUE is read as a TOML value when it is one, else as text."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set: expected KEY=VALUE ({item!r})")
        try:
            value: Any = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def profile_options(f: F) -> F:
    """--profile, --seed, --now and --set."""
    f = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one profile key, e.g. --set actor.rate=0.5 (repeatable).",
    )(f)
    f = click.option(
        "--now",
        metavar="ISO-8601|EPOCH_MS",
        help="Reference time (default: the profile's time.now).",
    )(f)
    f = click.option(
        "--seed", default="0", show_default=True, help="Seed: the same seed gives the same bytes."
    )(f)
    f = click.option(
        "-p",
        "--profile",
        "profile_ref",
        default="default",
        show_default=True,
        metavar="NAME|PATH",
        help="Built-in profile name or a profile file.",
    )(f)
    return f


def resolve_profile(profile_ref: str, now: str | None, overrides: tuple[str, ...]) -> Profile:
    with errors():
        return load_profile(profile_ref, now=now, overrides=parse_set(overrides) or None)
