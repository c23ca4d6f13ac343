"""Names a package loads on first use (PEP 562), so that importing it stays cheap.

Standard library only: the package ``__init__`` uses it, and every test run
imports that.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_getattr(
    package: str, table: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from its
    submodule ``table[name]``, imported on first use, and is then kept in
    ``namespace`` (the package's ``globals()``) so that the next use is a
    plain lookup.

    >>> getattr_ = lazy_getattr("json", {"JSONDecoder": "decoder"}, {})
    >>> getattr_("JSONDecoder").__name__
    'JSONDecoder'
    """

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    return __getattr__
