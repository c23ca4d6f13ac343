"""The rule set: what a valid, coherent Clerk session is.

Each rule has a name, used in every message, and is defined beside its check
and its breaker (how :func:`sessionfaker.strategies.invalid_sessions` breaks
it) in the module of its concern: :mod:`.structure`, :mod:`.values`,
:mod:`.timeline`, :mod:`.tasks`, :mod:`.actor`, :mod:`.activity`. Most are
what Clerk guarantees, the default of ``validate``, so real Clerk responses
pass; the ``policy.*`` rules (:mod:`.policy`, and ``policy.all_keys`` beside
the structural rules) are what sessionfaker's generator promises beyond
that, checked by ``validate --strict``. The generator obeys both and takes
its constants from :mod:`.constants`.

>>> [v.rule for v in check_session({"object": "session"})][:2]
['missing', 'missing']
"""

from __future__ import annotations

from . import activity, actor, policy, structure, tasks, timeline, values
from .base import Policy, Rule, Violation, actor_kind, device_kind
from .checker import Checker, check_session
from .constants import (
    ACTIVITY_ID_LAG_S,
    ACTIVITY_OBJECT,
    ACTIVITY_OPTIONAL,
    ACTOR_KINDS,
    CLOCK_SKEW_MS,
    DASHBOARD_ISSUER,
    DEVICE_KINDS,
    DOC_NETWORKS,
    ID_FIELDS,
    LIVE_STATUSES,
    MS_MAX,
    MS_MIN,
    STATUSES,
    TASK_KEYS,
    TIMESTAMP_FIELDS,
    TRANSITION_STATUSES,
)
from .json_schema import to_json_schema_with_rules
from .structure import check_structure

__all__ = [
    "ACTIVITY_ID_LAG_S",
    "ACTIVITY_OBJECT",
    "ACTIVITY_OPTIONAL",
    "ACTOR_KINDS",
    "CLOCK_SKEW_MS",
    "DASHBOARD_ISSUER",
    "DEVICE_KINDS",
    "DOC_NETWORKS",
    "ID_FIELDS",
    "LIVE_STATUSES",
    "MS_MAX",
    "MS_MIN",
    "RULES",
    "STATUSES",
    "TASK_KEYS",
    "TIMESTAMP_FIELDS",
    "TRANSITION_STATUSES",
    "Checker",
    "Policy",
    "Rule",
    "Violation",
    "actor_kind",
    "check_session",
    "check_structure",
    "device_kind",
    "to_json_schema_with_rules",
]

# Every rule, concern by concern (the order invalid_sessions() draws them in).
RULES: dict[str, Rule] = {
    r.name: r
    for module in (structure, values, timeline, tasks, actor, activity, policy)
    for r in module.RULES
}
