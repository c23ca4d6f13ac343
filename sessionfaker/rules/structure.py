"""The structural rules, read from the seed's structure: keys, types, nulls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import Structure
from .base import TYPE_CHECKS, Rule, Violation
from .constants import STATUSES

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit


def _not_pending(k: Kit) -> Any:
    return k.base(tuple(s for s in STATUSES if s != "pending"))


def _drop(draw: DrawFn, d: dict[str, Any], key: str) -> None:
    del d[key]


def _break_missing(k: Kit) -> Broken:
    return k.keyed(k.structure.required, lambda key: k.base(), _drop)


def _break_all_keys(k: Kit) -> Broken:
    # Without tasks a pending session cannot show its tasks: tasks.pending.
    optional = tuple(n for n in k.structure.names if n not in k.structure.required)
    return k.keyed(optional, lambda key: _not_pending(k) if key == "tasks" else k.base(), _drop)


def _break_unexpected(k: Kit) -> Broken:
    st, reserved = k.st, set(k.structure.names)

    def unexpected(draw: DrawFn, d: dict[str, Any]) -> None:
        key = draw(
            st.sampled_from(("session_token", "metadata", "expires_at", "last_sign_in_at"))
            | k.text(min_size=1, max_size=8).filter(lambda t: t not in reserved)
        )
        d[key] = draw(st.none() | st.integers() | k.text(max_size=4))

    return k.mutated(k.base(), unexpected)


def _break_type(k: Kit) -> Broken:
    st = k.st
    wrong = {
        "string": st.integers(-2, 2) | st.booleans() | st.just([]),
        "object": k.text(max_size=3) | st.just([]),
    }

    def wrong_type(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        ftype = k.structure.field(key).type
        if ftype == "integer":
            v = d[key]
            d[key] = draw(st.sampled_from((str(v), v + 0.5, True, 2**63 + v, -(2**63) - 1 - v)))
        else:
            d[key] = draw(wrong[ftype])

    # ``object`` of another type also breaks ``object``; tasks of another type
    # also break ``tasks.pending``.
    keys = tuple(
        f.name
        for f in k.structure.fields
        if f.name not in ("object", "tasks") and f.type in ("string", "integer", "object")
    )
    return k.keyed(
        keys,
        lambda key: _not_pending(k) if key == "last_active_organization_id" else k.base(),
        wrong_type,
    )


def _break_null(k: Kit) -> Broken:
    def null(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        d[key] = None

    keys = tuple(f.name for f in k.structure.fields if not f.nullable)
    return k.keyed(keys, lambda key: k.base(), null)


RULES = (
    Rule(
        "missing",
        "*",
        "every key the structure requires is present",
        breaker=_break_missing,
    ),
    # Clerk omits optional keys in some responses (latest_activity from GET
    # /sessions/{id}, tasks before API version 2025-03-12); the generator
    # always writes all of them.
    Rule(
        "policy.all_keys",
        "*",
        "the optional keys are present too, as null when empty",
        True,
        _break_all_keys,
    ),
    Rule(
        "unexpected",
        "*",
        "no key the structure does not declare",
        breaker=_break_unexpected,
    ),
    Rule(
        "type",
        "*",
        "each value has its declared type; integers fit in int64",
        breaker=_break_type,
    ),
    Rule(
        "null",
        "*",
        "null only where the structure declares the field nullable",
        breaker=_break_null,
    ),
)


def check_structure(session: Any, structure: Structure, *, strict: bool = True) -> list[Violation]:
    """The structural rules alone: missing, unexpected, type, null, and with
    ``strict`` (the generator's promise, and what the structural JSON Schema
    export requires) policy.all_keys."""
    if not isinstance(session, dict):
        return [Violation("type", "*", session)]
    out: list[Violation] = []
    for f in structure.fields:
        if f.name not in session:
            if f.required:
                out.append(Violation("missing", f.name, None))
            elif strict:
                out.append(Violation("policy.all_keys", f.name, None))
            continue
        v = session[f.name]
        if v is None:
            if not f.nullable:
                out.append(Violation("null", f.name, None))
        elif not TYPE_CHECKS[f.type](v):
            out.append(Violation("type", f.name, v))
    for key in session:
        if key not in structure.by_name:
            out.append(Violation("unexpected", str(key), session[key]))
    return out
