"""The tools each rule's breaker uses to break a valid session in one place.

A breaker (``Rule.breaker``, written beside its rule) takes a :class:`Kit`
and returns a strategy of sessions that break its rule and no other rule of
its level, or None when the profile leaves no such session. Each broken
session is a valid one with one change, the change and the valid session it
starts from chosen so that no other rule breaks with it. Hypothesis is
imported here only: the checks never need it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, ClassVar

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from .. import ids
from ..schema import Structure, load_structure
from .constants import STATUSES

if TYPE_CHECKING:
    from ..profile import Profile

Mutation = Callable[[DrawFn, dict[str, Any]], None]
Base = SearchStrategy[Any] | None
Broken = SearchStrategy[dict[str, Any]] | None
# Valid sessions of some statuses, with or without actor or activity (None:
# the profile's window allows none); sessionfaker.strategies provides it.
BaseFactory = Callable[..., Base]

# A fixed alphabet: text() over all of Unicode first builds Hypothesis'
# character map, a second or more in a fresh checkout (a too_slow health
# check on the first test), and its examples vary with Hypothesis' version.
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. "


class Kit:
    """A profile, its valid sessions, and ways to change one field."""

    st: ClassVar = st
    step: ClassVar[SearchStrategy[int]] = st.integers(1, 10**6)

    def __init__(self, profile: Profile, base_factory: BaseFactory) -> None:
        self.profile = profile
        self.now: int = profile.time_now
        self.structure: Structure = load_structure()
        self._factory = base_factory
        self._bases: dict[Hashable, Base] = {}

    def base(
        self,
        statuses: tuple[str, ...] = STATUSES,
        *,
        actor: bool | None = None,
        activity: bool | None = None,
        web_only: bool = False,
        kinds: tuple[str, ...] | None = None,
    ) -> Base:
        """Valid sessions of these statuses (profile weights aside: no rule
        checks them); ``actor``/``activity`` True or False to require or
        exclude one; ``kinds`` replaces the profile's actor kinds."""
        key = (statuses, actor, activity, web_only, kinds)
        if key not in self._bases:
            self._bases[key] = self._factory(
                self.profile,
                statuses,
                actor=actor,
                activity=activity,
                web_only=web_only,
                kinds=kinds,
            )
        return self._bases[key]

    @staticmethod
    def mutated(base: Base, mutate: Mutation) -> Broken:
        if base is None:
            return None
        strategy = base

        @st.composite
        def _broken(draw: DrawFn) -> dict[str, Any]:
            d: dict[str, Any] = dict(draw(strategy))
            mutate(draw, d)
            return d

        return _broken()

    @staticmethod
    def keyed(
        keys: tuple[str, ...],
        base_for: Callable[[str], Base],
        mutate: Callable[[DrawFn, dict[str, Any], str], None],
    ) -> Broken:
        """A change to one field, the field drawn first (its base may depend on it)."""
        bases = {k: b for k in keys if (b := base_for(k)) is not None}
        if not bases:
            return None
        usable = tuple(bases)

        @st.composite
        def _broken(draw: DrawFn) -> dict[str, Any]:
            key = draw(st.sampled_from(usable))
            d: dict[str, Any] = dict(draw(bases[key]))
            mutate(draw, d, key)
            return d

        return _broken()

    @staticmethod
    def text(*, min_size: int = 0, max_size: int) -> SearchStrategy[str]:
        return st.text(_ALPHABET, min_size=min_size, max_size=max_size)

    @staticmethod
    def malformed_id(draw: DrawFn, prefix: str, good: str) -> str:
        body = good[len(prefix) :]
        how = draw(st.integers(0, 3))
        if how == 0:
            return good[:-1]
        if how == 1:
            i = draw(st.integers(0, ids.KSUID_LENGTH - 1))
            return prefix + body[:i] + draw(st.sampled_from("-_+/ .")) + body[i + 1 :]
        if how == 2:
            return draw(st.sampled_from([q for q in ids.PREFIXES.values() if q != prefix])) + body
        # Above the largest KSUID, 2**160 - 1.
        return prefix + "z" * ids.KSUID_LENGTH

    @staticmethod
    def reencode(identifier: str, prefix: str, second: int) -> str:
        """The same id's payload at another KSUID second."""
        _, payload = ids.decode_ksuid(identifier[len(prefix) :])
        return ids.make_id(prefix, second, payload)

    @staticmethod
    def relabel(status: str | tuple[str, ...]) -> Mutation:
        def _relabel(draw: DrawFn, d: dict[str, Any]) -> None:
            d["status"] = status if isinstance(status, str) else draw(st.sampled_from(status))

        return _relabel

    @staticmethod
    def activity_change(change: Mutation) -> Mutation:
        """A change to a copy of ``latest_activity``."""

        def _change(draw: DrawFn, d: dict[str, Any]) -> None:
            act = dict(d["latest_activity"])
            change(draw, act)
            d["latest_activity"] = act

        return _change
