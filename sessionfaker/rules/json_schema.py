"""The JSON Schema export with every rule JSON Schema can express."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..schema import Structure, load_structure, to_json_schema
from .constants import (
    ACTIVITY_OBJECT,
    ACTIVITY_OPTIONAL,
    ID_FIELDS,
    MS_MAX,
    MS_MIN,
    STATUSES,
    TASK_KEYS,
    TIMESTAMP_FIELDS,
)


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
