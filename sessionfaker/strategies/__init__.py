"""Hypothesis strategies for Clerk sessions and their parts.

Every strategy is built from Hypothesis primitives (bounded integers,
booleans, ``sampled_from``, ``one_of``, ``lists``), so a failing property
shrinks to a simple session, and every one draws its constants from the rule
set (:mod:`sessionfaker.rules`) and its time ranges from the profile
(:func:`sessionfaker.profile.creation_range`, :func:`~sessionfaker.profile.lifetimes`).
Arguments are checked when a strategy is built: a contradictory combination
raises :class:`~sessionfaker.errors.InvalidArgument` at once, naming the
arguments, instead of filtering until Hypothesis gives up.

>>> from hypothesis import given
>>> @given(sessions(now="2026-11-01T00:00:00Z", status="pending"))
... def test_pending_sessions_have_tasks(s):
...     assert s["tasks"]
>>> test_pending_sessions_have_tasks()
"""

from ..errors import MissingExtraError

try:
    import hypothesis  # noqa: F401
except ModuleNotFoundError as _missing:  # name the extra, as the other extras do
    if _missing.name != "hypothesis":
        raise
    raise MissingExtraError("hypothesis", "hypothesis", "sessionfaker.strategies") from None

from .invalid import invalid_sessions
from .parts import (
    actors,
    client_ids,
    ksuids,
    latest_activities,
    organization_ids,
    session_ids,
    session_tasks,
    statuses,
    user_ids,
)
from .valid import session_lists, sessions

__all__ = [
    "actors",
    "client_ids",
    "invalid_sessions",
    "ksuids",
    "latest_activities",
    "organization_ids",
    "session_ids",
    "session_lists",
    "session_tasks",
    "sessions",
    "statuses",
    "user_ids",
]

# Signed session tokens (issue 12): defined beside the signer, offered here too.
from ..signing.strategies import invalid_tokens, session_tokens

__all__ += ["invalid_tokens", "session_tokens"]
