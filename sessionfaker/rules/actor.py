"""Rules on ``actor``: who acts for the user in an impersonated or agent session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import ids
from .base import Rule, Violation, actor_kind

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit


def _break_sub(k: Kit) -> Broken:
    def bad_sub(draw: DrawFn, d: dict[str, Any]) -> None:
        actor = dict(d["actor"])
        choices: list[Any] = [d["user_id"], None, 42]
        if "type" not in actor:  # agents may act as any string sub
            choices += ["staff@example.com", d["id"]]
        actor["sub"] = draw(k.st.sampled_from(choices))
        d["actor"] = actor

    return k.mutated(k.base(actor=True), bad_sub)


RULES = (
    Rule(
        "actor.sub",
        "actor",
        "an actor has a string sub other than user_id: a user id, except for agents",
        breaker=_break_sub,
    ),
)


def check(d: Mapping[str, Any]) -> Iterator[Violation]:
    actor = d.get("actor")
    if not isinstance(actor, dict):
        return
    sub = actor.get("sub")
    if (
        not isinstance(sub, str)
        or sub == d.get("user_id")
        or (actor_kind(actor) != "agent" and not ids.is_id(sub, ids.PREFIXES["user"]))
    ):
        yield Violation("actor.sub", "actor", actor)
