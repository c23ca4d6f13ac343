"""One exception hierarchy; each class also subclasses the builtin it stands for."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or nothing.

    >>> did_you_mean("actve", ["active", "ended"])
    " (did you mean 'active'?)"
    """
    best = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {best[0]!r}?)" if best else ""


class SessionfakerError(Exception):
    """Base class of every error sessionfaker raises on purpose."""


class ProfileError(SessionfakerError, ValueError):
    """A profile file, or an override of one, is not valid.

    The message is one line: ``source: key.path: what is wrong (value)``.
    """

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.reason = message
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + message)


class InvalidArgument(SessionfakerError, ValueError):
    """An argument to a library function (or CLI option) is out of range."""


class InputError(SessionfakerError, ValueError):
    """A sessions file that is read (validate, stats) cannot be parsed."""


class StructureError(SessionfakerError, ValueError):
    """A structure descriptor (the schema seed) is malformed."""


class OutputError(SessionfakerError, OSError):
    """An output (a file, a device, a pipe) cannot be written; nothing was replaced."""
