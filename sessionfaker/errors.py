"""One exception hierarchy; each class also subclasses the builtin it stands for."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or nothing.

    >>> did_you_mean("actve", ["active", "ended"])
    " (did you mean 'active'?)"
    """
    best = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {best[0]!r}?)" if best else ""


def format_args(args: Mapping[str, Any]) -> str:
    """Arguments as they were passed, for ``Cannot have ...`` messages.

    >>> format_args({"status": "expired", "actor": True})
    "status='expired', actor=True"
    """
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


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


class MissingExtraError(SessionfakerError, ImportError):
    """An optional dependency of a feature is not installed.

    The message is one line naming the feature, the module, the extra and
    the command that installs it; see :func:`require_extra`.
    """

    def __init__(self, extra: str, module: str, feature: str, hint: str = "") -> None:
        self.extra = extra
        self.module = module
        self.feature = feature
        self.hint = hint
        super().__init__(
            f"{feature} needs {module}, from the {extra!r} extra: "
            f"pip install 'sessionfaker[{extra}]'{hint}",
            name=module,
        )

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str, str, str]]:
        return type(self), (self.extra, self.module, self.feature, self.hint)


def require_extra(extra: str, module: str, feature: str, *, hint: str = "") -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra``.

    ``feature`` says what needs it (``"--plot"``, ``"the parquet format"``);
    ``hint`` is appended to the message.

    >>> require_extra("stats", "math", "sums").__name__
    'math'
    >>> import sys
    >>> sys.modules["nowhere"] = None  # as if not installed
    >>> try:
    ...     require_extra("plot", "nowhere.sub", "--plot")
    ... except MissingExtraError as exc:
    ...     print(exc)
    --plot needs nowhere, from the 'plot' extra: pip install 'sessionfaker[plot]'
    >>> del sys.modules["nowhere"]
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(extra, module.split(".")[0], feature, hint) from None


class OutputError(SessionfakerError, OSError):
    """An output (a file, a device, a pipe) cannot be written; nothing was replaced."""
