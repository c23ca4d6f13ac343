"""The profile keys, each defined once as a field of :class:`Profile`.

:data:`KEYS` is derived from the fields; loading (``loading``), value checks
(``values``), TOML (``dump``) and the reference (``reference``) all read it.
``Profile``'s methods that build a new profile import ``loading`` and
``values`` when called, because those modules build ``Profile`` objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ProfileError
from ..rules import ACTOR_KINDS, DEVICE_KINDS, STATUSES, TASK_KEYS, Policy
from ..timeutil import format_duration, format_instant

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
        from .loading import flatten, merge
        from .values import build

        raw = dict(self.raw)
        origins = dict(self.origins)
        flat = flatten(dict(overrides), source)
        if "extends" in flat:
            raise ProfileError(
                source, "extends", "cannot change what a loaded profile extends (load it again)"
            )
        merge(raw, origins, flat, source)
        # Keep the reference time already resolved (pinned by --now, or the
        # wall clock read once) unless the overrides set time.now themselves.
        return build(raw, origins, self.source, None if "time.now" in flat else self.time_now)

    def with_now(self, now: str | int) -> Profile:
        """A copy whose reference time is ``now`` (what ``--now`` does)."""
        from .values import build, parse_reference_time

        return build(
            dict(self.raw), dict(self.origins), self.source, parse_reference_time("--now", now)
        )

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
        from .dump import dump_toml

        return dump_toml(self.to_dict())


KEYS: tuple[Key, ...] = tuple(
    f.metadata["key"] for f in dataclasses.fields(Profile) if "key" in f.metadata
)
KEYS_BY_PATH = {k.path: k for k in KEYS}


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v
