"""Hostile input to what sessionfaker reads, issue 9: profile documents.

Each case states its whole outcome (see ``_input.outcome``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ._input import BUILTIN, outcome

BIG = 1 << 20

# ---------------------------------------------------------------- profile documents


def billion_laughs() -> bytes:
    names = [f"l{i}" for i in range(12)]
    lines = ["name: bomb", "description:", f"  {names[0]}: &{names[0]} [{', '.join(['lol'] * 9)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"  {name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def nested_yaml(levels: int) -> bytes:
    return (
        b"actor:\n"
        + b"".join(b"  " * i + b"a:\n" for i in range(1, levels))
        + b"  " * levels
        + b"a: 1\n"
    )


def nested_json(levels: int) -> bytes:
    return b'{"actor": ' + b'{"a": ' * levels + b"1" + b"}" * (levels + 1)


DIGITS_1001 = b"1" + b"0" * 1000
DIGITS_5000 = b"9" * 5000
_A = "anchors and aliases are not allowed in a profile (they can expand without bound)"

# (case id, file name, content, the message after "Error: ")
REFUSED_PROFILES: list[tuple[str, str, bytes, str]] = [
    (
        "yaml-billion-laughs",
        "p.yaml",
        billion_laughs(),
        f"p.yaml: YAML anchor &l0 at line 3, column 7: {_A}",
    ),
    (
        "yaml-alias",
        "p.yaml",
        b"actor:\n  rate: *r\n",
        f"p.yaml: YAML alias *r at line 2, column 9: {_A}",
    ),
    (
        "yaml-anchor-on-scalar",
        "p.yaml",
        b"actor:\n  rate: &r 0.5\n",
        f"p.yaml: YAML anchor &r at line 2, column 9: {_A}",
    ),
    (
        "yaml-merge-key",
        "p.yaml",
        b"base: &b {rate: 0.5}\nactor:\n  <<: *b\n",
        f"p.yaml: YAML anchor &b at line 1, column 7: {_A}",
    ),
    (
        "yaml-anchor-on-table",
        "p.yaml",
        b"actor: &t\n  rate: 0.5\n",
        f"p.yaml: YAML anchor &t at line 1, column 8: {_A}",
    ),
    ("yaml-duplicate-top-key", "p.yaml", b"name: a\nname: b\n", "p.yaml: name: duplicate key"),
    (
        "yaml-duplicate-weight",
        "p.yaml",
        b"status:\n  weights:\n    active: 1\n    active: 2\n",
        "p.yaml: status.weights.active: duplicate key",
    ),
    (
        "yaml-duplicate-table",
        "p.yaml",
        b"actor:\n  rate: 0.1\nactor:\n  kinds: {}\n",
        "p.yaml: actor: duplicate key",
    ),
    (
        "yaml-duplicate-in-flow",
        "p.yaml",
        b"actor: {rate: 0.1, rate: 0.2}\n",
        "p.yaml: actor.rate: duplicate key",
    ),
    (
        "yaml-deep-flow",
        "p.yaml",
        b"actor: " + b"[" * 10000 + b"\n",
        "p.yaml: nested more than 8 levels deep",
    ),
    (
        "yaml-deep-block",
        "p.yaml",
        nested_yaml(10),
        "p.yaml: actor.a.a.a.a.a.a.a: nested more than 8 levels deep",
    ),
    (
        "yaml-int-5000-digits",
        "p.yaml",
        b"actor:\n  rate: " + DIGITS_5000 + b"\n",
        "p.yaml: actor.rate: integer out of range (5000 digits)",
    ),
    (
        "yaml-int-1001-digits",
        "p.yaml",
        b"actor:\n  rate: " + DIGITS_1001 + b"\n",
        "p.yaml: actor.rate: integer out of range (1001 digits)",
    ),
    (
        "yaml-inf",
        "p.yaml",
        b"actor:\n  rate: .inf\n",
        "p.yaml: actor.rate: number out of range (inf)",
    ),
    (
        "yaml-minus-inf",
        "p.yaml",
        b"actor:\n  rate: -.inf\n",
        "p.yaml: actor.rate: number out of range (-inf)",
    ),
    (
        "yaml-nan",
        "p.yaml",
        b"actor:\n  rate: .nan\n",
        "p.yaml: actor.rate: number out of range (nan)",
    ),
    (
        "yaml-float-overflow",
        "p.yaml",
        b"actor:\n  rate: 1.0e+999\n",
        "p.yaml: actor.rate: number out of range (inf)",
    ),
    (
        "yaml-latin-1",
        "p.yaml",
        "description: caf\xe9\n".encode("latin-1"),
        "p.yaml: not UTF-8 text (invalid continuation byte at byte 16)",
    ),
    (
        "yaml-utf-16",
        "p.yaml",
        "name: x\n".encode("utf-16"),
        "p.yaml: not UTF-8 text (invalid start byte at byte 0)",
    ),
    (
        "yaml-top-level-list",
        "p.yaml",
        b"- actor\n",
        "p.yaml: expected a table of profile keys at the top level",
    ),
    (
        "yaml-two-documents",
        "p.yaml",
        b"name: a\n---\nname: b\n",
        "p.yaml: syntax error: but found another document (at line 2, column 1)",
    ),
    (
        "yaml-python-tag",
        "p.yaml",
        b"!!python/object/apply:os.system [id]\n",
        "p.yaml: syntax error: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' (at line 1, column 1)",
    ),
    (
        "yaml-bad-date",
        "p.yaml",
        b"time:\n  now: 2026-13-45\n",
        "p.yaml: unreadable value: month must be in 1..12",
    ),
    (
        "yaml-over-1-mib",
        "p.yaml",
        b"#" + b"x" * BIG + b"\n",
        "p.yaml: larger than 1 MiB: not a profile",
    ),
    (
        "json-deep-100000",
        "p.json",
        b"[" * 100000 + b"]" * 100000,
        "p.json: nested more than 8 levels deep",
    ),
    (
        "json-deep-12-under-a-key",
        "p.json",
        nested_json(12),
        "p.json: actor.a.a.a.a.a.a.a: nested more than 8 levels deep",
    ),
    (
        "json-duplicate-top-key",
        "p.json",
        b'{"name": "a", "name": "b"}',
        "p.json: name: duplicate key",
    ),
    (
        "json-duplicate-weight",
        "p.json",
        b'{"status": {"weights": {"active": 1, "active": 2}}}',
        "p.json: status.weights.active: duplicate key",
    ),
    (
        "json-table-and-dotted-key",
        "p.json",
        b'{"status": {"weights": {"active": 1}}, "status.weights": {"ended": 2}}',
        "p.json: status.weights: duplicate key",
    ),
    (
        "json-weight-in-and-beside-table",
        "p.json",
        b'{"status": {"weights": {"active": 1}}, "status.weights.active": 2}',
        "p.json: status.weights.active: duplicate key",
    ),
    (
        "json-escaped-duplicate",
        "p.json",
        b'{"name": "a", "\\u006eame": "b"}',
        "p.json: name: duplicate key",
    ),
    (
        "json-nan",
        "p.json",
        b'{"actor": {"rate": NaN}}',
        "p.json: actor.rate: number out of range (nan)",
    ),
    (
        "json-infinity",
        "p.json",
        b'{"actor": {"rate": Infinity}}',
        "p.json: actor.rate: number out of range (inf)",
    ),
    (
        "json-minus-infinity",
        "p.json",
        b'{"actor": {"rate": -Infinity}}',
        "p.json: actor.rate: number out of range (-inf)",
    ),
    (
        "json-1e999",
        "p.json",
        b'{"actor": {"rate": 1e999}}',
        "p.json: actor.rate: number out of range (inf)",
    ),
    (
        "json-minus-1e999",
        "p.json",
        b'{"actor": {"rate": -1e999}}',
        "p.json: actor.rate: number out of range (-inf)",
    ),
    (
        "json-10-pow-1000",
        "p.json",
        b'{"actor": {"rate": ' + DIGITS_1001 + b"}}",
        "p.json: actor.rate: integer out of range (1001 digits)",
    ),
    (
        "json-int-5000-digits",
        "p.json",
        b'{"actor": {"rate": ' + DIGITS_5000 + b"}}",
        "p.json: actor.rate: integer out of range (5000 digits)",
    ),
    (
        "json-negative-huge-int",
        "p.json",
        b'{"population": {"users": -' + DIGITS_1001 + b"}}",
        "p.json: population.users: integer out of range (1001 digits)",
    ),
    (
        "json-int-2-pow-63",
        "p.json",
        b'{"population": {"users": 9223372036854775808}}',
        "p.json: population.users: integer out of range (19 digits)",
    ),
    (
        "json-in-a-list",
        "p.json",
        b'{"name": [1, 2, NaN]}',
        "p.json: name.2: number out of range (nan)",
    ),
    (
        "json-concatenated",
        "p.json",
        b'{"name": "a"}{"name": "b"}',
        "p.json: syntax error: Extra data: line 1 column 14 (char 13)",
    ),
    (
        "json-missing-colon",
        "p.json",
        b'{"name" "a"}',
        "p.json: syntax error: Expecting ':' delimiter: line 1 column 9 (char 8)",
    ),
    (
        "json-empty",
        "p.json",
        b"",
        "p.json: syntax error: Expecting value: line 1 column 1 (char 0)",
    ),
    (
        "json-top-level-array",
        "p.json",
        b"[]",
        "p.json: expected a table of profile keys at the top level",
    ),
    (
        "json-top-level-string",
        "p.json",
        b'"actor"',
        "p.json: expected a table of profile keys at the top level",
    ),
    (
        "json-latin-1",
        "p.json",
        '{"name": "\xe9"}'.encode("latin-1"),
        "p.json: not UTF-8 text (invalid continuation byte at byte 10)",
    ),
    ("json-over-1-mib", "p.json", b"{}" + b" " * BIG, "p.json: larger than 1 MiB: not a profile"),
    (
        "toml-inf",
        "p.toml",
        b"[actor]\nrate = inf\n",
        "p.toml: actor.rate: number out of range (inf)",
    ),
    (
        "toml-minus-inf",
        "p.toml",
        b"[actor]\nrate = -inf\n",
        "p.toml: actor.rate: number out of range (-inf)",
    ),
    (
        "toml-nan",
        "p.toml",
        b"[actor]\nrate = nan\n",
        "p.toml: actor.rate: number out of range (nan)",
    ),
    (
        "toml-float-overflow",
        "p.toml",
        b"[actor]\nrate = 1e999\n",
        "p.toml: actor.rate: number out of range (inf)",
    ),
    (
        "toml-int-5000-digits",
        "p.toml",
        b"[actor]\nrate = " + DIGITS_5000 + b"\n",
        "p.toml: integer out of range (more than 4300 digits)",
    ),
    (
        "toml-int-30-digits",
        "p.toml",
        b"[population]\nusers = " + b"9" * 30 + b"\n",
        "p.toml: population.users: integer out of range (30 digits)",
    ),
    (
        "toml-deep-arrays",
        "p.toml",
        b"name = " + b"[" * 5000 + b"\n",
        "p.toml: nested more than 8 levels deep",
    ),
    (
        "toml-deep-tables",
        "p.toml",
        b"[actor.a.b.c.d.e.f.g.h]\nx = 1\n",
        "p.toml: actor.a.b.c.d.e.f.g: nested more than 8 levels deep",
    ),
    (
        "toml-duplicate-key",
        "p.toml",
        b"[actor]\nrate = 0.1\nrate = 0.2\n",
        "p.toml: syntax error: Cannot overwrite a value (at line 3, column 11)",
    ),
    (
        "toml-latin-1",
        "p.toml",
        'description = "caf\xe9"\n'.encode("latin-1"),
        "p.toml: not UTF-8 text (invalid continuation byte at byte 18)",
    ),
    (
        "toml-over-1-mib",
        "p.toml",
        b"#" + b"x" * BIG + b"\n",
        "p.toml: larger than 1 MiB: not a profile",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [pytest.param(n, c, m, id=i) for i, n, c, m in REFUSED_PROFILES],
)
def test_a_hostile_profile_is_refused_with_one_line(
    tmp_cwd: Path, name: str, content: bytes, message: str
) -> None:
    assert outcome(tmp_cwd, {name: content}, ["profiles", "check", name]) == (
        2,
        "",
        f"Error: {message}\n",
    )


ACCEPTED_PROFILES: list[tuple[str, str, bytes]] = [
    ("toml-bom", "p.toml", b'\xef\xbb\xbfdescription = "x"\n'),
    ("json-bom", "p.json", b'\xef\xbb\xbf{"description": "x"}'),
    ("yaml-bom", "p.yaml", b"\xef\xbb\xbfdescription: x\n"),
    ("yaml-empty", "p.yaml", b""),
    ("toml-empty", "p.toml", b""),
    ("json-escaped-key", "p.json", b'{"\\u0061ctor": {"rate": 0.5}}'),
    ("yaml-deep-enough", "p.yaml", b"status:\n  weights:\n    active: 1\n"),
    ("json-exactly-1-mib", "p.json", b"{}" + b" " * (BIG - 2)),
    ("toml-64-bit-int", "p.toml", b"[population]\nusers = 9223372036854775807\n"),
]


@pytest.mark.parametrize(
    ("name", "content"), [pytest.param(n, c, id=i) for i, n, c in ACCEPTED_PROFILES]
)
def test_an_odd_but_valid_profile_loads(tmp_cwd: Path, name: str, content: bytes) -> None:
    code, out, err = outcome(tmp_cwd, {name: content}, ["profiles", "check", name])
    if name == "p.toml" and b"users" in content:
        # read fine; the value itself is then checked like any other
        assert (code, out) == (2, "")
        assert err.startswith("Error: p.toml: population.users: ")
        return
    assert (code, out, err) == (0, f"{name}: ok\n", "")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param("/dev/zero", "/dev/zero: larger than 1 MiB: not a profile", id="dev-zero"),
        pytest.param("sub/", "sub: cannot read: Is a directory", id="directory"),
        pytest.param("gone.toml", "gone.toml: no such profile file 'gone.toml'", id="missing"),
        pytest.param(
            "b2c",
            f"b2c: no built-in profile named 'b2c' (did you mean 'b2b'?) (built-in: {BUILTIN})",
            id="typo",
        ),
        pytest.param(
            "x\0.toml", "'x\\x00.toml': not a file name (it contains a NUL byte)", id="nul-byte"
        ),
        pytest.param(
            "\udcff.toml", "\\udcff.toml: no such profile file '\\udcff.toml'", id="not-utf-8-name"
        ),
    ],
)
def test_a_profile_that_cannot_be_read_is_one_line(tmp_cwd: Path, ref: str, message: str) -> None:
    (tmp_cwd / "sub").mkdir()
    assert outcome(tmp_cwd, {}, ["profiles", "check", ref]) == (2, "", f"Error: {message}\n")


def test_a_very_long_builtin_name_is_cut_short_in_the_message(tmp_cwd: Path) -> None:
    code, out, err = outcome(tmp_cwd, {}, ["profiles", "check", "x" * 10_000])
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {'x' * 100!r}: no built-in profile named {'x' * 100!r} (built-in: {BUILTIN})\n"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.json", b'{"description": "\\ud800 x"}', "description: not valid Unicode text"),
        ("p.json", b'{"\\udc00x": 1}', "\\udc00x: not valid Unicode text"),
        ("p.yaml", b'description: "\\ud800"\n', "description: not valid Unicode text"),
    ],
    ids=["json-value", "json-key", "yaml-value"],
)
def test_a_lone_surrogate_is_refused_before_anything_prints_it(
    tmp_cwd: Path, name: str, content: bytes, message: str
) -> None:
    assert outcome(tmp_cwd, {name: content}, ["profiles", "show", name, "--now", "now"]) == (
        2,
        "",
        f"Error: {name}: {message} (a lone surrogate)\n",
    )


def test_an_unknown_key_of_a_megabyte_is_cut_short(tmp_cwd: Path) -> None:
    content = b'{"' + b"k" * 900_000 + b'": 1}'
    assert outcome(tmp_cwd, {"p.json": content}, ["profiles", "check", "p.json"]) == (
        2,
        "",
        f"Error: p.json: {'k' * 100}...: unknown key\n",
    )
