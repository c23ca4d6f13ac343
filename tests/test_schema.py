"""The schema comes from the seed; its translations agree with the validator."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_structure import InstanceValidator, SchemaValidator

from sessionfaker.errors import StructureError
from sessionfaker.generator import Generator
from sessionfaker.rules import check_session, check_structure, to_json_schema_with_rules
from sessionfaker.schema import (
    int64_as_strings,
    load_structure,
    parse_structure,
    structure_text,
    to_json_schema,
    to_json_structure,
)

from .conftest import profile

FIELDS = [
    "object",
    "id",
    "user_id",
    "client_id",
    "actor",
    "status",
    "last_active_organization_id",
    "last_active_at",
    "latest_activity",
    "expire_at",
    "abandon_at",
    "updated_at",
    "created_at",
    "tasks",
]


def test_shipped_structure_is_the_seed(seed_text: str | None) -> None:
    if seed_text is None:
        pytest.skip("the project's shared/ folder is not beside this checkout")
    seed_json = json.loads(seed_text[seed_text.index("{") :])
    assert json.loads(structure_text()) == seed_json


def test_fields_types_nullability_and_required_come_from_the_structure() -> None:
    s = load_structure()
    assert s.names == tuple(FIELDS)
    assert {f.name for f in s.fields if f.nullable} == {
        "actor",
        "last_active_organization_id",
        "latest_activity",
        "tasks",
    }
    assert set(s.required) == set(FIELDS) - {
        "actor",
        "last_active_organization_id",
        "latest_activity",
        "tasks",
    }
    assert s.field("expire_at").format == "int64"
    assert s.field("last_active_at").type == "integer"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "x.json: fields: expected a non-empty list"),
        ({"fields": [{"type": "string"}]}, "x.json: fields[0]: expected an object with a name"),
        (
            {"fields": [{"name": "a", "type": "date"}]},
            "x.json: fields[0].type: unknown type 'date' (expected one of string, integer, number, "
            "boolean, object, array)",
        ),
        (
            {"fields": [{"name": "a", "type": "string"}] * 2},
            "x.json: fields[1]: duplicate field 'a'",
        ),
        (
            {"fields": [{"name": "a", "type": "string"}], "required": ["b"]},
            "x.json: required: unknown fields ['b']",
        ),
    ],
)
def test_malformed_structures(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(StructureError) as info:
        parse_structure(doc, "x.json")
    assert str(info.value) == message


def sessions(n: int = 300) -> list[dict[str, Any]]:
    return list(Generator(profile("edge-cases"), 5).generate(0, n))


def test_json_schema_is_valid_2020_12_and_accepts_generated_sessions() -> None:
    schema = to_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for s in sessions():
        validator.validate(s)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.just({}),
    st.just([]),
    st.just({"sub": "user_x"}),
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(sessions(20)),
    changes=st.dictionaries(st.sampled_from([*FIELDS, "extra"]), values, max_size=3),
    drops=st.sets(st.sampled_from(FIELDS), max_size=2),
)
def test_json_schema_accepts_exactly_what_the_structural_rules_accept(
    base: dict[str, Any], changes: dict[str, Any], drops: set[str]
) -> None:
    d = copy.deepcopy(base)
    d.update(changes)
    for k in drops:
        d.pop(k, None)
    schema_ok = jsonschema.Draft202012Validator(to_json_schema()).is_valid(d)
    assert schema_ok == (check_structure(d, load_structure()) == [])


def test_json_structure_translation_is_accepted_by_the_reference_validator() -> None:
    doc = to_json_structure()
    assert SchemaValidator().validate(doc) == []
    assert doc["properties"]["expire_at"] == {
        "type": "int64",
        "description": "Unix timestamp of expiration.",
    }
    assert doc["properties"]["actor"] == {"type": [{"$ref": "#/definitions/Actor"}, "null"]}


def test_int64_as_string_instances_validate_against_the_json_structure() -> None:
    validator = InstanceValidator(to_json_structure())
    for s in sessions():
        wire = int64_as_strings(s)
        assert isinstance(wire["created_at"], str)
        assert validator.validate(wire) == []
    # Plain JSON numbers are not the JSON Structure encoding of int64.
    assert validator.validate(sessions(1)[0]) == [
        f"Expected int64 as string at #/{name}, got int"
        for name in ("last_active_at", "expire_at", "abandon_at", "updated_at", "created_at")
    ]


def test_json_schema_with_rules_accepts_generated_sessions_and_refuses_value_errors() -> None:
    schema = to_json_schema_with_rules()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = sessions()
    for s in good:
        validator.validate(s)
    pending = next(s for s in good if s["status"] == "pending")
    active = next(s for s in good if s["latest_activity"] and s["actor"])
    for base, field, value in [
        (active, "object", "sessions"),
        (active, "status", "actve"),
        (active, "user_id", "usr_2yJsqZ7cRn9OhWAFSfz3nTFwKT1"),
        (active, "created_at", 1793008323),
        (active, "actor", {"iss": "x"}),
        (active, "latest_activity", {**active["latest_activity"], "os": "iOS"}),
        (active, "latest_activity", {**active["latest_activity"], "is_mobile": "yes"}),
        (pending, "tasks", []),
        (pending, "tasks", [{"key": "verify-email"}]),
    ]:
        bad = {**base, field: value}
        assert not validator.is_valid(bad), (field, value)
        # Each of these also breaks a rule of the validator.
        assert check_session(bad) != []
