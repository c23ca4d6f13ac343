"""What the strategies share: the argument types, the id layout, and the
checks that turn a profile or an instant argument into a value.

Only :mod:`sessionfaker.strategies` is the API; its modules are its parts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from pathlib import Path

from .. import ids
from ..errors import InvalidArgument, ProfileError, did_you_mean
from ..profile import Profile, load_profile
from ..rules import ACTOR_KINDS
from ..timeutil import parse_instant

ProfileRef = Profile | str | Path | None
Instant = int | str | datetime

PAYLOAD_BITS = ids.PAYLOAD_BITS
PAYLOAD_MASK = (1 << PAYLOAD_BITS) - 1
# How far before its session a user, client or organisation may have been
# created (the bulk generator pools them over the year before its window).
ENTITY_BACK_S = 365 * 86_400
# Simplest first: shrinking moves towards the front of each tuple.
ACTOR_KIND_ORDER = tuple(sorted(ACTOR_KINDS, key=("token", "agent", "dashboard").index))
KSUID_MIN_MS = ids.KSUID_EPOCH * 1000
KSUID_MAX_MS = (ids.KSUID_EPOCH + ids.MAX_TIMESTAMP) * 1000 + 999


def resolve_profile(profile: ProfileRef, now: Instant | None) -> Profile:
    if isinstance(profile, Profile):
        p = profile
    elif profile is None or isinstance(profile, str | Path):
        p = load_profile(profile)
    else:
        raise InvalidArgument(
            f"Cannot have profile={profile!r}: expected a Profile, a built-in profile name or "
            "a path"
        )
    if now is None:
        return p
    try:
        return p.with_now(instant_ms("now", now))
    except ProfileError as exc:
        raise InvalidArgument(f"Cannot have now={now!r}: {exc.reason}") from None


def instant_ms(name: str, value: Instant) -> int:
    """Epoch milliseconds of an int (ms), an ISO 8601 string or an aware datetime."""
    if isinstance(value, bool):
        raise InvalidArgument(f"Cannot have {name}={value!r}: expected epoch milliseconds")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgument(f"Cannot have {name}={value!r}: a datetime needs a time zone")
        return round(value.timestamp() * 1000)
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise InvalidArgument(f"Cannot have {name}={value!r}: {exc}") from None
    raise InvalidArgument(
        f"Cannot have {name}={value!r}: expected epoch milliseconds, ISO 8601 text or a datetime"
    )


def related_id(prefix: str, session_s: int, value: int) -> str:
    back, payload = value >> PAYLOAD_BITS, value & PAYLOAD_MASK
    return ids.make_id(prefix, max(ids.KSUID_EPOCH, session_s - back), payload)


def join_names(values: Iterable[str]) -> str:
    return ", ".join(values)


def names_arg(
    name: str,
    value: str | Collection[str],
    known: Collection[str],
    noun: str,
    *,
    hint: str = "",
    order: Iterable[str] | None = None,
    refuse: Callable[[str], str | None] | None = None,
) -> tuple[str, ...]:
    """The names argument ``name`` gives (one, or a collection), in the order
    of ``order`` (else of ``known``). InvalidArgument when it gives none, when
    one is not in ``known`` (``noun`` says what they are, ``hint`` may list
    them), or when ``refuse`` gives a reason against one."""
    wanted = (value,) if isinstance(value, str) else tuple(value)
    given = f"Cannot have {name}={value!r}"
    if not wanted:
        raise InvalidArgument(f"{given}: name at least one {noun}")
    article = "an" if noun[0] in "aeiou" else "a"
    for k in wanted:
        if k not in known:
            raise InvalidArgument(
                f"{given}: {k!r} is not {article} {noun}{hint}" + did_you_mean(str(k), known)
            )
        reason = None if refuse is None else refuse(k)
        if reason is not None:
            raise InvalidArgument(f"{given}: {reason}")
    return tuple(k for k in (known if order is None else order) if k in wanted)
