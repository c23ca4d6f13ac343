"""The one place that checks the ``tokens`` extra is installed."""

from __future__ import annotations

from types import ModuleType

from ..errors import require_extra


def crypto(name: str) -> ModuleType:
    """``cryptography.hazmat.primitives.<name>``, or a :class:`MissingExtraError`
    naming the ``tokens`` extra."""
    return require_extra("tokens", f"cryptography.hazmat.primitives.{name}", "signing")
