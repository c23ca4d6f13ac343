"""Reading profiles: built-in names and files, ``extends`` chains, and the
merge of their raw values (converted and checked by ``values.build``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from .. import documents
from ..errors import ProfileError, did_you_mean
from .keys import KEYS, KEYS_BY_PATH, Profile
from .values import build, parse_reference_time

DEFAULT_PROFILE = "default"
MAX_EXTENDS = 32
"""The longest chain of profiles extending each other that loads."""
PROFILE_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
_TABLES = {k.path.split(".")[0] for k in KEYS if "." in k.path}
_META_KEYS = ("extends",)


def builtin_dir() -> Traversable:
    """Where the built-in profiles live: inside the installed wheel, or the
    checkout's top-level ``profiles/`` when running from source."""
    packaged = resources.files("sessionfaker").joinpath("profiles")
    if packaged.is_dir():
        return packaged
    return resources.files("sessionfaker").joinpath("..", "profiles")


def builtin_names() -> list[str]:
    d = builtin_dir()
    return sorted(
        p.name.rsplit(".", 1)[0]
        for p in d.iterdir()
        if p.is_file() and p.name.endswith(PROFILE_SUFFIXES)
    )


def _read_document(data: bytes, label: str, suffix: str) -> dict[str, Any]:
    return documents.read_document(data, label, suffix)


def _read_bytes(path: Path | Traversable, label: str) -> bytes:
    """At most one byte more than a profile may have: /dev/zero must not hang."""
    try:
        with path.open("rb") as f:
            data: bytes = f.read(documents.MAX_BYTES + 1)
            return data
    except FileNotFoundError:
        raise ProfileError(label, "", f"no such profile file {label!r}") from None
    except OSError as exc:
        raise ProfileError(label, "", f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the name
        raise ProfileError(repr(label), "", "not a file name (it contains a NUL byte)") from None


def _locate(ref: str, relative_to: Path | None) -> tuple[str, bytes, str]:
    """Resolve a profile reference to (label, content, suffix)."""
    looks_like_path = ref.endswith(PROFILE_SUFFIXES) or "/" in ref or "\\" in ref
    if looks_like_path:
        p = Path(ref)
        if relative_to is not None and not p.is_absolute():
            p = relative_to / p
        return str(p), _read_bytes(p, str(p)), p.suffix.lower()
    d = builtin_dir()
    names = builtin_names()
    if ref in names:
        for suffix in PROFILE_SUFFIXES:
            f = d.joinpath(ref + suffix)
            if f.is_file():
                label = f"profiles/{ref}{suffix}"
                return label, _read_bytes(f, label), suffix
    hint = did_you_mean(ref, names)
    shown = ref if ref.isprintable() and len(ref) <= 100 else repr(ref[:100])
    raise ProfileError(
        shown, "", f"no built-in profile named {ref[:100]!r}{hint} (built-in: {', '.join(names)})"
    )


def flatten(doc: Mapping[str, Any], label: str, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a nested document; weights tables stay whole."""
    out: dict[str, Any] = {}
    for k, v in doc.items():
        path = f"{prefix}{k}"
        if (not prefix and k in _META_KEYS) or path in KEYS_BY_PATH:
            _put(out, path, v, label)
        elif isinstance(v, Mapping) and not prefix and k in _TABLES:
            for inner, value in flatten(v, label, path + ".").items():
                _put(out, inner, value, label)
        elif "." in path and not prefix and path.split(".")[0] in _TABLES:
            # a dotted key from --set or a flat document
            if path not in KEYS_BY_PATH and not _is_weight_entry(path):
                _unknown(label, path)
            _put(out, path, v, label)
        else:
            _unknown(label, path)
    return out


def _put(out: dict[str, Any], path: str, value: Any, label: str) -> None:
    """Set one flattened key, refusing a key the document gives twice (spelled
    as a table and as a dotted key, or a weight in and beside its table)."""
    parent, _, name = path.rpartition(".")
    twice = path in out or (
        _is_weight_entry(path) and isinstance(out.get(parent), Mapping) and name in out[parent]
    )
    if isinstance(value, Mapping):
        twice = twice or any(f"{path}.{entry}" in out for entry in value)
    if twice:
        raise ProfileError(label, path, "duplicate key")
    out[path] = value


def _is_weight_entry(path: str) -> bool:
    parent = path.rsplit(".", 1)[0]
    return parent in KEYS_BY_PATH and KEYS_BY_PATH[parent].kind == "weights"


def _unknown(label: str, path: str) -> None:
    options = [k.path for k in KEYS] + list(_META_KEYS)
    shown = path if len(path) <= 100 else path[:100] + "..."
    raise ProfileError(label, shown, "unknown key" + did_you_mean(path, options))


def _load_chain(
    ref: str, relative_to: Path | None, stack: tuple[str, ...], extends: Any = None
) -> tuple[dict[str, Any], dict[str, str], str]:
    """The merged raw values of ``ref`` and the profiles it extends; a given
    ``extends`` (from ``--set extends=...``) replaces the file's own."""
    if len(stack) >= MAX_EXTENDS:
        raise ProfileError(
            stack[-1], "extends", f"more than {MAX_EXTENDS} profiles extend each other"
        )
    label, data, suffix = _locate(ref, relative_to)
    if label in stack:
        cycle = " -> ".join((*stack[stack.index(label) :], label))
        raise ProfileError(stack[-1], "extends", f"cycle {cycle}")
    doc = _read_document(data, label, suffix)
    flat = flatten(doc, label)
    raw: dict[str, Any] = {}
    origins: dict[str, str] = {}
    parent = flat.pop("extends", None)
    asker, base_dir = label, Path(label).parent if label != f"profiles/{ref}{suffix}" else None
    if extends is not None:
        parent, asker, base_dir = extends, "--set", None
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise ProfileError(asker, "extends", f"expected a profile name or path ({parent!r})")
        try:
            raw, origins, _ = _load_chain(parent, base_dir, (*stack, label))
        except ProfileError as exc:
            if exc.key or exc.source in stack or exc.source == label:
                raise
            # The parent itself could not be found: say which file asked for it.
            raise ProfileError(asker, "extends", exc.reason) from None
        # A profile's name and description are its own, never inherited.
        for own in ("name", "description"):
            raw.pop(own, None)
            origins.pop(own, None)
    merge(raw, origins, flat, label)
    return raw, origins, label


def merge(
    raw: dict[str, Any], origins: dict[str, str], flat: Mapping[str, Any], label: str
) -> None:
    for path, value in flat.items():
        key = KEYS_BY_PATH.get(path)
        if key is not None and key.kind == "weights" and isinstance(value, Mapping):
            # A weights table adds to (and overrides entries of) the inherited one.
            table = dict(raw.get(path, {})) if isinstance(raw.get(path), Mapping) else {}
            table.update(value)
            raw[path] = table
            origins[path] = label
        elif _is_weight_entry(path):
            parent, name = path.rsplit(".", 1)
            table = dict(raw.get(parent, {})) if isinstance(raw.get(parent), Mapping) else {}
            table[name] = value
            raw[parent] = table
            origins[parent] = label
        else:
            raw[path] = value
            origins[path] = label


def load_profile(
    ref: str | Path | None = None,
    *,
    now: str | int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Profile:
    """Load a built-in profile by name, or a profile file by path.

    ``now`` pins the reference time (else the profile's ``time.now``, read
    from the wall clock once here when it is ``now``); ``overrides`` maps
    dotted keys to values, as ``--set`` does.
    """
    ref_s = str(ref) if ref is not None else DEFAULT_PROFILE
    flat = flatten(dict(overrides or {}), "--set")
    raw, origins, label = _load_chain(ref_s, None, (), extends=flat.pop("extends", None))
    merge(raw, origins, flat, "--set")
    pinned = parse_reference_time("--now", now) if now is not None else None
    return build(raw, origins, label, pinned)
