"""Reading profile documents (TOML, YAML, JSON) as an attacker might write them.

A profile is a small table of keys, so anything a profile never needs is
refused with one line naming the file, and the key path where there is one:
YAML aliases and anchors (a "billion laughs" bomb expands exponentially),
duplicate keys (JSON and YAML would silently keep the last; TOML refuses
them itself), nesting deeper than a profile goes, numbers no key can take
(infinite, not a number, or an integer beyond 64 bits), text that is not
UTF-8, and files larger than :data:`MAX_BYTES`.

>>> read_document(b'{"actor": {"rate": 0.5}}', "p.json", ".json")
{'actor': {'rate': 0.5}}
>>> read_document(b'{"actor": {"rate": 1, "rate": 2}}', "p.json", ".json")
Traceback (most recent call last):
...
sessionfaker.errors.ProfileError: p.json: actor.rate: duplicate key
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from typing import Any

from .errors import ProfileError, require_extra

MAX_BYTES = 1 << 20
"""The largest profile file read: built-in profiles are about 1 KB."""
MAX_DEPTH = 8
"""Tables inside tables a profile may have (it needs 3: ``status.weights.active``)."""
_INT_LIMIT = 1 << 63
_MAX_DIGITS = 24
YAML_EXTRA = "yaml"


class _Duplicates(dict[str, Any]):
    """A JSON object that remembers which of its keys came more than once."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.duplicates: list[str] = []
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                self.duplicates.append(k)
            seen.add(k)


class _HugeInt(str):
    """An integer literal too long to be any profile value (kept as its text)."""


def decode(data: bytes, label: str) -> str:
    """UTF-8 text of a profile file (a leading byte order mark is dropped)."""
    if len(data) > MAX_BYTES:
        raise ProfileError(label, "", f"larger than {MAX_BYTES >> 20} MiB: not a profile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileError(
            label, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def read_document(data: bytes, label: str, suffix: str) -> dict[str, Any]:
    """The top-level table of a profile file's bytes; ``suffix`` picks the syntax."""
    text = decode(data, label)
    try:
        if suffix == ".json":
            doc = json.loads(
                text,
                object_pairs_hook=_Duplicates,
                parse_int=lambda s: int(s) if len(s) <= _MAX_DIGITS else _HugeInt(s),
                parse_constant=float,
            )
        elif suffix in (".yaml", ".yml"):
            doc = _read_yaml(text, label)
        else:
            doc = tomllib.loads(text)
    except ProfileError:
        raise
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(label, "", f"syntax error: {exc}") from None
    except RecursionError:
        raise ProfileError(label, "", f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's limit on int("9" * 4301)
            raise ProfileError(label, "", "integer out of range (more than 4300 digits)") from None
        raise ProfileError(label, "", f"unreadable value: {exc}") from None
    if not isinstance(doc, dict):
        raise ProfileError(label, "", "expected a table of profile keys at the top level")
    _check_values(doc, label, "", 1)
    return dict(doc)


def _check_values(value: Any, label: str, path: str, depth: int) -> None:
    """Refuse what no profile key can take, naming the key path."""
    if isinstance(value, _HugeInt):
        raise ProfileError(label, path, f"integer out of range ({len(value.lstrip('-'))} digits)")
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -_INT_LIMIT <= value < _INT_LIMIT:
            raise ProfileError(label, path, f"integer out of range ({len(str(abs(value)))} digits)")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProfileError(label, path, f"number out of range ({value})")
        return
    if isinstance(value, str):
        _check_text(value, label, path)
        return
    if not isinstance(value, Mapping | list):
        return
    if depth > MAX_DEPTH:
        raise ProfileError(label, path, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, _Duplicates) and value.duplicates:
        raise ProfileError(label, _join(path, value.duplicates[0]), "duplicate key")
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    for k, v in items:
        where = _join(path, str(k))
        if isinstance(k, str):
            _check_text(k, label, where)
        _check_values(v, label, where, depth + 1)


def _check_text(text: str, label: str, path: str) -> None:
    """JSON and YAML escapes can spell a lone surrogate, which no output can encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "backslashreplace").decode()
        raise ProfileError(label, shown, "not valid Unicode text (a lone surrogate)") from None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _read_yaml(text: str, label: str) -> Any:
    yaml = require_extra(
        YAML_EXTRA, "yaml", f"{label}: a YAML profile", hint=" (or write the profile in TOML)"
    )

    loader = yaml.SafeLoader(text)
    try:
        node = _compose_plain(loader, label, yaml)
        if node is None:
            return {}
        _check_yaml_keys(node, label, "", 1, yaml)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ProfileError(label, "", f"syntax error: {problem}{where}") from None
    finally:
        loader.dispose()


def _compose_plain(loader: Any, label: str, yaml: Any) -> Any:
    """The single document's node tree, refusing anchors and aliases as they come."""
    original = loader.compose_node

    def compose_node(parent: Any, index: Any) -> Any:
        event = loader.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            alias = isinstance(event, yaml.AliasEvent)
            sign = "*" if alias else "&"
            mark = event.start_mark
            raise ProfileError(
                label,
                "",
                f"YAML {'alias' if alias else 'anchor'} {sign}{event.anchor} at line "
                f"{mark.line + 1}, column {mark.column + 1}: anchors and aliases are not "
                "allowed in a profile (they can expand without bound)",
            )
        return original(parent, index)

    loader.compose_node = compose_node
    return loader.get_single_node()


def _check_yaml_keys(node: Any, label: str, path: str, depth: int, yaml: Any) -> None:
    """Duplicate keys, depth and integers too long to convert, before constructing."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:int" and len(node.value) > _MAX_DIGITS:
            digits = len(node.value.lstrip("+-").replace("_", ""))
            raise ProfileError(label, path, f"integer out of range ({digits} digits)")
        return
    if depth > MAX_DEPTH:
        raise ProfileError(label, path, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_yaml_keys(item, label, _join(path, str(i)), depth + 1, yaml)
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        where = _join(path, key)
        if key in seen:
            raise ProfileError(label, where, "duplicate key")
        seen.add(key)
        _check_yaml_keys(value_node, label, where, depth + 1, yaml)
