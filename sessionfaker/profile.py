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
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from . import documents
from .errors import ProfileError, did_you_mean
from .rules import (
    ACTIVITY_ID_LAG_S,
    ACTOR_KINDS,
    DEVICE_KINDS,
    LIVE_STATUSES,
    MS_MAX,
    MS_MIN,
    STATUSES,
    TASK_KEYS,
    Policy,
)
from .timeutil import (
    format_duration,
    format_instant,
    parse_duration,
    parse_instant,
    parse_now,
    wall_clock_ms,
)
from .vocab import load as load_vocabulary

DEFAULT_PROFILE = "default"
MAX_EXTENDS = 32
"""The longest chain of profiles extending each other that loads."""
PROFILE_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
# Clients in one population: their indices stay exact in 64-bit arithmetic.
MAX_CLIENTS = 2**62
# How far before created_at the early-activity quirk puts last_active_at.
EARLY_ACTIVITY_MS = 9


@dataclass(frozen=True)
class Key:
    """One profile key: its dotted path, kind, default and meaning."""

    path: str
    kind: str  # weights | rate | duration | count | number | instant | window | text
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    minimum: int = 0

    @property
    def attr(self) -> str:
        return self.path.replace(".", "_")


def _countries() -> tuple[str, ...]:
    return tuple(c for c, _ in load_vocabulary().countries)


def _key(
    path: str,
    kind: str,
    default: Any,
    doc: str,
    choices: tuple[str, ...] = (),
    minimum: int = 0,
) -> Any:
    """A :class:`Profile` field that is a profile key: its one definition."""
    return dataclasses.field(metadata={"key": Key(path, kind, default, doc, choices, minimum)})


@dataclass(frozen=True, kw_only=True)
class Profile:
    """A loaded, validated profile with its reference time resolved.

    Each field made by ``_key`` is a profile key (its attribute is the dotted
    path with ``_`` for ``.``); :data:`KEYS` is derived from these fields.
    """

    name: str = _key(
        "name", "text", "", "Short name shown by `profiles list`; defaults to the file name."
    )
    description: str = _key("description", "text", "", "One line saying what the profile is for.")
    status_weights: Mapping[str, float] = _key(
        "status.weights",
        "weights",
        {
            "active": 5,
            "pending": 0.5,
            "ended": 30,
            "removed": 12,
            "revoked": 2.5,
            "expired": 32,
            "abandoned": 15,
            "replaced": 3,
        },
        "Relative share of each status. Statuses left out get 0.",
        STATUSES,
    )
    lifetime_max: int = _key(
        "lifetime.max", "duration", "7d", "Maximum session lifetime: `expire_at - created_at`."
    )
    lifetime_abandon: int = _key(
        "lifetime.abandon", "duration", "30d", "`abandon_at - created_at`."
    )
    lifetime_actor: int = _key(
        "lifetime.actor",
        "duration",
        "30m",
        "Lifetime of impersonated and agent sessions (Clerk's default is 30 minutes).",
    )
    time_now: int = _key(
        "time.now",
        "instant",
        "now",
        "Reference time: ISO 8601, epoch milliseconds, or `now` (the wall clock, read "
        "once per run and truncated to the second). `--now` overrides it.",
    )
    time_window_start: int = _key(
        "time.window_start",
        "window",
        "90d",
        "Start of the creation window: an instant, or a duration before `time.now`.",
    )
    time_window_end: int = _key(
        "time.window_end",
        "window",
        "0s",
        "End of the creation window: an instant, or a duration before `time.now`.",
    )
    time_growth: float = _key(
        "time.growth",
        "number",
        1.0,
        "Arrival rate at the end of the window relative to its start (1 is stationary, 2 "
        "doubles over the window; above 0).",
    )
    time_daily: float = _key(
        "time.daily",
        "rate",
        0.0,
        "Depth of the daily cycle of sign-ins (0 is none, 1 is none at 03:00 UTC).",
    )
    time_weekly: float = _key(
        "time.weekly",
        "rate",
        0.0,
        "Depth of the weekly cycle: how much quieter Saturday and Sunday are (0 is no cycle).",
    )
    actor_rate: float = _key(
        "actor.rate", "rate", 0.01, "Share of sessions that carry an actor (impersonation)."
    )
    actor_kinds: Mapping[str, float] = _key(
        "actor.kinds",
        "weights",
        {"dashboard": 70, "token": 20, "agent": 10},
        "Mix of actor kinds: impersonation from Clerk's dashboard, a backend actor token, an "
        "agent task.",
        ACTOR_KINDS,
    )
    actor_impersonators: int = _key(
        "actor.impersonators", "count", 5, "How many distinct staff users impersonate.", minimum=1
    )
    organization_rate: float = _key(
        "organization.rate", "rate", 0.2, "Share of sessions with an active organisation."
    )
    organization_pool: int = _key(
        "organization.pool", "count", 50, "How many distinct organisations.", minimum=1
    )
    activity_rate: float = _key(
        "activity.rate", "rate", 0.97, "Share of sessions with `latest_activity`."
    )
    activity_devices: Mapping[str, float] = _key(
        "activity.devices",
        "weights",
        {"desktop": 60, "mobile_web": 30, "native_app": 10},
        "Mix of clients: desktop browser, mobile browser, native app. A client keeps its "
        "device, browser and version for life.",
        DEVICE_KINDS,
    )
    activity_countries: Mapping[str, float] = _key(
        "activity.countries",
        "weights",
        {},
        "Share of each country as users' home (ISO 3166 alpha-2 codes from the shipped "
        "vocabulary); empty means the vocabulary's own shares.",
    )
    activity_ipv6_rate: float = _key(
        "activity.ipv6_rate",
        "rate",
        0.1,
        "Share of IPv6 addresses (all in documentation ranges).",
    )
    activity_travel_rate: float = _key(
        "activity.travel_rate",
        "rate",
        0.05,
        "Share of sessions signed in away from the client's usual address (another place, "
        "sometimes another country).",
    )
    activity_app_name: str = _key(
        "activity.app_name", "text", "Acme", "`browser_name` of native-app sessions."
    )
    tasks_weights: Mapping[str, float] = _key(
        "tasks.weights",
        "weights",
        {"choose-organization": 50, "reset-password": 20, "setup-mfa": 30},
        "Mix of pending session tasks.",
        TASK_KEYS,
    )
    tasks_max: int = _key(
        "tasks.max", "count", 1, "Most tasks one pending session has (1 to 3).", minimum=1
    )
    population_users: int = _key(
        "population.users",
        "count",
        2000,
        "How many users the population has (runs longer than the population's sessions "
        "continue with a fresh population of the same size).",
        minimum=1,
    )
    population_clients_per_user: int = _key(
        "population.clients_per_user",
        "count",
        2,
        "Clients (devices, browsers, app installs) each user signs in from.",
        minimum=1,
    )
    population_skew: float = _key(
        "population.skew",
        "number",
        1.0,
        "How unevenly past sessions spread over clients: 0 is even, higher gives a few "
        "clients many sessions.",
    )
    population_new_users: float = _key(
        "population.new_users",
        "rate",
        0.2,
        "Share of users who sign up inside the creation window (the others signed up up to a "
        "year before it).",
    )
    population_model: str = _key(
        "population.model",
        "text",
        "cycles",
        "How sessions are laid out on clients: `cycles` cuts each client's time into sign-in "
        "cycles, so that its sessions follow one another and each status is what the creation "
        "time gives; `sessions` draws each one's status first and keeps live sessions on "
        "distinct clients, but lets past sessions of one client overlap (docs/realism.md).",
        ("sessions", "cycles"),
    )
    population_multi_session: float = _key(
        "population.multi_session",
        "rate",
        0.0,
        "Share of live sessions held by a second user on a multi-session client (Clerk's "
        "multi-session mode): the client's own user is then signed out of it.",
    )
    population_occupancy: float = _key(
        "population.occupancy",
        "rate",
        0.5,
        "How busy clients are, which sets how many sessions one population has: with "
        '`population.model = "sessions"` the share of clients holding a live session at '
        "`time.now`, with `cycles` the share of sign-in cycles holding a session.",
    )
    timeline_boundary_rate: float = _key(
        "timeline.boundary_rate",
        "rate",
        0.0,
        "Share of timestamps put on a boundary of their allowed range (created at the window "
        "edge, last activity 1 ms before expiry, ...).",
    )
    timeline_early_activity_rate: float = _key(
        "timeline.early_activity_rate",
        "rate",
        0.0,
        "Share of sessions whose `last_active_at` is a few ms before `created_at`, as Clerk "
        "stamps them in one request (real data does this; `validate --strict` refuses it).",
    )
    extra_null_rate: float = _key(
        "extra.null_rate",
        "rate",
        0.1,
        "Share of null values in nullable fields sessionfaker has no special knowledge of "
        "(fields a newer structure adds).",
    )
    tokens_org_roles: str = _key(
        "tokens.org_roles",
        "text",
        "admin,member",
        "Comma list of organisation roles, without the `org:` prefix; each user's role in an "
        "organisation is one of them, the same in every session token.",
    )
    tokens_org_permissions: str = _key(
        "tokens.org_permissions",
        "text",
        "",
        "Comma list of custom permissions (`org:<feature>:<permission>`) that session tokens "
        "with an organisation carry (`o.per`/`o.fpm` in v2, `org_permissions` in v1).",
    )
    tokens_plan: str = _key(
        "tokens.plan", "text", "", "The `pla` claim of v2 session tokens, e.g. `u:free_user`."
    )
    tokens_features: str = _key(
        "tokens.features",
        "text",
        "",
        "More `fea` entries of v2 session tokens, e.g. `u:export`, after the organisation "
        "features that `tokens.org_permissions` names.",
    )
    source: str = dataclasses.field(compare=False)
    # The merged raw values and where each came from, to re-validate overrides.
    raw: Mapping[str, Any] = dataclasses.field(repr=False, compare=False)
    origins: Mapping[str, str] = dataclasses.field(repr=False, compare=False)

    @property
    def now(self) -> int:
        return self.time_now

    @property
    def policy(self) -> Policy:
        kinds = frozenset(k for k, w in self.actor_kinds.items() if w > 0)
        return Policy(
            actor_lifetime_ms=self.lifetime_actor,
            actor_kinds=kinds if self.actor_rate > 0 else frozenset(),
            created_skew_ms=EARLY_ACTIVITY_MS if self.timeline_early_activity_rate > 0 else 0,
        )

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "--set") -> Profile:
        """A copy with some keys replaced, validated like a file.

        >>> load_profile("default", now="2026-11-01").with_overrides({"actor.rate": 2})
        Traceback (most recent call last):
        ...
        sessionfaker.errors.ProfileError: --set: actor.rate: rate must be between 0 and 1 (2)
        """
        raw = dict(self.raw)
        origins = dict(self.origins)
        flat = _flatten(dict(overrides), source)
        if "extends" in flat:
            raise ProfileError(
                source, "extends", "cannot change what a loaded profile extends (load it again)"
            )
        _merge(raw, origins, flat, source)
        # Keep the reference time already resolved (pinned by --now, or the
        # wall clock read once) unless the overrides set time.now themselves.
        return _build(raw, origins, self.source, None if "time.now" in flat else self.time_now)

    def with_now(self, now: str | int) -> Profile:
        """A copy whose reference time is ``now`` (what ``--now`` does)."""
        return _build(dict(self.raw), dict(self.origins), self.source, _parse_now("--now", now))

    def to_dict(self) -> dict[str, Any]:
        """The resolved profile as nested plain data (durations and times as text)."""
        out: dict[str, Any] = {}
        for key in KEYS:
            value = getattr(self, key.attr)
            if key.kind == "duration":
                value = format_duration(value)
            elif key.kind in ("instant", "window"):
                value = format_instant(value)
            elif key.kind == "weights":
                value = {k: _num(v) for k, v in value.items()}
            node = out
            *parents, leaf = key.path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
        return out

    def to_toml(self) -> str:
        """The resolved profile as a TOML document that loads back to an equal profile."""
        return dump_toml(self.to_dict())


KEYS: tuple[Key, ...] = tuple(
    f.metadata["key"] for f in dataclasses.fields(Profile) if "key" in f.metadata
)
KEYS_BY_PATH = {k.path: k for k in KEYS}
_TABLES = {k.path.split(".")[0] for k in KEYS if "." in k.path}
_META_KEYS = ("extends",)


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


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


# ---------------------------------------------------------------- loading


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


def _flatten(doc: Mapping[str, Any], label: str, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a nested document; weights tables stay whole."""
    out: dict[str, Any] = {}
    for k, v in doc.items():
        path = f"{prefix}{k}"
        if (not prefix and k in _META_KEYS) or path in KEYS_BY_PATH:
            _put(out, path, v, label)
        elif isinstance(v, Mapping) and not prefix and k in _TABLES:
            for inner, value in _flatten(v, label, path + ".").items():
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
    flat = _flatten(doc, label)
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
    _merge(raw, origins, flat, label)
    return raw, origins, label


def _merge(
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
    flat = _flatten(dict(overrides or {}), "--set")
    raw, origins, label = _load_chain(ref_s, None, (), extends=flat.pop("extends", None))
    _merge(raw, origins, flat, "--set")
    pinned = _parse_now("--now", now) if now is not None else None
    return _build(raw, origins, label, pinned)


def _parse_now(label: str, value: str | int) -> int:
    try:
        return parse_now(value)
    except ValueError as exc:
        raise ProfileError(label, "", str(exc)) from None


# ---------------------------------------------------------------- validation


_WEIGHT_NOUNS = {
    "status.weights": "status",
    "actor.kinds": "actor kind",
    "activity.devices": "device",
    "activity.countries": "country",
    "tasks.weights": "task",
}


_SMALLEST_SHARE = 1e-12


def _weights(key: Key, value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ProfileError(where, key.path, f"expected a table of weights ({value!r})")
    choices = key.choices or _countries()
    what = _WEIGHT_NOUNS[key.path]
    out = dict.fromkeys(choices, 0.0) if key.choices else {}
    for name, w in value.items():
        if name not in choices:
            raise ProfileError(
                where,
                f"{key.path}.{name}",
                f"unknown {what} {name!r}{did_you_mean(str(name), choices)}",
            )
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
            raise ProfileError(where, f"{key.path}.{name}", f"weight must be a number ({w!r})")
        if w < 0:
            raise ProfileError(where, f"{key.path}.{name}", f"weight must be >= 0 ({w!r})")
        out[name] = float(w)
    if value and not any(out.values()):
        raise ProfileError(where, key.path, "all weights are zero")
    total = sum(out.values())
    if not math.isfinite(total):
        raise ProfileError(where, key.path, "weights too large: their sum is not a finite number")
    # A share that vanishes in floating point (50 - 20 - 30 + 5e-324 is 0).
    for name, w in out.items():
        if 0 < w < total * _SMALLEST_SHARE:
            raise ProfileError(
                where,
                f"{key.path}.{name}",
                f"weight too small next to the others ({w!r}; at least {_SMALLEST_SHARE:g} "
                "of their sum, or 0)",
            )
    return out


def _convert(key: Key, value: Any, where: str, now: int) -> Any:
    kind = key.kind
    if kind == "weights":
        return _weights(key, value, where)
    if kind == "rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ProfileError(where, key.path, f"rate must be between 0 and 1 ({value!r})")
        return float(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ProfileError(where, key.path, f"expected a number from 0 to 100 ({value!r})")
        return float(value)
    if kind == "count":
        top = 3 if key.path == "tasks.max" else 10**12
        if isinstance(value, bool) or not isinstance(value, int) or not key.minimum <= value <= top:
            limit = f"from {key.minimum} to {top}" if top < 10**12 else f">= {key.minimum}"
            raise ProfileError(where, key.path, f"expected an integer {limit} ({value!r})")
        return value
    if kind == "duration":
        if not isinstance(value, str):
            raise ProfileError(where, key.path, f"expected a duration such as '7d' ({value!r})")
        try:
            ms = parse_duration(value)
        except ValueError as exc:
            raise ProfileError(where, key.path, str(exc)) from None
        if ms <= 0 and key.path.startswith("lifetime."):
            raise ProfileError(where, key.path, f"lifetime must be positive ({value!r})")
        return ms
    if kind == "window":
        if isinstance(value, str):
            try:
                return now - parse_duration(value)
            except ValueError:
                pass
        try:
            return parse_instant(value)
        except (ValueError, TypeError):
            raise ProfileError(
                where,
                key.path,
                f"malformed window bound {value!r} (expected a duration before time.now such "
                "as '90d', or an ISO 8601 instant)",
            ) from None
    if kind == "text":
        if not isinstance(value, str):
            raise ProfileError(where, key.path, f"expected a string ({value!r})")
        if key.choices and value not in key.choices:
            raise ProfileError(
                where,
                key.path,
                f"unknown value {value!r}{did_you_mean(value, key.choices)} (one of "
                f"{', '.join(key.choices)})",
            )
        return value
    raise AssertionError(kind)


def _build(
    raw: Mapping[str, Any], origins: Mapping[str, str], label: str, pinned_now: int | None
) -> Profile:
    values: dict[str, Any] = {}

    def value_of(key: Key) -> tuple[Any, str]:
        if key.path in raw:
            return raw[key.path], origins.get(key.path, label)
        return key.default, "default"

    # The reference time first: the window may be relative to it.
    now_raw, now_where = value_of(KEYS_BY_PATH["time.now"])
    if now_raw == "now":
        now = pinned_now if pinned_now is not None else wall_clock_ms()
    else:
        try:
            now = parse_instant(now_raw)
        except (ValueError, TypeError) as exc:
            raise ProfileError(now_where, "time.now", str(exc)) from None
        if pinned_now is not None:
            now = pinned_now
    values["time_now"] = now
    if pinned_now is not None:
        origins = {**origins, "time.now": "--now"}
    for key in KEYS:
        if key.path == "time.now":
            continue
        v, where = value_of(key)
        values[key.attr] = _convert(key, v, where, now)
    if not values["name"]:
        values["name"] = Path(label).name.rsplit(".", 1)[0]
    if not values["activity_countries"]:
        values["activity_countries"] = {c: float(w) for c, w in load_vocabulary().countries}
    profile = Profile(**values, source=label, raw=dict(raw), origins=dict(origins))
    _check_feasible(profile, lambda path: origins.get(path, label))
    return profile


def _check_feasible(p: Profile, where: Callable[[str], str]) -> None:
    start, end, now = p.time_window_start, p.time_window_end, p.time_now
    if start > end:
        raise ProfileError(
            where("time.window_start"),
            "time.window_start",
            f"creation window starts after it ends ({format_instant(start)} > "
            f"{format_instant(end)})",
        )
    if start < MS_MIN or now > MS_MAX:
        key, value = ("time.window_start", start) if start < MS_MIN else ("time.now", now)
        raise ProfileError(
            where(key),
            key,
            f"{format_instant(value)} is outside what a KSUID id can encode "
            f"({format_instant(MS_MIN)} to {format_instant(MS_MAX)})",
        )
    if now < end:
        raise ProfileError(
            where("time.now"),
            "time.now",
            f"reference time {format_instant(now)} is before the end of the creation window "
            f"({format_instant(end)})",
        )
    if p.time_growth <= 0:
        raise ProfileError(
            where("time.growth"), "time.growth", f"growth must be above 0 ({p.time_growth:g})"
        )
    clients = p.population_users * p.population_clients_per_user
    if clients > MAX_CLIENTS:
        raise ProfileError(
            where("population.users"),
            "population.users",
            f"{p.population_users} users with {p.population_clients_per_user} clients each "
            f"make {clients} clients, more than {MAX_CLIENTS}",
        )
    _check_timestamps_fit(p, where)
    if p.lifetime_abandon <= 0 or p.lifetime_max <= 0:
        return
    for status, weight in p.status_weights.items():
        if weight > 0 and creation_range(p, status, actor=False) is None:
            raise ProfileError(
                where("status.weights"),
                f"status.weights.{status}",
                f"no creation time in the window gives status {status} at "
                f"{format_instant(now)} (window {format_instant(start)} to {format_instant(end)}, "
                f"lifetime.max {format_duration(p.lifetime_max)}, lifetime.abandon "
                f"{format_duration(p.lifetime_abandon)})",
            )
    if p.tasks_max > sum(1 for w in p.tasks_weights.values() if w > 0) and p.status_weights.get(
        "pending", 0
    ):
        raise ProfileError(
            where("tasks.max"),
            "tasks.max",
            f"more tasks than task kinds with a weight ({p.tasks_max})",
        )


def _check_timestamps_fit(p: Profile, where: Callable[[str], str]) -> None:
    """Every timestamp of every session in [MS_MIN, MS_MAX] (rule timestamp.ms),
    and room for latest_activity's id before the earliest session (a KSUID
    second from the KSUID epoch on)."""
    latest = min(p.time_window_end, p.time_now)
    lives = {"lifetime.max": p.lifetime_max, "lifetime.abandon": p.lifetime_abandon}
    if p.actor_rate > 0:
        lives["lifetime.actor"] = p.lifetime_actor
    key = max(lives, key=lambda k: lives[k])
    if latest + lives[key] > MS_MAX:
        raise ProfileError(
            where(key),
            key,
            f"{format_duration(lives[key])} after the end of the creation window "
            f"({format_instant(latest)}) is later than a timestamp may be "
            f"({format_instant(MS_MAX)})",
        )
    earliest = MS_MIN + ACTIVITY_ID_LAG_S[1] * 1000
    if p.activity_rate > 0 and p.time_window_start < earliest:
        raise ProfileError(
            where("time.window_start"),
            "time.window_start",
            f"{format_instant(p.time_window_start)} leaves no room for latest_activity's id, "
            f"{ACTIVITY_ID_LAG_S[0]} to {ACTIVITY_ID_LAG_S[1]} s before its session "
            f"(window from {format_instant(earliest)} on, or activity.rate 0)",
        )


def lifetimes(p: Profile, *, actor: bool) -> tuple[int, int]:
    """(expire_at - created_at, abandon_at - created_at) in ms."""
    return (p.lifetime_actor if actor else p.lifetime_max), p.lifetime_abandon


def creation_range(p: Profile, status: str, *, actor: bool) -> tuple[int, int] | None:
    """The inclusive range of ``created_at`` that makes ``status`` coherent at
    ``p.now``, or None when the window allows none."""
    life, abandon = lifetimes(p, actor=actor)
    lo, hi = p.time_window_start, min(p.time_window_end, p.time_now)
    if status in LIVE_STATUSES:
        lo = max(lo, p.time_now - min(life, abandon) + 1)
    elif status == "expired":
        hi = min(hi, p.time_now - life)
    elif status == "abandoned":
        hi = min(hi, p.time_now - abandon)
    else:
        # A transition strictly before expiry and abandonment, and not after now.
        pass
    return (lo, hi) if lo <= hi else None


_KIND_DOC = {
    "weights": "table of weights",
    "rate": "number, 0 to 1",
    "duration": "duration",
    "count": "integer",
    "number": "number, 0 to 100",
    "instant": "instant",
    "window": "instant or duration",
    "text": "string",
}


def reference_markdown() -> str:
    """The profile reference (``docs/profiles.md``), generated from :data:`KEYS`."""
    lines = [
        "# Profile reference",
        "",
        "<!-- Generated from sessionfaker.profile.KEYS by `sessionfaker profiles reference`;"
        " a test keeps it in sync. -->",
        "",
        "A profile is a TOML file (YAML and JSON are accepted too). Every key is optional:",
        "a missing key takes its default, or the value of the profile named by `extends`.",
        "`--set KEY=VALUE` on the command line overrides one key, with the same checks.",
        "",
        "Durations are written `7d`, `12h`, `30m`, `90s`, `250ms`, combinations such as",
        "`1h30m`, or ISO 8601 (`P7D`, `PT30M`). Instants are ISO 8601 (`2026-11-01T00:00:00Z`;",
        "no zone means UTC) or epoch milliseconds. Weights are relative: `{ a = 3, b = 1 }`",
        "gives a three times as often as b; a name left out of a table has weight 0. A",
        "profile that `extends` another inherits its weight tables and changes only the",
        "names it lists.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        "| `extends` | string | none | Name of a built-in profile, or a path (relative to "
        "this file), whose values this profile starts from. |",
    ]
    for k in KEYS:
        if k.kind == "weights":
            default = (
                "the vocabulary's shares"
                if not k.default
                else "`{ " + ", ".join(f"{a} = {b}" for a, b in k.default.items()) + " }`"
            )
        elif k.default == "":
            default = "none"
        else:
            default = f"`{k.default}`"
        meaning = k.doc
        if k.choices:
            meaning += " Names: " + ", ".join(f"`{c}`" for c in k.choices) + "."
        lines.append(f"| `{k.path}` | {_KIND_DOC[k.kind]} | {default} | {meaning} |")
    lines += [
        "",
        "Checks made when a profile loads (each fails with one line naming the file, the key",
        "and the value, and exit code 2): syntax, unknown keys (with the closest known key",
        "suggested), unknown names in weight tables, negative or all-zero weights, rates",
        "outside [0, 1], malformed durations and instants, a reference time before the end of",
        "the creation window, a status that no creation time in the window can produce,",
        "weights whose sum overflows or that vanish in it, a lifetime that carries a",
        "timestamp past what a KSUID can encode, a window leaving no room for the activity",
        "id (10 to 40 s before a session, after the KSUID epoch), and `extends` cycles.",
        "",
    ]
    return "\n".join(lines)
