"""The shape of the ``--json`` report, as types, and the JSON Schema derived from them.

:class:`Report` and the TypedDicts it nests are what
:meth:`~sessionfaker.stats.Stats.to_dict` returns (mypy checks that), and
:data:`REPORT_SCHEMA` is computed from them by :func:`json_schema`, so the
schema cannot drift from the output. ``Annotated`` metadata says what a
Python type cannot: extra keywords such as bounds (:class:`Json`), the fixed
keys of a mapping (:class:`Keys`), and the categories that every mapping of
a table has (:class:`Categories`).

>>> json_schema(Annotated[int, Json(minimum=0)])
{'type': 'integer', 'minimum': 0}
>>> json_schema(dict[str, float] | None)
{'oneOf': [{'type': 'null'}, {'type': 'object', 'additionalProperties': {'type': 'number'}}]}
>>> REPORT_SCHEMA["properties"]["schema"]
{'const': 'sessionfaker-stats/1'}
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Literal,
    TypedDict,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from ..measures import RealismReport
from ..rules import ACTOR_KINDS, DEVICE_KINDS, STATUSES, TASK_KEYS
from .tally import OTHER

__all__ = [
    "DURATIONS",
    "PERCENTILES",
    "REPORT_SCHEMA",
    "SCHEMA_ID",
    "TASK_COUNTS",
    "TESTS",
    "AsDict",
    "Categories",
    "CategoryTable",
    "ComparisonReport",
    "Json",
    "Keys",
    "QuantityTest",
    "Report",
    "TestName",
    "json_schema",
]

SchemaId = Literal["sessionfaker-stats/1"]
SCHEMA_ID: SchemaId = "sessionfaker-stats/1"
NowFrom = Literal["data", "given"]  # the latest timestamp in the data, or given
TestName = Literal["chi-square", "kolmogorov-smirnov", "none"]  # "none" when skipped
TESTS: tuple[str, ...] = get_args(TestName)
DURATIONS: dict[str, str] = {
    "lifetime": "expire_at - created_at",
    "abandon": "abandon_at - created_at",
    "age": "reference time - created_at",
    "activity_gap": "reference time - last_active_at",
}
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("min", 0.0),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p99", 0.99),
    ("max", 1.0),
)
# The task counts of a pending session that the report tabulates.
TASK_COUNTS = ("1", "2", "3")


class Json:
    """JSON Schema keywords added to a type's own: ``Annotated[int, Json(minimum=0)]``."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords


class Keys:
    """A ``dict[str, X]`` whose keys are exactly these: a closed object."""

    def __init__(self, *names: str) -> None:
        self.names = names


class AsDict:
    """A ``dict[str, Any]`` made by ``dataclasses.asdict`` of this dataclass."""

    def __init__(self, cls: type) -> None:
        self.cls = cls


class Categories:
    """A table whose every mapping (counts, shares) has at least these keys."""

    def __init__(self, *names: str) -> None:
        self.names = names


# ---------------------------------------------------------------- the report

Count = Annotated[int, Json(minimum=0)]
Rate = Annotated[float, Json(minimum=0, maximum=1)]
Percentiles = Annotated[dict[str, float], Keys(*(name for name, _ in PERCENTILES), "mean")]


class CategoryTable(TypedDict):
    total: Count
    counts: dict[str, Count]
    shares: dict[str, float]


class ActorReport(TypedDict):
    sessions: Count
    rate: Rate
    distinct_subjects: Count
    kinds: Annotated[CategoryTable, Categories(*ACTOR_KINDS)]


class OrganizationReport(TypedDict):
    sessions: Count
    rate: Rate
    distinct: Count


class ActivityReport(TypedDict):
    sessions: Count
    rate: Rate
    devices: Annotated[CategoryTable, Categories(*DEVICE_KINDS)]
    ipv6_rate: Rate


class TasksReport(TypedDict):
    pending_with_tasks: Count
    keys: Annotated[CategoryTable, Categories(*TASK_KEYS)]
    per_session: Annotated[CategoryTable, Categories(*TASK_COUNTS)]


class DurationReport(TypedDict):
    count: Count
    percentiles: Percentiles | None


class UsersReport(TypedDict):
    distinct: Count
    sessions_per_user: Percentiles | None
    clients_per_user: Percentiles | None


class ViolationsReport(TypedDict):
    sessions: Count
    total: Count
    by_rule: dict[str, Count]


@dataclass(frozen=True)
class QuantityTest:
    """One two-sample test of one quantity (in the report, ``dataclasses.asdict`` of it)."""

    quantity: str
    test: TestName
    statistic: float | None
    dof: int | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    observed: dict[str, float]
    expected: dict[str, float]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class ComparisonReport(TypedDict):
    profile: str
    seed: str
    reference_sessions: Annotated[int, Json(minimum=1)]
    alpha: Annotated[float, Json(exclusiveMinimum=0, exclusiveMaximum=1)]
    correction: Literal["holm"]
    significant: list[str]
    tests: list[Annotated[dict[str, Any], AsDict(QuantityTest)]]


class Report(TypedDict):
    """The ``--json`` document."""

    schema: SchemaId
    source: str
    sessions: Annotated[int, Json(minimum=1)]
    reference_time: str
    reference_time_ms: int
    reference_time_from: NowFrom
    status: Annotated[CategoryTable, Categories(*STATUSES, OTHER)]
    actor: ActorReport
    organization: OrganizationReport
    activity: ActivityReport
    tasks: TasksReport
    durations_ms: Annotated[dict[str, DurationReport], Keys(*DURATIONS)]
    users: UsersReport
    violations: ViolationsReport
    realism: RealismReport
    comparison: ComparisonReport | None


# ---------------------------------------------------------------- types to JSON Schema

_SCALARS: dict[Any, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


def json_schema(tp: Any) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the JSON values of type ``tp``.

    Understands ``str``, ``int``, ``float``, ``bool``, ``Literal``, ``X |
    None``, ``list[X]``, ``dict[str, X]``, TypedDicts and dataclasses (closed
    objects whose keys are all required) and the ``Annotated`` metadata of
    this module.
    """
    meta: tuple[Any, ...] = ()
    if get_origin(tp) is Annotated:
        tp, *rest = get_args(tp)
        meta = tuple(rest)
    shape = next((m.cls for m in meta if isinstance(m, AsDict)), None)
    if shape is not None:
        tp = shape
    schema = _bare(tp, meta)
    for m in meta:
        if isinstance(m, Json):
            schema.update(m.keywords)
        elif isinstance(m, Categories):
            for prop in schema["properties"].values():
                if isinstance(prop.get("additionalProperties"), dict):
                    prop["required"] = list(m.names)
    return schema


def _bare(tp: Any, meta: tuple[Any, ...]) -> dict[str, Any]:
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return {"const": args[0]} if len(args) == 1 else {"enum": list(args)}
    if origin in (Union, types.UnionType):
        if len(args) != 2 or type(None) not in args:
            raise TypeError(f"only X | None unions have a schema here ({tp})")
        inner = json_schema(next(a for a in args if a is not type(None)))
        if set(inner) == {"type"}:
            return {"type": [inner["type"], "null"]}
        return {"oneOf": [{"type": "null"}, inner]}
    if origin is list:
        return {"type": "array", "items": json_schema(args[0])}
    if origin is dict:
        value = json_schema(args[1])
        keys = next((m.names for m in meta if isinstance(m, Keys)), None)
        if keys is None:
            return {"type": "object", "additionalProperties": value}
        return _object({name: json_schema(args[1]) for name in keys})
    if is_typeddict(tp):
        hints = get_type_hints(tp, include_extras=True)
        if set(hints) != tp.__required_keys__:
            raise TypeError(f"{tp.__name__}: every key of a report object is required")
        return _object({name: json_schema(h) for name, h in hints.items()})
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = get_type_hints(tp, include_extras=True)
        fields = [f.name for f in dataclasses.fields(tp)]
        return _object({name: json_schema(hints[name]) for name in fields})
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sessionfaker.invalid/schemas/stats-1.json",
    "title": "sessionfaker stats report",
    **json_schema(Report),
}
