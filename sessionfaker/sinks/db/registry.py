"""Engines by URL scheme.

Each module in :mod:`sessionfaker.sinks.db.engines` registers its
:class:`~sessionfaker.sinks.db.base.Sink` with :func:`register`; a new
engine is one new module there. Engine modules import their driver only
when they connect, so finding them costs nothing.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from urllib.parse import urlsplit

from ...errors import InvalidArgument
from .base import Sink, redact

_ENGINES: dict[str, type[Sink]] = {}

S = type[Sink]


def register(*schemes: str) -> Callable[[S], S]:
    """A class decorator: the engine for URLs whose scheme is one of ``schemes``."""

    def add(cls: S) -> S:
        cls.schemes = schemes
        for scheme in schemes:
            _ENGINES[scheme] = cls
        return cls

    return add


@functools.cache
def engines() -> dict[str, type[Sink]]:
    """Every registered engine, by scheme."""
    from . import engines as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(_ENGINES)


def engine_for(url: str) -> type[Sink]:
    """The :class:`Sink` subclass for ``url``'s scheme (``postgresql+psycopg``
    is ``postgresql``); a malformed URL is refused here, in one line."""
    known = engines()
    shown = redact(url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    cls = known.get(scheme.split("+", 1)[0])
    if cls is None:
        schemes = ", ".join(f"{s}://" for s in sorted(known))
        raise InvalidArgument(f"unsupported database URL {shown!r} (known schemes: {schemes})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise InvalidArgument(f"malformed database URL {shown!r} ({exc})") from None
    return cls


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``, from the URL's scheme."""
    return engine_for(url).dialect


def connect(url: str) -> Sink:
    """An open :class:`Sink` for ``url``; close it (or use it as a context manager)."""
    sink = engine_for(url)(url)
    sink.connect()
    return sink
