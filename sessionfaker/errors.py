"""One exception hierarchy; each class also subclasses the builtin it stands for."""

from __future__ import annotations


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
