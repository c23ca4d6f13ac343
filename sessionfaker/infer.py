"""Fitting a profile to sessions, for instance an export of Clerk's ``GET /sessions``.

:func:`infer_profile` turns the tallies of :mod:`sessionfaker.stats` into a
commented TOML profile that loads with
:func:`~sessionfaker.profile.load_profile` and generates sessions that
``sessionfaker stats --profile`` cannot tell from the input. Each key is
fitted so that the generator reproduces what was observed (see
``docs/stats.md`` for how); keys the data says nothing about keep their
defaults.

Only aggregate parameters are kept: shares, rates, durations, counts, and
the reference time rounded up to the second. No identifier, IP address,
city, country, browser, app name or other value of the input is written.

>>> from sessionfaker import generate, load_profile
>>> from sessionfaker.stats import describe
>>> p = load_profile("b2b", now="2026-11-01T00:00:00Z")
>>> fit = infer_profile(describe(enumerate(generate(p, 500, seed=1), 1)))
>>> fit.values["lifetime.max"], fit.values["tasks.max"], fit.profile.time_now <= p.time_now
('7d', 2, True)
"""

from __future__ import annotations

import dataclasses
import tempfile
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import InputError, ProfileError, require_extra
from .plan import compile_plan
from .profile import KEYS, KEYS_BY_PATH, Profile, creation_range, dump_toml, load_profile
from .rules import ACTOR_KINDS, DEVICE_KINDS, LIVE_STATUSES, STATUSES, TASK_KEYS
from .stats import Stats, describe_file
from .stats.fit import (
    arrival_shape,
    cycles_of,
    fit_clients,
    fit_new_users,
    fit_population,
    pool_size,
)
from .timeutil import format_duration, format_instant, parse_duration

__all__ = ["InferredProfile", "infer_file", "infer_profile"]

# Keys that infer_profile never writes, and why.
NOT_INFERRED = {
    "name": "taken from the file name",
    "activity.countries": "countries are values of the input",
    "activity.app_name": "the app's name is a value of the input",
    "timeline.boundary_rate": "not estimated",
    "population.occupancy": "on sign-in cycles it shapes the spread like population.skew",
    "extra.null_rate": "only for fields a newer structure adds",
}
_SECOND = 1000
_DAY = 86_400_000


@dataclass(frozen=True)
class InferredProfile:
    """A fitted profile: the TOML text, the profile it loads to, and each value written."""

    text: str
    profile: Profile
    values: Mapping[str, Any]
    sessions: int


# ---------------------------------------------------------------- fitting helpers


def _mode_seconds(values: Sequence[int]) -> tuple[int, int] | None:
    """The most common value rounded to the second (the larger on a tie) and how often."""
    if not values:
        return None
    counts = Counter(round(v / _SECOND) * _SECOND for v in values)
    value, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return value, n


def _fit_task_weights(lists: Mapping[tuple[str, ...], int]) -> dict[str, float]:
    """Task weights, in percent, that make the observed ordered task lists most likely.

    The generator draws each task of a list by weight from the kinds not
    drawn yet (a Plackett-Luce model); the maximum-likelihood weights come
    from Hunter's MM iteration. Weights of the first tasks alone would ignore
    what the later ones say.

    >>> _fit_task_weights({("setup-mfa",): 3, ("reset-password",): 1})
    {'choose-organization': 0.0, 'reset-password': 25.0, 'setup-mfa': 75.0}
    """
    kinds = [k for k in TASK_KEYS if any(k in keys for keys in lists)]
    # (chosen, the kinds it was chosen from, how many sessions)
    events: list[tuple[str, frozenset[str], int]] = []
    for keys, count in lists.items():
        left = set(kinds)
        for k in keys:
            if k not in left:
                break  # a repeated task: the generator never makes one
            events.append((k, frozenset(left), count))
            left.discard(k)
    wins = Counter[str]()
    for k, _, count in events:
        wins[k] += count
    w = {k: 1.0 / len(kinds) for k in kinds}
    for _ in range(10_000):
        new = {}
        for i in kinds:
            denom = sum(c / sum(w[k] for k in among) for _, among, c in events if i in among)
            new[i] = wins[i] / denom if denom else 0.0
        total = sum(new.values())
        new = {k: v / total for k, v in new.items()}
        done = max(abs(new[k] - w[k]) for k in kinds) < 1e-12
        w = new
        if done:
            break
    return {k: round(100 * w.get(k, 0.0), 4) for k in TASK_KEYS}


# ---------------------------------------------------------------- the profile


def _weights(counts: Mapping[str, int], names: Sequence[str]) -> dict[str, int]:
    return {name: int(counts.get(name, 0)) for name in names}


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _fmt_n(n: int) -> str:
    return f"{n:,}"


Values = dict[str, Any]  # by dotted key
Notes = dict[str, str]  # the evidence for each value, by dotted key


def _fit(stats: Stats, description: str | None) -> tuple[Values, Notes]:
    """Every value to write (by dotted key) and a note on the evidence for each."""
    values: Values = {}
    notes: Notes = {}
    values["description"] = description or f"Inferred from {_fmt_n(stats.sessions)} sessions"
    for fit in (_fit_status, _fit_time, _fit_actor, _fit_activity, _fit_tasks, _fit_users):
        fit(stats, values, notes)
    return values, notes


def _fit_status(stats: Stats, values: Values, notes: Notes) -> None:
    """Status weights and the three lifetimes."""
    s = stats.sample
    statuses = _weights(s.statuses, STATUSES)
    if not any(statuses.values()):
        raise InputError(f"{stats.source}: no session has a known status: nothing to infer")
    values["status.weights"] = statuses
    notes["status.weights"] = f"Sessions of each status (of {_fmt_n(s.sessions)})."

    for path, sample, who in (
        ("lifetime.max", s.plain_lifetime, "sessions without an actor"),
        ("lifetime.abandon", s.abandon, "sessions"),
        ("lifetime.actor", s.actor_lifetime, "sessions with an actor"),
    ):
        field = "abandon_at" if path == "lifetime.abandon" else "expire_at"
        mode = _mode_seconds(sample)
        if mode is None or mode[0] <= 0:
            notes[path] = f"No {who} with a usable {field} - created_at: the default applies."
            continue
        values[path] = format_duration(mode[0])
        notes[path] = (
            f"The most common {field} - created_at of {who} ({_fmt_n(mode[1])} of "
            f"{_fmt_n(len(sample))})."
        )


def _fit_time(stats: Stats, values: Values, notes: Notes) -> None:
    """The reference time and the creation window."""
    s = stats.sample
    # Round the reference time up to the second: at or after every timestamp,
    # and no exact instant of the input is written.
    now = -(-stats.now // _SECOND) * _SECOND
    values["time.now"] = format_instant(now)
    notes["time.now"] = (
        "The latest created_at, last_active_at or updated_at, rounded up to the second."
        if stats.now_from == "data"
        else "The reference time given with --now, rounded up to the second."
    )
    if s.created:
        oldest, newest = min(s.created), max(s.created)
        start = -(-(now - oldest) // _SECOND) * _SECOND
        end = max(0, (now - newest) // _SECOND * _SECOND)
        values["time.window_start"] = format_duration(max(start, end))
        values["time.window_end"] = format_duration(end)
        notes["time.window_start"] = "The oldest created_at, as a duration before time.now."
        notes["time.window_end"] = "The newest created_at, as a duration before time.now."
        shape = arrival_shape(s.created, oldest, newest)
        for key, value in zip(("time.growth", "time.daily", "time.weekly"), shape, strict=True):
            values[key] = value
            notes[key] = (
                "Fitted to the creation times of the sessions (their mean position in the "
                "window, hour of day and share on weekends); the steady value unless the "
                "data departs from it by more than two standard errors."
            )


def _fit_actor(stats: Stats, values: Values, notes: Notes) -> None:
    """Actors and organisations: rates, kinds and pool sizes."""
    s = stats.sample
    # actor.rate is set again once the profile can say which statuses allow an actor.
    values["actor.rate"] = _rate(s.actors, s.sessions)
    if s.actors:
        values["actor.kinds"] = _weights(s.actor_kinds, ACTOR_KINDS)
        notes["actor.kinds"] = f"Actors of each kind (of {_fmt_n(s.actors)})."
        pool = pool_size(s.actors, len(s.impersonators))
        values["actor.impersonators"] = max(1, pool)
        notes["actor.impersonators"] = (
            f"Fitted to {_fmt_n(len(s.impersonators))} distinct actor subjects in "
            f"{_fmt_n(s.actors)} actor sessions."
        )
    else:
        notes["actor.kinds"] = "No actors: the default applies."

    eligible = s.sessions - s.choosing_organization
    values["organization.rate"] = _rate(s.organizations, eligible)
    notes["organization.rate"] = (
        f"{_fmt_n(s.organizations)} sessions with an organisation, of the "
        f"{_fmt_n(eligible)} not pending choose-organization."
    )
    if s.organizations:
        values["organization.pool"] = max(1, pool_size(s.organizations, len(s.organization_ids)))
        notes["organization.pool"] = (
            f"Fitted to {_fmt_n(len(s.organization_ids))} distinct organisations in "
            f"{_fmt_n(s.organizations)} sessions."
        )


def _fit_activity(stats: Stats, values: Values, notes: Notes) -> None:
    s = stats.sample
    values["activity.rate"] = _rate(s.activities, s.sessions)
    notes["activity.rate"] = f"{_fmt_n(s.activities)} sessions with latest_activity."
    if s.activities:
        values["activity.devices"] = _weights(s.devices, DEVICE_KINDS)
        notes["activity.devices"] = f"Activities of each device kind (of {_fmt_n(s.activities)})."
    if s.ip_addresses:
        values["activity.ipv6_rate"] = _rate(s.ipv6, s.ip_addresses)
        notes["activity.ipv6_rate"] = (
            f"{_fmt_n(s.ipv6)} IPv6 addresses of {_fmt_n(s.ip_addresses)} (no address is kept)."
        )
    away = s.realism.away()
    if away.whole:
        values["activity.travel_rate"] = round(away.value, 4)
        notes["activity.travel_rate"] = (
            f"{_fmt_n(away.part)} of the {_fmt_n(away.whole)} sessions of clients seen more "
            "than once came from another address than their client's most common one."
        )


def _fit_tasks(stats: Stats, values: Values, notes: Notes) -> None:
    s = stats.sample
    if not s.pending_with_tasks:
        notes["tasks.weights"] = "No pending session with tasks: the default applies."
        return
    weights = _fit_task_weights(s.task_lists)
    values["tasks.weights"] = weights
    notes["tasks.weights"] = (
        f"Fitted by maximum likelihood to the ordered tasks of {_fmt_n(s.pending_with_tasks)} "
        "pending sessions: each task is drawn by weight from the kinds not drawn yet."
    )
    most = max(s.tasks_per_session)
    kinds = sum(1 for w in weights.values() if w > 0)
    values["tasks.max"] = max(1, min(most, kinds, 3))
    notes["tasks.max"] = f"The most tasks one pending session has ({most})" + (
        f", capped at the {kinds} kinds seen." if most > kinds else "."
    )


def _fit_users(stats: Stats, values: Values, notes: Notes) -> None:
    """The population: clients per user, the layout, users and skew (under the
    ``sessions`` layout here; :func:`_refit_cycles` redoes them for ``cycles``)."""
    s = stats.sample
    per_user = stats.sessions_per_user()
    if not per_user:
        return
    clients = fit_clients([(c, len(s.user_clients[u])) for u, c in s.user_sessions.items()])
    if clients is not None:
        values["population.clients_per_user"] = clients
        notes["population.clients_per_user"] = (
            "Fitted to the distinct clients of users with several sessions."
        )
    overlaps = s.realism.client_overlaps()
    if overlaps.whole:
        values["population.model"] = "sessions" if overlaps.part else "cycles"
        notes["population.model"] = (
            f"{_fmt_n(overlaps.part)} of the {_fmt_n(overlaps.whole)} sessions that follow "
            "another on their (user, client) began before that one had ended."
        )
    users, skew = fit_population(per_user)
    values["population.users"] = users
    values["population.skew"] = skew
    notes["population.users"] = (
        f"Fitted with population.skew so that {_fmt_n(sum(per_user))} sessions reach "
        f"{_fmt_n(len(per_user))} distinct users with the same spread."
    )


def _refit_population(stats: Stats, values: Values, notes: Notes, profile: Profile) -> None:
    """What needs the loaded profile's window and layout: the users who signed
    up inside the window, a second user's live sessions and, on sign-in
    cycles (unless the plan falls back to ``sessions``), users and skew again."""
    s = stats.sample
    new = s.realism.new_users(profile.time_window_start)
    if new.whole:
        values["population.new_users"] = round(new.value, 3)
        notes["population.new_users"] = (
            f"{_fmt_n(new.part)} of {_fmt_n(new.whole)} users signed up (the time in their "
            "id) inside the window."
        )
    guests, seen = s.realism.second_users()
    if guests.whole:
        # A second user is told apart only where the client's own user shows another session.
        values["population.multi_session"] = round(
            min(1.0, guests.value / max(seen.value, 0.05)), 3
        )
        notes["population.multi_session"] = (
            f"{_fmt_n(guests.part)} of {_fmt_n(guests.whole)} live sessions are a user's only "
            f"session on a client another user also has, over the {seen.value:.0%} of live "
            "sessions whose user shows another session on their client."
        )
    if profile.population_model != "cycles" or not compile_plan(profile).population.cycle:
        return
    per_user = stats.sessions_per_user()
    n = sum(per_user)
    users, skew = fit_population(per_user, cycles_of(profile))
    if new.whole:
        # New users have fewer cycles and the least activity: fewer are seen than there are.
        share = fit_new_users(profile, new.value, users, skew, n)
        values["population.new_users"] = share
        notes["population.new_users"] += (
            " Fitted so that as many are seen, on sign-in cycles where new users have fewer "
            "cycles and the least activity."
        )
        users, skew = fit_population(per_user, cycles_of(profile, share))
    values["population.users"] = users
    values["population.skew"] = skew
    notes["population.users"] = (
        f"Fitted with population.skew so that {_fmt_n(n)} sessions reach "
        f"{_fmt_n(len(per_user))} distinct users with the same spread, on sign-in cycles "
        "(where the skew changes little of what a sample shows)."
    )


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, 86)


def _render(values: Mapping[str, Any], notes: Mapping[str, str], sessions: int) -> str:
    header = [
        f"Inferred by `sessionfaker profiles infer` from {_fmt_n(sessions)} sessions.",
        "Only aggregate parameters are kept: shares, rates, durations and counts; no",
        "identifier, address, place or other value of the input appears here.",
        *_comment(
            "Keys left out keep their defaults (see docs/profiles.md): "
            + ", ".join(k for k in NOT_INFERRED if k != "name")
            + "."
        ),
        'Set time.now = "now" to make sessions relative to the wall clock instead.',
    ]
    doc: dict[str, Any] = {}
    for path, value in values.items():
        section, _, leaf = path.rpartition(".")
        (doc.setdefault(section, {}) if section else doc)[leaf] = value
    comments = {
        key.path: _comment(key.doc) + _comment(notes.get(key.path, ""))
        for key in KEYS
        if "." in key.path and (key.path in values or key.path in notes)
    }
    return dump_toml(doc, comments=comments, header=header)


def _load(text: str) -> Profile:
    with tempfile.TemporaryDirectory(prefix="sessionfaker-infer-") as d:
        path = Path(d) / "inferred.toml"
        path.write_text(text, encoding="utf-8")
        return dataclasses.replace(load_profile(path), source="<inferred>")


def _repair(values: Values, notes: Notes, exc: ProfileError) -> bool:
    """Widen the creation window when a status the data has is impossible in it."""
    if not exc.key.startswith("status.weights."):
        return False
    status = exc.key.rsplit(".", 1)[1]
    if status in LIVE_STATUSES:
        values["time.window_end"] = "0s"
        notes["time.window_end"] = f"Set to 0s so that {status} sessions are possible at time.now."
        return True
    need = values.get("lifetime.max" if status == "expired" else "lifetime.abandon")
    path = "lifetime.max" if status == "expired" else "lifetime.abandon"
    need_ms = parse_duration(need) if need else parse_duration(KEYS_BY_PATH[path].default)
    start_key = KEYS_BY_PATH["time.window_start"]
    start = parse_duration(values.get(start_key.path, start_key.default))
    if start >= need_ms + _DAY:
        return False
    values["time.window_start"] = format_duration(need_ms + _DAY)
    notes["time.window_start"] = (
        f"Widened to {path} + 1d so that {status} sessions are possible in the window."
    )
    return True


def infer_profile(stats: Stats, *, description: str | None = None) -> InferredProfile:
    """Fit a profile to the sessions of ``stats``; its reference time becomes ``time.now``."""
    require_extra("stats", "scipy", "profiles infer")
    values, notes = _fit(stats, description)
    s = stats.sample
    profile = _load_repaired(values, notes, stats)
    # The generator gives an actor only to statuses whose creation range
    # allows the actor lifetime; the rate is among those.
    if s.actors:
        allowed = [st for st in STATUSES if creation_range(profile, st, actor=True) is not None]
        eligible = sum(s.statuses.get(st, 0) for st in allowed)
        values["actor.rate"] = min(1.0, _rate(s.actors, eligible or s.sessions))
        notes["actor.rate"] = (
            f"{_fmt_n(s.actors)} sessions with an actor, of the {_fmt_n(eligible)} whose status "
            "can carry one in this window."
        )
    else:
        notes["actor.rate"] = "No session has an actor."
    profile = _load_repaired(values, notes, stats)
    _refit_population(stats, values, notes, profile)
    profile = _load_repaired(values, notes, stats)
    return InferredProfile(_render(values, notes, stats.sessions), profile, values, stats.sessions)


def _load_repaired(values: Values, notes: Notes, stats: Stats) -> Profile:
    for _ in range(len(STATUSES) + 1):
        try:
            return _load(_render(values, notes, stats.sessions))
        except ProfileError as exc:
            if not _repair(values, notes, exc):
                raise InputError(
                    f"{stats.source}: cannot fit a profile to these sessions: {exc.key}: "
                    f"{exc.reason}"
                ) from None
    raise AssertionError("unreachable: each repair fixes one status")


def infer_file(
    source: str | Path | IO[str], *, now: int | None = None, description: str | None = None
) -> InferredProfile:
    """Fit a profile to an NDJSON or JSON file of sessions (``-`` for stdin)."""
    # The fit needs no rule checks: skip them, they are most of the time.
    return infer_profile(describe_file(source, now=now, check=False), description=description)
