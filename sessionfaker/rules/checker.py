"""Checking one session, or a stream of them, against every rule."""

from __future__ import annotations

from typing import Any

from ..schema import Structure, load_structure
from . import activity, actor, tasks, timeline, values
from . import policy as policy_rules
from .base import Policy, Violation, get
from .structure import check_structure


def check_session(
    session: Any,
    *,
    now: int | None = None,
    policy: Policy | None = None,
    structure: Structure | None = None,
) -> list[Violation]:
    """Every rule that applies to one session: what Clerk guarantees, and the
    ``policy.*`` rules too when ``policy`` is given (``validate --strict``);
    the ``now.*`` rules need ``now``. Uniqueness is a run-level rule, see
    :class:`Checker`."""
    return _check(session, now, policy, structure or load_structure())


def _check(
    session: Any, now: int | None, pol: Policy | None, structure: Structure
) -> list[Violation]:
    out = check_structure(session, structure, strict=pol is not None)
    if not isinstance(session, dict):
        return out
    ts: dict[str, int] = {}
    out.extend(values.check(session, ts))
    status = get(session, "status", "string")
    out.extend(timeline.check(ts, status, now))
    out.extend(tasks.check(session, status))
    out.extend(actor.check(session))
    out.extend(activity.check(session))
    if pol is not None:
        out.extend(policy_rules.check(session, ts, pol))
    return out


class Checker:
    """Checks a stream of sessions, including the run-level uniqueness rule.

    >>> Checker().check({"object": "session"})[0].describe()
    'id: missing (null)'
    """

    def __init__(
        self,
        *,
        now: int | None = None,
        policy: Policy | None = None,
        structure: Structure | None = None,
    ) -> None:
        self.now = now
        self.policy = policy
        self.structure = structure or load_structure()
        self._seen: set[str] = set()

    def check(self, session: Any) -> list[Violation]:
        out = _check(session, self.now, self.policy, self.structure)
        sid = session.get("id") if isinstance(session, dict) else None
        if isinstance(sid, str):
            if sid in self._seen:
                out.append(Violation("id.unique", "id", sid))
            self._seen.add(sid)
        return out
