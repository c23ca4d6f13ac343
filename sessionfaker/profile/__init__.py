"""Profiles: what the generated data looks like.

A profile is a TOML file (YAML and JSON are accepted too) of the keys in
:data:`KEYS`, which is the single definition of every key, its type, its
default and its meaning; ``docs/profiles.md`` is generated from it. Profiles
are validated eagerly, when they load: a bad value raises
:class:`~sessionfaker.errors.ProfileError` naming the file, the key path and
the value.

>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> p.lifetime_max, p.status_weights["active"] > 0
(604800000, True)

The parts, by job: ``keys`` (the :class:`Profile` fields, each key defined
once, and :data:`KEYS` derived from them), ``loading`` (names, files,
``extends`` chains, merging), ``values`` (converting and checking values,
building the profile, the checks across keys), ``dump`` (TOML) and
``reference`` (``docs/profiles.md``). This module only re-exports them.
"""

from __future__ import annotations

from .dump import dump_toml
from .keys import EARLY_ACTIVITY_MS, KEYS, KEYS_BY_PATH, Key, Profile
from .loading import (
    DEFAULT_PROFILE,
    MAX_EXTENDS,
    PROFILE_SUFFIXES,
    builtin_dir,
    builtin_names,
    load_profile,
)
from .reference import reference_markdown
from .values import MAX_CLIENTS, creation_range, lifetimes

__all__ = [
    "DEFAULT_PROFILE",
    "EARLY_ACTIVITY_MS",
    "KEYS",
    "KEYS_BY_PATH",
    "MAX_CLIENTS",
    "MAX_EXTENDS",
    "PROFILE_SUFFIXES",
    "Key",
    "Profile",
    "builtin_dir",
    "builtin_names",
    "creation_range",
    "dump_toml",
    "lifetimes",
    "load_profile",
    "reference_markdown",
]
