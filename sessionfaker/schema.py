"""The Session structure, read from the shipped seed, and its translations.

The seed (``data/clerk-session-structure.json``) is Clerk's descriptor: a list
of fields with a type, an optional format, a nullable flag, and a list of
required keys. Everything else in sessionfaker (generator, validator, JSON
Schema and JSON Structure exports) derives field names, types and
nullability from a :class:`Structure`, never from a hand copy.

>>> s = load_structure()
>>> s.names[:3]
('object', 'id', 'user_id')
>>> s.field("actor").nullable
True
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import StructureError

TYPES = ("string", "integer", "number", "boolean", "object", "array")
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Field:
    """One declared field of the structure."""

    name: str
    type: str
    format: str | None
    nullable: bool
    required: bool
    description: str = ""

    @property
    def nested(self) -> bool:
        """Whether values are objects or arrays (JSON text in flat formats)."""
        return self.type in ("object", "array")


@dataclass(frozen=True)
class Structure:
    """The parsed descriptor: ordered fields, and the raw document."""

    title: str
    entity: str
    fields: tuple[Field, ...]
    raw: Mapping[str, Any]

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @functools.cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        return self.by_name[name]


def parse_structure(doc: Mapping[str, Any], source: str = "<structure>") -> Structure:
    """Build a :class:`Structure` from a descriptor document."""
    fields_doc = doc.get("fields")
    if not isinstance(fields_doc, list) or not fields_doc:
        raise StructureError(f"{source}: fields: expected a non-empty list")
    required_doc = doc.get("required", [])
    if not isinstance(required_doc, list) or not all(isinstance(r, str) for r in required_doc):
        raise StructureError(f"{source}: required: expected a list of field names")
    required = set(required_doc)
    fields: list[Field] = []
    seen: set[str] = set()
    for i, f in enumerate(fields_doc):
        if not isinstance(f, Mapping) or not isinstance(f.get("name"), str):
            raise StructureError(f"{source}: fields[{i}]: expected an object with a name")
        name = f["name"]
        if name in seen:
            raise StructureError(f"{source}: fields[{i}]: duplicate field {name!r}")
        seen.add(name)
        ftype = f.get("type")
        if ftype not in TYPES:
            raise StructureError(
                f"{source}: fields[{i}].type: unknown type {ftype!r} (expected one of "
                + ", ".join(TYPES)
                + ")"
            )
        fmt = f.get("format")
        fields.append(
            Field(
                name=name,
                type=ftype,
                format=fmt if isinstance(fmt, str) else None,
                nullable=bool(f.get("nullable", False)),
                required=name in required,
                description=str(f.get("description") or "").strip(),
            )
        )
    unknown = required - seen
    if unknown:
        raise StructureError(f"{source}: required: unknown fields {sorted(unknown)}")
    return Structure(
        title=str(doc.get("title", "")),
        entity=str(doc.get("entity", "")),
        fields=tuple(fields),
        raw=doc,
    )


def structure_text() -> str:
    """The shipped descriptor, byte for byte."""
    return (
        resources.files("sessionfaker")
        .joinpath("data/clerk-session-structure.json")
        .read_text(encoding="utf-8")
    )


@functools.cache
def load_structure(path: str | Path | None = None) -> Structure:
    """The shipped structure, or the one at ``path``."""
    if path is None:
        return parse_structure(json.loads(structure_text()), "clerk-session-structure.json")
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StructureError(f"{p}: {exc}") from None
    return parse_structure(doc, str(p))


def is_int64_field(f: Field) -> bool:
    """Integer fields carry epoch milliseconds: all of them need 64 bits."""
    return f.type == "integer"


def _json_schema_type(f: Field) -> dict[str, Any]:
    t: dict[str, Any] = {"type": [f.type, "null"] if f.nullable else f.type}
    if f.type == "integer":
        t["minimum"] = INT64_MIN
        t["maximum"] = INT64_MAX
    if f.description:
        t["description"] = f.description
    return t


def to_json_schema(structure: Structure | None = None) -> dict[str, Any]:
    """A JSON Schema 2020-12 accepting exactly what the structural rules accept.

    Every declared key is required (Clerk always sends all of them, the
    nullable ones as ``null``), no other key is allowed, and integers are
    limited to the int64 range.
    """
    s = structure or load_structure()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://sessionfaker.dev/schema/clerk-session.json",
        "title": s.title or s.entity,
        "type": "object",
        "properties": {f.name: _json_schema_type(f) for f in s.fields},
        "required": list(s.names),
        "additionalProperties": False,
    }


def _json_structure_type(f: Field, definitions: dict[str, Any]) -> dict[str, Any]:
    if f.type == "integer":
        base: Any = "int64"
    elif f.type == "number":
        base = "double"
    elif f.type in ("object", "array"):
        ref_name = "".join(p.capitalize() for p in f.name.split("_"))
        if f.type == "object":
            # The descriptor says nothing of the keys inside: a map of any values.
            definitions[ref_name] = {"type": "map", "values": {"type": "any"}}
        else:
            definitions[ref_name] = {"type": "array", "items": {"type": "any"}}
        base = {"$ref": f"#/definitions/{ref_name}"}
    else:
        base = f.type
    out: dict[str, Any]
    if f.nullable:
        out = {"type": [base, "null"]}
    elif isinstance(base, dict):
        out = dict(base)
    else:
        out = {"type": base}
    if f.description:
        out["description"] = f.description
    return out


def to_json_structure(structure: Structure | None = None) -> dict[str, Any]:
    """A JSON Structure core schema of the structure.

    Integers become ``int64`` (millisecond timestamps overflow ``int32``, the
    JSON Structure meaning of ``integer``), so instances carry them as JSON
    strings; nullable fields are unions with ``"null"``, nullable compound
    types going through ``definitions`` as JSON Structure requires.
    """
    s = structure or load_structure()
    definitions: dict[str, Any] = {}
    props = {f.name: _json_structure_type(f, definitions) for f in s.fields}
    doc: dict[str, Any] = {
        "$schema": "https://json-structure.org/meta/core/v0/#",
        "$id": "https://sessionfaker.dev/structure/clerk-session.json",
        "name": s.entity or "Session",
        "type": "object",
        "properties": props,
        "required": list(s.names),
        "additionalProperties": False,
    }
    if definitions:
        doc["definitions"] = definitions
    return doc


def int64_as_strings(session: dict[str, Any], structure: Structure | None = None) -> dict[str, Any]:
    """The JSON Structure wire encoding of a session: int64 values as strings."""
    s = structure or load_structure()
    out = dict(session)
    for f in s.fields:
        v = out.get(f.name)
        if is_int64_field(f) and isinstance(v, int) and not isinstance(v, bool):
            out[f.name] = str(v)
    return out
