"""Tallying a stream of sessions: :class:`Sample` and :func:`collect`.

A :class:`Sample` counts what the report needs (statuses, actors,
organisations, devices, tasks, timestamps, per-user counts) and the rule
violations, before a reference time is chosen (:func:`~.report.finish`).

>>> from sessionfaker import generate, load_profile
>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> s = collect(enumerate(generate(p, 50, seed=1), 1))
>>> s.sessions, s.checked, s.broken
(50, True, 0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..measures import Tally
from ..rules import (
    MS_MAX,
    MS_MIN,
    RULES,
    STATUSES,
    TASK_KEYS,
    TIMESTAMP_FIELDS,
    Checker,
    actor_kind,
    device_kind,
)

__all__ = ["NOW_RULES", "OTHER", "Sample", "collect"]

# The status key under which unknown statuses are counted.
OTHER = "other"
# The rules that need the reference time, which is known only once the whole
# file has been read: they are checked afterwards, on the fields they read.
NOW_RULES = tuple(name for name in RULES if name.startswith("now."))
_NOW_FIELDS = ("status", *TIMESTAMP_FIELDS)
_USAGE_FIELDS = ("created_at", "last_active_at", "updated_at")


def _ms(v: Any) -> int | None:
    """An epoch-milliseconds value the rules accept, else None."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    if isinstance(v, float) and not v.is_integer():
        return None
    n = int(v)
    return n if MS_MIN <= n <= MS_MAX else None


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _not_a_session(record: Any) -> str | None:
    """Why ``record`` is not a session, or None when it is one.

    A session is a JSON object whose ``object`` is ``session``; an object
    without ``object`` counts when it has a ``status`` or ``created_at``, so
    that hand-written files with a missing key are reported by rule.
    """
    if not isinstance(record, dict):
        return f"expected a JSON object, found {_kind_of(record)}"
    if "object" in record:
        obj = record["object"]
        if obj == "session":
            return None
        shown = repr(obj) if isinstance(obj, str) and len(obj) <= 40 else _kind_of(obj)
        return f"object is {shown}, not 'session'"
    if "status" in record or "created_at" in record:
        return None
    return 'a JSON object without "object": "session"'


@dataclass
class Sample:
    """Tallies of a stream of sessions, before a reference time is chosen."""

    sessions: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    actors: int = 0
    actor_kinds: Counter[str] = field(default_factory=Counter)
    impersonators: set[str] = field(default_factory=set)
    organizations: int = 0
    organization_ids: set[str] = field(default_factory=set)
    # Pending sessions whose tasks include choose-organization: they cannot
    # have an organisation yet.
    choosing_organization: int = 0
    activities: int = 0
    devices: Counter[str] = field(default_factory=Counter)
    # The device kind of each client, from its first activity: a client is one
    # browser or app install, so its sessions are one draw, not several.
    client_devices: dict[str, str] = field(default_factory=dict)
    ip_addresses: int = 0
    ipv6: int = 0
    pending_with_tasks: int = 0
    task_keys: Counter[str] = field(default_factory=Counter)
    # Each ordered list of task keys, and how many pending sessions have it.
    task_lists: Counter[tuple[str, ...]] = field(default_factory=Counter)
    tasks_per_session: Counter[int] = field(default_factory=Counter)
    created: list[int] = field(default_factory=list)
    last_active: list[int] = field(default_factory=list)
    plain_lifetime: list[int] = field(default_factory=list)
    actor_lifetime: list[int] = field(default_factory=list)
    abandon: list[int] = field(default_factory=list)
    user_sessions: Counter[str] = field(default_factory=Counter)
    user_clients: dict[str, set[str]] = field(default_factory=dict)
    latest: int | None = None
    checked: bool = False
    # The reference time the rules were checked at, if it was known up front.
    checked_at: int | None = None
    violations: Counter[str] = field(default_factory=Counter)
    broken: int = 0
    # (already broken, the fields the reference-time rules read), per session.
    timelines: list[tuple[bool, dict[str, Any]]] = field(default_factory=list, repr=False)
    # What sessionfaker.measures needs: devices per client, places per IP, ...
    realism: Tally = field(default_factory=Tally, repr=False)

    @property
    def lifetime(self) -> list[int]:
        return self.plain_lifetime + self.actor_lifetime

    def add(self, record: Mapping[str, Any], *, population: bool = True) -> None:
        """Count one session (``population=False`` leaves the per-user tallies alone)."""
        self.sessions += 1
        status = record.get("status")
        status_key = status if isinstance(status, str) and status in STATUSES else OTHER
        self.statuses[status_key] += 1

        ts = {name: _ms(record.get(name)) for name in TIMESTAMP_FIELDS}
        for name in _USAGE_FIELDS:
            v = ts[name]
            if v is not None and (self.latest is None or v > self.latest):
                self.latest = v
        created, last_active = ts["created_at"], ts["last_active_at"]
        if created is not None:
            self.created.append(created)
        if last_active is not None:
            self.last_active.append(last_active)

        actor = record.get("actor")
        has_actor = isinstance(actor, dict)
        if has_actor:
            assert isinstance(actor, dict)
            self.actors += 1
            self.actor_kinds[actor_kind(actor)] += 1
            sub = actor.get("sub")
            if isinstance(sub, str):
                self.impersonators.add(sub)
        expire, abandon = ts["expire_at"], ts["abandon_at"]
        if created is not None and expire is not None:
            (self.actor_lifetime if has_actor else self.plain_lifetime).append(expire - created)
        if created is not None and abandon is not None:
            self.abandon.append(abandon - created)

        org = record.get("last_active_organization_id")
        if isinstance(org, str):
            self.organizations += 1
            self.organization_ids.add(org)

        activity = record.get("latest_activity")
        if isinstance(activity, dict):
            self.activities += 1
            kind = device_kind(activity)
            self.devices[kind] += 1
            client = record.get("client_id")
            # A session without a client id counts as a client of its own.
            key = client if isinstance(client, str) else f"\0{self.sessions}"
            self.client_devices.setdefault(key, kind)
            ip = activity.get("ip_address")
            if isinstance(ip, str):
                self.ip_addresses += 1
                self.ipv6 += ":" in ip

        tasks = record.get("tasks")
        if status == "pending" and isinstance(tasks, list) and tasks:
            keys = [
                t["key"]
                for t in tasks
                if isinstance(t, dict) and isinstance(t.get("key"), str) and t["key"] in TASK_KEYS
            ]
            if keys:
                self.pending_with_tasks += 1
                self.task_keys.update(keys)
                self.task_lists[tuple(keys)] += 1
                self.tasks_per_session[len(keys)] += 1
                self.choosing_organization += "choose-organization" in keys

        if population:
            self.realism.add(record)
        user, client = record.get("user_id"), record.get("client_id")
        if population and isinstance(user, str):
            self.user_sessions[user] += 1
            clients = self.user_clients.setdefault(user, set())
            if isinstance(client, str):
                clients.add(client)


def collect(
    records: Iterable[tuple[int, Any]],
    *,
    label: str = "<input>",
    check: bool = True,
    now: int | None = None,
    population_limit: int | None = None,
) -> Sample:
    """Tally ``(line, record)`` pairs, as :func:`~sessionfaker.reader.read_sessions` yields.

    A record that is not a session raises :class:`InputError` naming the
    line. ``check`` counts rule violations; the reference-time rules are
    checked at ``now`` when it is given, else they wait for :func:`finish`
    to take the reference time from the data. ``population_limit`` counts
    only the first so many sessions per user, to compare with a file of that
    many sessions.
    """
    sample = Sample(checked=check, checked_at=now)
    checker = Checker(now=now) if check else None
    for line, record in records:
        why = _not_a_session(record)
        if why is not None:
            raise InputError(f"{label}: line {line}: not a session ({why})")
        population = population_limit is None or sample.sessions < population_limit
        sample.add(record, population=population)
        if checker is not None:
            found = checker.check(record)
            sample.violations.update(v.rule for v in found)
            sample.broken += bool(found)
            if now is None:
                sample.timelines.append(
                    (bool(found), {k: record[k] for k in _NOW_FIELDS if k in record})
                )
    if sample.sessions == 0:
        raise InputError(f"{label}: no sessions")
    return sample
