"""Rules on ``latest_activity``: Clerk's session_activity object."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import ids
from .base import Rule, Violation
from .constants import ACTIVITY_OBJECT, ACTIVITY_OPTIONAL

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit


def _break_object(k: Kit) -> Broken:
    st = k.st

    def act_object(draw: DrawFn, act: dict[str, Any]) -> None:
        act["object"] = draw(
            st.sampled_from(("session", "activity"))
            | k.text(max_size=8).filter(lambda t: t != ACTIVITY_OBJECT)
        )

    return k.mutated(k.base(activity=True), k.activity_change(act_object))


def _break_id(k: Kit) -> Broken:
    def act_id(draw: DrawFn, act: dict[str, Any]) -> None:
        act["id"] = k.malformed_id(draw, ids.PREFIXES["session_activity"], act["id"])

    return k.mutated(k.base(activity=True), k.activity_change(act_id))


def _break_is_mobile(k: Kit) -> Broken:
    def act_mobile(draw: DrawFn, act: dict[str, Any]) -> None:
        value = draw(k.st.sampled_from((None, "true", 0, 1, "missing")))
        if value == "missing":
            del act["is_mobile"]
        else:
            act["is_mobile"] = value

    # A native app (no device_type) without a boolean is_mobile would also
    # break policy.native_app.
    return k.mutated(k.base(activity=True, web_only=True), k.activity_change(act_mobile))


def _break_keys(k: Kit) -> Broken:
    st = k.st
    known = {"object", "id", "is_mobile", *ACTIVITY_OPTIONAL}

    def act_keys(draw: DrawFn, act: dict[str, Any]) -> None:
        if draw(st.booleans()):
            # country and ip_address of another type would also break their policy.
            key = draw(st.sampled_from(("device_type", "browser_name", "browser_version", "city")))
            act[key] = draw(st.integers() | st.booleans() | st.just([]))
        else:
            key = draw(
                st.sampled_from(("user_agent", "region"))
                | k.text(min_size=1, max_size=8).filter(lambda t: t not in known)
            )
            act[key] = draw(st.none() | k.text(max_size=4))

    return k.mutated(k.base(activity=True), k.activity_change(act_keys))


RULES = (
    Rule(
        "activity.object",
        "latest_activity",
        "latest_activity.object is 'session_activity'",
        breaker=_break_object,
    ),
    Rule(
        "activity.id",
        "latest_activity",
        "latest_activity.id is a sess_activity_ KSUID",
        breaker=_break_id,
    ),
    Rule(
        "activity.is_mobile",
        "latest_activity",
        "latest_activity.is_mobile is a boolean",
        breaker=_break_is_mobile,
    ),
    Rule(
        "activity.keys",
        "latest_activity",
        "latest_activity has only Clerk's optional keys, as strings",
        breaker=_break_keys,
    ),
)


def check(d: Mapping[str, Any]) -> Iterator[Violation]:
    act = d.get("latest_activity")
    if not isinstance(act, dict):
        return
    if act.get("object") != ACTIVITY_OBJECT:
        yield Violation("activity.object", "latest_activity", act.get("object"))
    if not ids.is_id(act.get("id"), ids.PREFIXES["session_activity"]):
        yield Violation("activity.id", "latest_activity", act.get("id"))
    if not isinstance(act.get("is_mobile"), bool):
        yield Violation("activity.is_mobile", "latest_activity", act.get("is_mobile"))
    for key, v in act.items():
        if key in ("object", "id", "is_mobile"):
            continue
        if key not in ACTIVITY_OPTIONAL or not (v is None or isinstance(v, str)):
            yield Violation("activity.keys", "latest_activity", {key: v})
