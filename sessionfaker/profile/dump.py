"""Profile data as TOML text, keys in the order of :data:`~.keys.KEYS`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .keys import KEYS, KEYS_BY_PATH


def dump_toml(
    doc: Mapping[str, Any],
    *,
    comments: Mapping[str, Sequence[str]] | None = None,
    header: Sequence[str] = (),
) -> str:
    """Profile data, nested as :meth:`Profile.to_dict` gives it, as TOML text.

    Keys come in the order of :data:`KEYS`: top-level keys, then a table per
    section, mappings (weights) inline. ``comments`` maps a dotted key to the
    comment lines written above it (alone when the key has no value);
    ``header`` lines open the document.

    >>> print(dump_toml({"name": "x", "status": {"weights": {"active": 1}}},
    ...                 comments={"status.weights": ["Relative shares."]}), end="")
    name = "x"
    <BLANKLINE>
    [status]
    # Relative shares.
    weights = {active = 1}
    """
    import tomlkit

    comments = comments or {}
    paths = set(comments)
    for name, value in doc.items():
        if isinstance(value, Mapping) and name not in KEYS_BY_PATH:
            paths.update(f"{name}.{leaf}" for leaf in value)
        else:
            paths.add(name)
    unknown = sorted(paths - set(KEYS_BY_PATH))
    if unknown:
        raise ValueError(f"not profile keys: {', '.join(unknown)}")
    out = tomlkit.document()
    for line in header:
        out.add(tomlkit.comment(line))
    tables: dict[str, Any] = {}
    for key in KEYS:
        section, _, leaf = key.path.rpartition(".")
        parent = doc.get(section, {}) if section else doc
        if leaf not in parent and key.path not in comments:
            continue
        target: Any = out
        if section:
            if section not in tables:
                tables[section] = tomlkit.table()
                out.add(section, tables[section])
            target = tables[section]
        for line in comments.get(key.path, ()):
            target.add(tomlkit.comment(line))
        if leaf in parent:
            value = parent[leaf]
            if isinstance(value, Mapping):
                inline = tomlkit.inline_table()
                inline.update(value)
                value = inline
            target.add(leaf, value)
    return tomlkit.dumps(out)
