"""Rules on ``tasks``: present exactly while pending, each a known task."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import ids
from .base import Rule, Violation
from .constants import STATUSES, TASK_KEYS

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit


def _break_pending(k: Kit) -> Broken:
    st = k.st
    task = st.sampled_from(TASK_KEYS).map(lambda key: {"key": key})
    tasks = st.lists(task, min_size=1, max_size=len(TASK_KEYS), unique_by=lambda t: t["key"])

    def tasks_pending(draw: DrawFn, d: dict[str, Any]) -> None:
        if d["status"] == "pending":
            d["tasks"] = draw(st.sampled_from((None, [])))
        else:
            d["tasks"] = draw(tasks)

    return k.mutated(k.base(), tasks_pending)


def _break_key(k: Kit) -> Broken:
    st = k.st

    def bad_task(draw: DrawFn, d: dict[str, Any]) -> None:
        task = draw(
            st.sampled_from(TASK_KEYS)
            | st.fixed_dictionaries(
                {"key": k.text(max_size=8).filter(lambda t: t not in TASK_KEYS)}
            )
            | st.fixed_dictionaries({"key": st.sampled_from(TASK_KEYS), "extra": st.integers()})
            | st.just({})
        )
        tasks = list(d["tasks"])
        tasks.insert(draw(st.integers(0, len(tasks))), task)
        d["tasks"] = tasks

    return k.mutated(k.base(("pending",)), bad_task)


def _break_organization(k: Kit) -> Broken:
    payloads = k.st.integers(0, (1 << ids.PAYLOAD_BITS) - 1)

    def org_while_choosing(draw: DrawFn, d: dict[str, Any]) -> None:
        d["tasks"] = [{"key": "choose-organization"}]
        d["last_active_organization_id"] = ids.make_id(
            ids.PREFIXES["organization"], d["created_at"] // 1000, draw(payloads)
        )

    return k.mutated(k.base(("pending",)), org_while_choosing)


RULES = (
    Rule(
        "tasks.pending",
        "tasks",
        "tasks is a non-empty list exactly when status is pending",
        breaker=_break_pending,
    ),
    Rule(
        "tasks.key",
        "tasks",
        "each task is {'key': K}, K one of " + ", ".join(TASK_KEYS),
        breaker=_break_key,
    ),
    Rule(
        "tasks.organization",
        "last_active_organization_id",
        "a pending choose-organization session has no active organization",
        breaker=_break_organization,
    ),
)


def check(d: Mapping[str, Any], status: Any) -> Iterator[Violation]:
    tasks = d.get("tasks")
    has_tasks = isinstance(tasks, list) and bool(tasks)
    # No tasks key at all: an API version (or webhook) without tasks.
    if (
        "tasks" in d
        and status in STATUSES
        and ((status == "pending" and not has_tasks) or (status != "pending" and tasks is not None))
    ):
        yield Violation("tasks.pending", "tasks", tasks)
    if not isinstance(tasks, list):
        return
    keys = []
    for t in tasks:
        if not (isinstance(t, dict) and set(t) == {"key"} and t["key"] in TASK_KEYS):
            yield Violation("tasks.key", "tasks", t)
        else:
            keys.append(t["key"])
    org = d.get("last_active_organization_id")
    if status == "pending" and "choose-organization" in keys and org is not None:
        yield Violation("tasks.organization", "last_active_organization_id", org)
