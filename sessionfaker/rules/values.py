"""Rules on single values: object, status, id shapes and times, millisecond timestamps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import ids
from .base import Rule, Violation, get
from .constants import ID_FIELDS, MS_MAX, MS_MIN, STATUSES, TIMESTAMP_FIELDS

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit


def _break_object(k: Kit) -> Broken:
    st = k.st

    def bad_object(draw: DrawFn, d: dict[str, Any]) -> None:
        d["object"] = draw(
            st.sampled_from(("Session", "session_activity", "sessions"))
            | k.text(max_size=8).filter(lambda t: t != "session")
        )

    return k.mutated(k.base(), bad_object)


def _break_status(k: Kit) -> Broken:
    def bad_status(draw: DrawFn, d: dict[str, Any]) -> None:
        d["status"] = draw(k.text(max_size=10).filter(lambda t: t not in STATUSES))

    return k.mutated(k.base(), bad_status)


def _break_id_format(k: Kit) -> Broken:
    def bad_id(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        prefix = ID_FIELDS[key]
        good = d[key] or ids.make_id(prefix, d["created_at"] // 1000, 0)
        d[key] = k.malformed_id(draw, prefix, good)

    not_pending = k.base(tuple(s for s in STATUSES if s != "pending"))
    return k.keyed(
        tuple(ID_FIELDS),
        lambda key: not_pending if key == "last_active_organization_id" else k.base(),
        bad_id,
    )


def _break_id_time(k: Kit) -> Broken:
    def id_time(draw: DrawFn, d: dict[str, Any]) -> None:
        second = d["created_at"] // 1000 + draw(k.step)
        d["id"] = k.reencode(d["id"], ids.PREFIXES["session"], second)

    return k.mutated(k.base(), id_time)


def _break_timestamp_ms(k: Kit) -> Broken:
    def not_ms(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        d[key] = d[key] // 1000 if draw(k.st.booleans()) is False else d[key] * 1000

    # created_at also feeds the policy's actor lifetime and activity lag,
    # expire_at the actor lifetime: start those from sessions without them.
    plain = k.base(actor=False, activity=False)
    no_actor = k.base(actor=False)
    return k.keyed(
        TIMESTAMP_FIELDS,
        lambda key: plain if key == "created_at" else no_actor if key == "expire_at" else k.base(),
        not_ms,
    )


RULES = (
    Rule("object", "object", "object is 'session'", breaker=_break_object),
    Rule("status", "status", "status is one of " + ", ".join(STATUSES), breaker=_break_status),
    Rule(
        "id.format",
        "*",
        "ids are their prefix and a 27-character base62 KSUID",
        breaker=_break_id_format,
    ),
    Rule(
        "id.time",
        "id",
        "the session id's KSUID second equals created_at // 1000",
        breaker=_break_id_time,
    ),
    # A run-level rule: it takes two sessions to break it (see Checker).
    Rule("id.unique", "id", "session ids are unique within a file or run"),
    Rule(
        "timestamp.ms",
        "*",
        "timestamps are epoch milliseconds",
        breaker=_break_timestamp_ms,
    ),
)


def check(d: Mapping[str, Any], ts: dict[str, int]) -> Iterator[Violation]:
    """The value rules; fills ``ts`` with the timestamps in range, for the
    rules that compare them."""
    obj = d.get("object")
    if obj is not None and obj != "session":
        yield Violation("object", "object", obj)
    status = get(d, "status", "string")
    if status is not None and status not in STATUSES:
        yield Violation("status", "status", status)
    for name, prefix in ID_FIELDS.items():
        v = get(d, name, "string")
        if v is not None and not ids.is_id(v, prefix):
            yield Violation("id.format", name, v)
    for name in TIMESTAMP_FIELDS:
        v = get(d, name, "integer")
        if v is None:
            continue
        v = int(v)
        if not MS_MIN <= v <= MS_MAX:
            yield Violation("timestamp.ms", name, v)
        else:
            ts[name] = v
    sid = get(d, "id", "string")
    if sid is not None and "created_at" in ts and ids.is_id(sid, ids.PREFIXES["session"]):
        second = ids.id_unix_seconds(sid, ids.PREFIXES["session"])
        if second != ts["created_at"] // 1000:
            yield Violation("id.time", "id", sid)
