"""The rule set: what a valid, coherent Clerk session is.

Each rule has a name, used in every message. The generator is written to
obey these rules and uses the constants defined here; the validator checks
them; the Hypothesis strategies draw from the same constants. The
``policy.*`` rules are sessionfaker's own generation policy, checked by
``validate --strict``; real Clerk data need not follow them.

>>> [v.rule for v in check_session({"object": "session"})][:2]
['missing', 'missing']
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import ids
from .schema import INT64_MAX, INT64_MIN, Structure, load_structure, to_json_schema
from .vocab import load as load_vocabulary

STATUSES = ("active", "pending", "ended", "removed", "revoked", "expired", "abandoned", "replaced")
LIVE_STATUSES = ("active", "pending")
TRANSITION_STATUSES = ("ended", "removed", "revoked", "replaced")
TASK_KEYS = ("choose-organization", "reset-password", "setup-mfa")
ACTOR_KINDS = ("dashboard", "token", "agent")
DEVICE_KINDS = ("desktop", "mobile_web", "native_app")
DASHBOARD_ISSUER = "https://dashboard.clerk.com"
ACTIVITY_OBJECT = "session_activity"
ACTIVITY_OPTIONAL = (
    "device_type",
    "browser_name",
    "browser_version",
    "ip_address",
    "city",
    "country",
)
ACTIVITY_ID_LAG_S = (10, 40)
# Epoch milliseconds between the KSUID epoch and the last KSUID second: a
# seconds value (10 digits) or a microseconds value (16 digits) falls outside.
MS_MIN = ids.KSUID_EPOCH * 1000
MS_MAX = (ids.KSUID_EPOCH + ids.MAX_TIMESTAMP) * 1000
DOC_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
ID_FIELDS = {
    "id": ids.PREFIXES["session"],
    "user_id": ids.PREFIXES["user"],
    "client_id": ids.PREFIXES["client"],
    "last_active_organization_id": ids.PREFIXES["organization"],
}
TIMESTAMP_FIELDS = ("created_at", "last_active_at", "updated_at", "expire_at", "abandon_at")


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    description: str
    policy: bool = False


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("missing", "*", "every declared key is present (nullable ones as null)"),
        Rule("unexpected", "*", "no key the structure does not declare"),
        Rule("type", "*", "each value has its declared type; integers fit in int64"),
        Rule("null", "*", "null only where the structure declares the field nullable"),
        Rule("object", "object", "object is 'session'"),
        Rule("status", "status", "status is one of " + ", ".join(STATUSES)),
        Rule("id.format", "*", "ids are their prefix and a 27-character base62 KSUID"),
        Rule("id.time", "id", "the session id's KSUID second equals created_at // 1000"),
        Rule("id.unique", "id", "session ids are unique within a file or run"),
        Rule("timestamp.ms", "*", "timestamps are epoch milliseconds"),
        Rule("order.created", "last_active_at", "created_at <= last_active_at"),
        Rule("order.updated", "updated_at", "last_active_at <= updated_at"),
        Rule("order.expire", "expire_at", "last_active_at < expire_at"),
        Rule("order.abandon", "abandon_at", "last_active_at < abandon_at"),
        Rule("now.future", "*", "created_at, last_active_at and updated_at are not after now"),
        Rule(
            "now.live", "*", "active and pending sessions have now < expire_at and now < abandon_at"
        ),
        Rule("now.expired", "expire_at", "expired sessions have expire_at <= now"),
        Rule("now.abandoned", "abandon_at", "abandoned sessions have abandon_at <= now"),
        Rule(
            "transition",
            "updated_at",
            "ended, removed, revoked and replaced sessions changed (updated_at) "
            "before expire_at and abandon_at",
        ),
        Rule("tasks.pending", "tasks", "tasks is a non-empty list exactly when status is pending"),
        Rule("tasks.key", "tasks", "each task is {'key': K}, K one of " + ", ".join(TASK_KEYS)),
        Rule(
            "tasks.organization",
            "last_active_organization_id",
            "a pending choose-organization session has no active organization",
        ),
        Rule(
            "actor.sub",
            "actor",
            "an actor has a string sub other than user_id: a user id, except for agents",
        ),
        Rule("activity.object", "latest_activity", "latest_activity.object is 'session_activity'"),
        Rule("activity.id", "latest_activity", "latest_activity.id is a sess_activity_ KSUID"),
        Rule("activity.is_mobile", "latest_activity", "latest_activity.is_mobile is a boolean"),
        Rule(
            "activity.keys",
            "latest_activity",
            "latest_activity has only Clerk's optional keys, as strings",
        ),
        Rule("policy.user_time", "user_id", "the user's KSUID is not after the session's", True),
        Rule(
            "policy.client_time", "client_id", "the client's KSUID is not after the session's", True
        ),
        Rule(
            "policy.activity_time",
            "latest_activity",
            "latest_activity.id is 10 to 40 s before created_at",
            True,
        ),
        Rule(
            "policy.actor_lifetime",
            "expire_at",
            "sessions with an actor live for the profile's actor lifetime",
            True,
        ),
        Rule("policy.actor_allowed", "actor", "actors appear only where the profile allows", True),
        Rule(
            "policy.activity_nulls",
            "latest_activity",
            "unknown optional activity keys are omitted, not null",
            True,
        ),
        Rule(
            "policy.native_app",
            "latest_activity",
            "native-app activity (no device_type) has is_mobile true",
            True,
        ),
        Rule("policy.country", "latest_activity", "country is an ISO 3166 alpha-2 code", True),
        Rule("policy.ip", "latest_activity", "IP addresses are in documentation ranges", True),
    )
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: the rule's name, the field, and the offending value."""

    rule: str
    field: str
    value: Any

    def describe(self) -> str:
        text = json.dumps(self.value, ensure_ascii=False, default=str)
        if len(text) > 80:
            text = text[:77] + "..."
        return f"{self.field}: {self.rule} ({text})"


@dataclass(frozen=True)
class Policy:
    """What the generation policy needs to know of a profile."""

    actor_lifetime_ms: int
    actor_kinds: frozenset[str]


def actor_kind(actor: Mapping[str, Any]) -> str:
    """``agent``, ``dashboard`` (impersonation from Clerk's dashboard) or ``token``."""
    if actor.get("type") == "agent":
        return "agent"
    if actor.get("iss") == DASHBOARD_ISSUER:
        return "dashboard"
    return "token"


def device_kind(activity: Mapping[str, Any]) -> str:
    """``native_app`` (no device_type), ``mobile_web`` or ``desktop``."""
    if "device_type" not in activity or activity["device_type"] is None:
        return "native_app"
    return "mobile_web" if activity.get("is_mobile") is True else "desktop"


def _is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return INT64_MIN <= v <= INT64_MAX
    # JSON does not tell 1 from 1.0; neither do JSON Schema and Clerk's SDK.
    return isinstance(v, float) and v.is_integer() and INT64_MIN <= v <= INT64_MAX


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def check_structure(session: Any, structure: Structure) -> list[Violation]:
    """The structural rules alone: missing, unexpected, type, null."""
    if not isinstance(session, dict):
        return [Violation("type", "*", session)]
    out: list[Violation] = []
    for f in structure.fields:
        if f.name not in session:
            out.append(Violation("missing", f.name, None))
            continue
        v = session[f.name]
        if v is None:
            if not f.nullable:
                out.append(Violation("null", f.name, None))
        elif not _TYPE_CHECKS[f.type](v):
            out.append(Violation("type", f.name, v))
    for key in session:
        if key not in structure.by_name:
            out.append(Violation("unexpected", str(key), session[key]))
    return out


def _get(session: Mapping[str, Any], name: str, kind: str) -> Any:
    # A value usable by the coherence rules, or None when the structural
    # rules already reported it.
    v = session.get(name)
    return v if v is not None and _TYPE_CHECKS[kind](v) else None


def check_session(
    session: Any,
    *,
    now: int | None = None,
    policy: Policy | None = None,
    structure: Structure | None = None,
) -> list[Violation]:
    """Every rule that applies to one session (the ``policy.*`` rules when
    ``policy`` is given); uniqueness is a run-level rule, see :class:`Checker`."""
    s = structure or load_structure()
    out = check_structure(session, s)
    if not isinstance(session, dict):
        return out
    out.extend(_check_values(session, now))
    if policy is not None:
        out.extend(_check_policy(session, policy))
    return out


def _check_values(d: Mapping[str, Any], now: int | None) -> Iterator[Violation]:
    obj = d.get("object")
    if obj is not None and obj != "session":
        yield Violation("object", "object", obj)
    status = _get(d, "status", "string")
    if status is not None and status not in STATUSES:
        yield Violation("status", "status", status)
    for name, prefix in ID_FIELDS.items():
        v = _get(d, name, "string")
        if v is not None and not ids.is_id(v, prefix):
            yield Violation("id.format", name, v)

    ts: dict[str, int] = {}
    for name in TIMESTAMP_FIELDS:
        v = _get(d, name, "integer")
        if v is None:
            continue
        v = int(v)
        if not MS_MIN <= v <= MS_MAX:
            yield Violation("timestamp.ms", name, v)
        else:
            ts[name] = v

    sid = _get(d, "id", "string")
    if sid is not None and "created_at" in ts and ids.is_id(sid, ids.PREFIXES["session"]):
        second = ids.id_unix_seconds(sid, ids.PREFIXES["session"])
        if second != ts["created_at"] // 1000:
            yield Violation("id.time", "id", sid)

    c, la, up = ts.get("created_at"), ts.get("last_active_at"), ts.get("updated_at")
    ex, ab = ts.get("expire_at"), ts.get("abandon_at")
    if c is not None and la is not None and c > la:
        yield Violation("order.created", "last_active_at", la)
    if la is not None and up is not None and la > up:
        yield Violation("order.updated", "updated_at", up)
    if la is not None and ex is not None and la >= ex:
        yield Violation("order.expire", "expire_at", ex)
    if la is not None and ab is not None and la >= ab:
        yield Violation("order.abandon", "abandon_at", ab)

    if now is not None:
        for name in ("created_at", "last_active_at", "updated_at"):
            v = ts.get(name)
            if v is not None and v > now:
                yield Violation("now.future", name, v)
        if status in LIVE_STATUSES:
            if ex is not None and ex <= now:
                yield Violation("now.live", "expire_at", ex)
            if ab is not None and ab <= now:
                yield Violation("now.live", "abandon_at", ab)
        elif status == "expired" and ex is not None and ex > now:
            yield Violation("now.expired", "expire_at", ex)
        elif status == "abandoned" and ab is not None and ab > now:
            yield Violation("now.abandoned", "abandon_at", ab)
    ended_late = (ex is not None and up is not None and up >= ex) or (
        ab is not None and up is not None and up >= ab
    )
    if status in TRANSITION_STATUSES and ended_late:
        yield Violation("transition", "updated_at", up)

    yield from _check_tasks(d, status)
    yield from _check_actor(d)
    yield from _check_activity(d)


def _check_tasks(d: Mapping[str, Any], status: str | None) -> Iterator[Violation]:
    tasks = d.get("tasks")
    has_tasks = isinstance(tasks, list) and bool(tasks)
    if status in STATUSES and (
        (status == "pending" and not has_tasks) or (status != "pending" and tasks is not None)
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
    if (
        status == "pending"
        and "choose-organization" in keys
        and d.get("last_active_organization_id") is not None
    ):
        yield Violation(
            "tasks.organization", "last_active_organization_id", d["last_active_organization_id"]
        )


def _check_actor(d: Mapping[str, Any]) -> Iterator[Violation]:
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


def _check_activity(d: Mapping[str, Any]) -> Iterator[Violation]:
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


def _ksuid_second(v: Any, prefix: str) -> int | None:
    return ids.id_unix_seconds(v, prefix) if ids.is_id(v, prefix) else None


def _check_policy(d: Mapping[str, Any], policy: Policy) -> Iterator[Violation]:
    sess_s = _ksuid_second(d.get("id"), ids.PREFIXES["session"])
    if sess_s is not None:
        for name, prefix, rule in (
            ("user_id", ids.PREFIXES["user"], "policy.user_time"),
            ("client_id", ids.PREFIXES["client"], "policy.client_time"),
        ):
            second = _ksuid_second(d.get(name), prefix)
            if second is not None and second > sess_s:
                yield Violation(rule, name, d[name])
    created = _get(d, "created_at", "integer")
    actor = d.get("actor")
    if isinstance(actor, dict):
        if actor_kind(actor) not in policy.actor_kinds:
            yield Violation("policy.actor_allowed", "actor", actor)
        expire = _get(d, "expire_at", "integer")
        lifetime = None if created is None or expire is None else int(expire) - int(created)
        if lifetime is not None and lifetime != policy.actor_lifetime_ms:
            yield Violation("policy.actor_lifetime", "expire_at", expire)
    act = d.get("latest_activity")
    if not isinstance(act, dict):
        return
    act_s = _ksuid_second(act.get("id"), ids.PREFIXES["session_activity"])
    if act_s is not None and created is not None:
        lag = int(created) // 1000 - act_s
        if not ACTIVITY_ID_LAG_S[0] <= lag <= ACTIVITY_ID_LAG_S[1]:
            yield Violation("policy.activity_time", "latest_activity", act.get("id"))
    for key in ACTIVITY_OPTIONAL:
        if key in act and act[key] is None:
            yield Violation("policy.activity_nulls", "latest_activity", {key: None})
    if device_kind(act) == "native_app" and act.get("is_mobile") is not True:
        yield Violation("policy.native_app", "latest_activity", {"is_mobile": act.get("is_mobile")})
    country = act.get("country")
    if country is not None and country not in load_vocabulary().iso_alpha2:
        yield Violation("policy.country", "latest_activity", country)
    ip = act.get("ip_address")
    if ip is not None and not _is_documentation_ip(ip):
        yield Violation("policy.ip", "latest_activity", ip)


def _is_documentation_ip(text: Any) -> bool:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in DOC_NETWORKS)


def to_json_schema_with_rules(structure: Structure | None = None) -> dict[str, Any]:
    """The structural JSON Schema plus the rules JSON Schema can express.

    Adds ``object``'s constant, the status enum, id patterns, the millisecond
    range of timestamps and the shapes of ``actor``, ``latest_activity`` and
    ``tasks``. What relates two fields (ordering, ``id.time``, tasks only when
    pending, a reference time) is beyond JSON Schema: the validator checks it.
    """
    s = structure or load_structure()
    doc = to_json_schema(s)
    doc["$id"] = "https://sessionfaker.dev/schema/clerk-session-rules.json"
    props: dict[str, Any] = doc["properties"]

    def narrow(name: str, **extra: Any) -> None:
        if name in props:
            props[name] = {**props[name], **extra}

    def ksuid(prefix: str) -> str:
        return f"^{prefix}[0-9A-Za-z]{{{ids.KSUID_LENGTH}}}$"

    narrow("object", const="session")
    narrow("status", enum=list(STATUSES))
    for name, prefix in ID_FIELDS.items():
        narrow(name, pattern=ksuid(prefix))
    for name in TIMESTAMP_FIELDS:
        narrow(name, minimum=MS_MIN, maximum=MS_MAX)
    narrow("actor", required=["sub"], properties={"sub": {"type": "string", "minLength": 1}})
    optional = {k: {"type": ["string", "null"]} for k in ACTIVITY_OPTIONAL}
    narrow(
        "latest_activity",
        required=["object", "id", "is_mobile"],
        properties={
            "object": {"const": ACTIVITY_OBJECT},
            "id": {"type": "string", "pattern": ksuid(ids.PREFIXES["session_activity"])},
            "is_mobile": {"type": "boolean"},
            **optional,
        },
        additionalProperties=False,
    )
    narrow(
        "tasks",
        minItems=1,
        items={
            "type": "object",
            "properties": {"key": {"enum": list(TASK_KEYS)}},
            "required": ["key"],
            "additionalProperties": False,
        },
    )
    return doc


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
        out = check_session(session, now=self.now, policy=self.policy, structure=self.structure)
        sid = session.get("id") if isinstance(session, dict) else None
        if isinstance(sid, str):
            if sid in self._seen:
                out.append(Violation("id.unique", "id", sid))
            self._seen.add(sid)
        return out


def rule_names(*, policy: bool = True) -> Iterable[str]:
    return (n for n, r in RULES.items() if policy or not r.policy)
