"""Measures of realism over a sample of sessions, generated or real.

Each function reads session dicts (Clerk's wire format, as ``generate`` writes
and an export holds) and returns a small frozen result whose ``value`` is the
headline figure; ``as_dict()`` gives it for JSON. :class:`Tally` gathers what
they need in one pass, for a file read as a stream. They answer, for a sample as
a whole, the questions of issue 11's "Measures":

=====================  ===================================================
:func:`client_devices`  clients whose device, OS or browser changes
:func:`ip_places`       IP addresses seen in more than one (city, country)
:func:`unknown_cities`  cities that are not a place of their country
:func:`recent_density`  creation density of the last days over the mean
:func:`late_actors`     impersonations created in the last minutes
:func:`live_per_user`   live sessions per user at ``now``
:func:`new_users`       users who signed up inside the window
:func:`expired_at_expiry`  expired sessions last updated at ``expire_at``
:func:`shared_ids`      session ids found in both of two samples
:func:`client_overlaps`  sessions of one (user, client) that overlap in time
=====================  ===================================================

>>> s = [{"id": "sess_1", "client_id": "client_a", "status": "expired",
...       "created_at": 0, "updated_at": 10, "expire_at": 10,
...       "latest_activity": {"is_mobile": False, "device_type": "Windows",
...                           "browser_name": "Chrome", "ip_address": "192.0.2.1",
...                           "country": "US", "city": "Chicago"}}]
>>> client_devices(s).value, ip_places(s).value, expired_at_expiry(s).value
(0.0, 0.0, 1.0)
"""

from __future__ import annotations

import itertools
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from . import ids
from .rules import LIVE_STATUSES

Session = Mapping[str, Any]
DAY_MS = 86_400_000
MINUTE_MS = 60_000


class ShareReport(TypedDict):
    part: int
    whole: int
    value: float
    examples: list[str]


class DensityReport(TypedDict):
    recent: int
    total: int
    days: float
    window_days: float
    value: float


class SpreadReport(TypedDict):
    keys: int
    max: int
    value: int
    quantiles: dict[str, int]
    top: dict[str, int]


class RealismReport(TypedDict):
    """:meth:`Tally.report`: every single-sample measure."""

    client_devices: ShareReport
    ip_places: ShareReport
    unknown_cities: ShareReport
    recent_density: DensityReport
    late_actors: ShareReport
    live_per_user: SpreadReport
    new_users: ShareReport
    expired_at_expiry: ShareReport


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole`` (``value`` is the ratio, 0 for an empty whole)."""

    part: int
    whole: int
    examples: tuple[str, ...] = ()

    @property
    def value(self) -> float:
        return self.part / self.whole if self.whole else 0.0

    def as_dict(self) -> ShareReport:
        return {
            "part": self.part,
            "whole": self.whole,
            "value": self.value,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class Density:
    """Sessions per day in the last ``days`` over the window's mean per day."""

    recent: int
    total: int
    days: float
    window_days: float

    @property
    def value(self) -> float:
        if not self.total or self.days <= 0:
            return 0.0
        return (self.recent / self.days) / (self.total / self.window_days)

    def as_dict(self) -> DensityReport:
        return {
            "recent": self.recent,
            "total": self.total,
            "days": self.days,
            "window_days": self.window_days,
            "value": self.value,
        }


@dataclass(frozen=True)
class Spread:
    """How a count per key spreads: its maximum, a few quantiles, the top keys."""

    keys: int
    max: int
    quantiles: dict[str, int]
    top: tuple[tuple[str, int], ...]

    @property
    def value(self) -> int:
        return self.max

    def as_dict(self) -> SpreadReport:
        return {
            "keys": self.keys,
            "max": self.max,
            "value": self.value,
            "quantiles": dict(self.quantiles),
            "top": dict(self.top),
        }


class Tally:
    """What the measures need from a sample, gathered in one pass
    (:meth:`add` each session), so a large file never sits in memory."""

    def __init__(self) -> None:
        self.devices: dict[str, set[tuple[str | bool | None, ...]]] = defaultdict(set)
        self.places: dict[str, set[tuple[str | bool | None, ...]]] = defaultdict(set)
        self.cities: Counter[tuple[str, str | bool | None]] = Counter()
        self.created = array("q")
        self.actor_created = array("q")
        self.live: Counter[str] = Counter()
        self.users: set[str] = set()
        self.expired = 0
        self.expired_at_expiry = 0
        # (user, client) -> (created_at, end) of each session, end -1 while live.
        self.spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        # client -> how many of its sessions came from each address.
        self.addresses: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, s: Session) -> None:
        """Count session ``s`` (a dict in Clerk's wire format; values of the
        wrong type are left out of the measures they would feed)."""
        created = s.get("created_at")
        if isinstance(created, int) and not isinstance(created, bool):
            self.created.append(created)
            if s.get("actor") is not None:
                self.actor_created.append(created)
        status, user = s.get("status"), s.get("user_id")
        if isinstance(user, str):
            self.users.add(user)
            self.live[user] += status in LIVE_STATUSES
            client, end = s.get("client_id"), session_end(s)
            if isinstance(client, str) and isinstance(created, int) and end is not None:
                self.spans[user, client].append((created, end))
        if status == "expired":
            self.expired += 1
            self.expired_at_expiry += s.get("updated_at") == s.get("expire_at")
        act = s.get("latest_activity")
        if not isinstance(act, Mapping):
            return
        client, ip, city = s.get("client_id"), act.get("ip_address"), act.get("city")
        country = _text(act.get("country"))
        if isinstance(client, str):
            device = (act.get("is_mobile"), act.get("device_type"), act.get("browser_name"))
            self.devices[client].add(tuple(_text(v) for v in device))
        if isinstance(ip, str):
            self.places[ip].add((_text(city), country))
            if isinstance(client, str):
                self.addresses[client][ip] += 1
        if isinstance(city, str):
            self.cities[city, country] += 1

    def client_devices(self, examples: int = 3) -> Share:
        return _changing(self.devices, examples)

    def ip_places(self, examples: int = 3) -> Share:
        return _changing(self.places, examples)

    def unknown_cities(
        self, cities: Mapping[str, Iterable[tuple[str, int]]] | None = None, examples: int = 3
    ) -> Share:
        if cities is None:
            from .vocab import load

            cities = load().cities
        known = {(name, c) for c, names in cities.items() for name, _ in names}
        unknown = Counter({p: n for p, n in self.cities.items() if p not in known})
        top = tuple(f"{city}, {country}" for (city, country), _ in unknown.most_common(examples))
        return Share(sum(unknown.values()), sum(self.cities.values()), top)

    def recent_density(self, start_ms: int, now_ms: int, days: float = 7) -> Density:
        since = now_ms - days * DAY_MS
        recent = sum(since <= c <= now_ms for c in self.created)
        inside = sum(start_ms <= c <= now_ms for c in self.created)
        return Density(recent, inside, days, (now_ms - start_ms) / DAY_MS)

    def late_actors(self, now_ms: int, minutes: float = 30) -> Share:
        since = now_ms - minutes * MINUTE_MS
        late = sum(since <= c <= now_ms for c in self.actor_created)
        return Share(late, len(self.actor_created))

    def live_per_user(self, examples: int = 3) -> Spread:
        ordered = sorted(n for n in self.live.values() if n)
        quantiles = {
            f"p{q}": ordered[min(len(ordered) - 1, len(ordered) * q // 100)] if ordered else 0
            for q in (50, 90, 99)
        }
        top = tuple((user, n) for user, n in self.live.most_common(examples) if n)
        return Spread(len(ordered), ordered[-1] if ordered else 0, quantiles, top)

    def new_users(self, start_ms: int) -> Share:
        prefix = ids.PREFIXES["user"]
        users = [u for u in self.users if ids.is_id(u, prefix)]
        inside = sum(ids.id_unix_seconds(u, prefix) * 1000 >= start_ms for u in users)
        return Share(inside, len(users))

    def client_overlaps(self, examples: int = 3) -> Share:
        """Of the sessions that follow another on their (user, client), those
        created before the one before them ended (see :func:`session_end`)."""
        part, whole = 0, 0
        bad: list[str] = []
        for (user, client), spans in self.spans.items():
            spans.sort()
            for (_, end), (created, _) in itertools.pairwise(spans):
                whole += 1
                if end < 0 or created < end:
                    part += 1
                    if len(bad) < examples:
                        bad.append(f"{user} on {client}")
        return Share(part, whole, tuple(bad))

    def away(self) -> Share:
        """Sessions signed in from another address than their client's usual
        one (its most common), among clients seen with two or more."""
        part = whole = 0
        for seen in self.addresses.values():
            k = sum(seen.values())
            if k > 1:
                whole += k
                part += k - max(seen.values())
        return Share(part, whole)

    def second_users(self) -> tuple[Share, Share]:
        """Live sessions that look like a second user's on a multi-session
        client (their only session there, on a client another user also
        used), and how often a live session's own user shows another session
        on the client (how often a second user could be told apart)."""
        users: dict[str, dict[str, int]] = defaultdict(dict)
        for (user, client), spans in self.spans.items():
            users[client][user] = len(spans)
        guests = live = seen = others = 0
        for (user, client), spans in self.spans.items():
            for _, end in spans:
                if end >= 0:
                    continue
                live += 1
                here = users[client]
                if here[user] == 1 and len(here) > 1:
                    guests += 1
                else:
                    others += 1
                    seen += here[user] > 1
        return Share(guests, live), Share(seen, others)

    def expired_updated_at_expiry(self) -> Share:
        return Share(self.expired_at_expiry, self.expired)

    def report(self, start_ms: int, now_ms: int, recent_days: float = 7) -> RealismReport:
        """Every single-sample measure, as JSON-ready dicts keyed by name."""
        return {
            "client_devices": self.client_devices().as_dict(),
            "ip_places": self.ip_places().as_dict(),
            "unknown_cities": self.unknown_cities().as_dict(),
            "recent_density": self.recent_density(start_ms, now_ms, recent_days).as_dict(),
            "late_actors": self.late_actors(now_ms).as_dict(),
            "live_per_user": self.live_per_user().as_dict(),
            "new_users": self.new_users(start_ms).as_dict(),
            "expired_at_expiry": self.expired_updated_at_expiry().as_dict(),
        }


def session_end(s: Session) -> int | None:
    """When session ``s`` stopped being open: -1 while it is live; else its
    expiry or abandonment for an expired or abandoned one (whichever came
    first), its last touch (``updated_at``) for one that ended otherwise
    (signed out, removed, revoked, replaced). None when the fields are missing."""
    status = s.get("status")
    if status in LIVE_STATUSES:
        return -1
    keys = ("expire_at", "abandon_at") if status in ("expired", "abandoned") else ("updated_at",)
    values = [s.get(k) for k in keys]
    ok = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return min(ok) if ok else None


def _text(value: Any) -> str | bool | None:
    """A value as a set member: strings, booleans and None as they are, any
    other JSON value (a malformed field) as its repr."""
    return value if value is None or isinstance(value, str | bool) else repr(value)


def _changing(groups: Mapping[Any, set[Any]], examples: int) -> Share:
    changed = sorted(str(k) for k, seen in groups.items() if len(seen) > 1)
    return Share(len(changed), len(groups), tuple(changed[:examples]))


def collect(sessions: Iterable[Session]) -> Tally:
    """A :class:`Tally` of ``sessions``."""
    tally = Tally()
    for s in sessions:
        tally.add(s)
    return tally


def client_devices(sessions: Iterable[Session], examples: int = 3) -> Share:
    """Clients (with activity) whose ``(is_mobile, device_type, browser_name)``
    differs between their sessions: one client is one browser or app install."""
    return collect(sessions).client_devices(examples)


def ip_places(sessions: Iterable[Session], examples: int = 3) -> Share:
    """IP addresses seen with more than one ``(city, country)``."""
    return collect(sessions).ip_places(examples)


def unknown_cities(
    sessions: Iterable[Session],
    cities: Mapping[str, Iterable[tuple[str, int]]] | None = None,
    examples: int = 3,
) -> Share:
    """Activities whose ``(city, country)`` is not a place of the country in
    ``cities`` (the shipped vocabulary's by default; a country it has no
    cities for counts as unknown)."""
    return collect(sessions).unknown_cities(cities, examples)


def recent_density(
    sessions: Iterable[Session], start_ms: int, now_ms: int, days: float = 7
) -> Density:
    """Creation density of the last ``days`` before ``now_ms`` over the mean
    density of the window ``[start_ms, now_ms]`` (1 for a steady rate)."""
    return collect(sessions).recent_density(start_ms, now_ms, days)


def late_actors(sessions: Iterable[Session], now_ms: int, minutes: float = 30) -> Share:
    """Sessions with an actor (impersonation, agent) created in the last
    ``minutes`` before ``now_ms``, out of all sessions with an actor."""
    return collect(sessions).late_actors(now_ms, minutes)


def live_per_user(sessions: Iterable[Session], examples: int = 3) -> Spread:
    """Live sessions (status active or pending) per user with at least one."""
    return collect(sessions).live_per_user(examples)


def new_users(sessions: Iterable[Session], start_ms: int) -> Share:
    """Users whose id (a KSUID, its second the sign-up) is at or after
    ``start_ms``: they signed up inside the window."""
    return collect(sessions).new_users(start_ms)


def expired_at_expiry(sessions: Iterable[Session]) -> Share:
    """Expired sessions whose ``updated_at`` equals ``expire_at`` (real ones
    were last touched before they expired)."""
    return collect(sessions).expired_updated_at_expiry()


def client_overlaps(sessions: Iterable[Session], examples: int = 3) -> Share:
    """Sessions created on a (user, client) before the one before them there
    had ended: 0 when each client's sessions follow one another in time.

    >>> a = {"user_id": "u", "client_id": "c", "status": "ended", "created_at": 0,
    ...      "updated_at": 50}
    >>> client_overlaps([a, {**a, "created_at": 40}]).part
    1
    >>> client_overlaps([a, {**a, "created_at": 50}]).part
    0
    """
    return collect(sessions).client_overlaps(examples)


def shared_ids(a: Iterable[Session], b: Iterable[Session], examples: int = 3) -> Share:
    """Session ids of ``b`` also found in ``a``."""
    seen = {s["id"] for s in a}
    b_ids = [s["id"] for s in b]
    both = [i for i in b_ids if i in seen]
    return Share(len(both), len(b_ids), tuple(both[:examples]))


def report(
    sessions: Iterable[Session], start_ms: int, now_ms: int, *, recent_days: float = 7
) -> RealismReport:
    """Every single-sample measure, as JSON-ready dicts keyed by name."""
    return collect(sessions).report(start_ms, now_ms, recent_days)
