"""Hostile input to what sessionfaker reads, issue 9: sessions files, CSV and Parquet.

Each case states its whole outcome (see ``_input.outcome``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import NOW
from ._input import outcome, run, three_sessions

# ---------------------------------------------------------------- sessions files


@pytest.fixture(scope="module")
def sessions() -> list[str]:
    return three_sessions()


Build = Callable[[list[str]], bytes]


def _docs(lines: list[str]) -> list[object]:
    return [json.loads(line) for line in lines]


def _pretty(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


MORE = (
    "more JSON after the document ended (a file holds one JSON document, or NDJSON: "
    "one session per line)"
)
SHAPE = "expected NDJSON, a JSON array, or an object with a data array"

# (case id, builds the file from three NDJSON session lines, exit code, stdout, stderr)
SESSION_FILES: list[tuple[str, Build, int, str, str]] = [
    (
        "two-arrays-concatenated",
        lambda s: _pretty(_docs(s[:1])) + _pretty(_docs(s[1:])),
        2,
        "",
        f"Error: x.json: line 28: {MORE}\n",
    ),
    (
        "two-arrays-on-one-line",
        lambda s: json.dumps(_docs(s[:1])).encode() + json.dumps(_docs(s[1:])).encode(),
        2,
        "",
        f"Error: x.json: line 1: {MORE}\n",
    ),
    (
        "two-envelopes",
        lambda s: _pretty({"data": _docs(s)}) + b"\n" + _pretty({"data": _docs(s)}),
        2,
        "",
        f"Error: x.json: line 83: {MORE}\n",
    ),
    (
        "array-then-garbage",
        lambda s: _pretty(_docs(s)) + b"\nx",
        2,
        "",
        f"Error: x.json: line 81: {MORE}\n",  # the 80 lines of the array, then x
    ),
    (
        "envelope-keys-before-data",
        lambda s: _pretty({"total_count": 3, "object": "list", "data": _docs(s)}),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "envelope-on-one-line",
        lambda s: json.dumps({"total_count": 3, "data": _docs(s)}).encode(),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "envelope-on-one-line-with-object-list",
        lambda s: json.dumps({"object": "list", "data": _docs(s), "total_count": 3}).encode(),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "envelope-data-in-a-string-first",
        lambda s: _pretty({"note": '"data": [', "data": _docs(s)}),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "envelope-escaped-data-key",
        lambda s: _pretty({"data": _docs(s)}).replace(b'"data"', b'"\\u0064ata"'),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "envelope-data-twice",
        lambda s: b'{\n"data": [],\n"data": []\n}',
        2,
        "",
        "Error: x.json: line 3: the key 'data' appears twice\n",
    ),
    ("envelope-data-not-a-list", lambda s: b'{\n"data": {}\n}', 2, "", f"Error: x.json: {SHAPE}\n"),
    (
        "envelope-without-data",
        lambda s: b'{\n"sessions": []\n}',
        2,
        "",
        f"Error: x.json: {SHAPE}\n",
    ),
    ("empty-array", lambda s: b"[]", 2, "", "Error: x.json: no sessions\n"),
    ("empty-envelope", lambda s: b'{\n  "data": []\n}', 2, "", "Error: x.json: no sessions\n"),
    ("empty-file", lambda s: b"", 2, "", "Error: x.json: empty input: no sessions\n"),
    (
        "only-whitespace",
        lambda s: b" \n\t\r\n\n",
        2,
        "",
        "Error: x.json: empty input: no sessions\n",
    ),
    ("only-a-bom", lambda s: b"\xef\xbb\xbf", 2, "", "Error: x.json: empty input: no sessions\n"),
    (
        "bom-then-ndjson",
        lambda s: b"\xef\xbb\xbf" + "\n".join(s).encode(),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "bom-then-array",
        lambda s: b"\xef\xbb\xbf" + _pretty(_docs(s)),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "latin-1",
        lambda s: "\n".join(s).encode().replace(b'"session"', b'"s\xe9ssion"', 1),
        2,
        "",
        "Error: x.json: not UTF-8 text (invalid continuation byte)\n",
    ),
    (
        "utf-16",
        lambda s: "\n".join(s).encode("utf-16"),
        2,
        "",
        "Error: x.json: not UTF-8 text (invalid start byte)\n",
    ),
    (
        "blank-lines-between",
        lambda s: ("\n\n" + "\n  \n\t\n".join(s) + "\n\n").encode(),
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "crlf-lines",
        lambda s: "\r\n".join(s).encode() + b"\r\n",
        0,
        "",
        "3 sessions checked: all pass\n",
    ),
    (
        "form-feed-line",
        lambda s: (s[0] + "\n\x0c\n" + s[1]).encode(),
        2,
        "",
        "Error: x.json: line 2: not valid JSON (Expecting value)\n",
    ),
    (
        "ndjson-line-nested-100000",
        lambda s: (s[0] + "\n" + "[" * 100000 + "\n").encode(),
        2,
        "",
        "Error: x.json: line 2: nested too deeply\n",
    ),
    (
        "array-nested-100000",
        lambda s: b"[" * 100000 + b"]" * 100000,
        2,
        "",
        "Error: x.json: line 1: nested too deeply\n",
    ),
    (
        "ndjson-int-5000-digits",
        lambda s: (s[0] + '\n{"a": ' + "9" * 5000 + "}\n").encode(),
        2,
        "",
        "Error: x.json: line 2: integer of more than 4300 digits\n",
    ),
    (
        "truncated-document",
        lambda s: b"[\n" + s[0].encode() + b',\n{"object": "session"\n',
        2,
        "",
        "Error: x.json: line 4: not valid JSON (Expecting ',' delimiter)\n",
    ),
    (
        "one-line-envelope-then-more",
        lambda s: (json.dumps({"data": _docs(s[:1])}) + "\n" + s[1]).encode(),
        2,
        "",
        f"Error: x.json: line 2: {MORE}\n",
    ),
    (
        "array-of-non-objects",
        lambda s: b'[1, "s", null]',
        1,
        'line 1: *: type (1)\nline 1: *: type ("s")\nline 1: *: type (null)\n',
        "3 sessions checked: 3 break rules (3 violations: type 3)\n",
    ),
]


@pytest.mark.parametrize(
    ("build", "code", "out", "err"),
    [pytest.param(b, c, o, e, id=i) for i, b, c, o, e in SESSION_FILES],
)
def test_validate_reads_each_hostile_file_exactly(
    tmp_cwd: Path, sessions: list[str], build: Build, code: int, out: str, err: str
) -> None:
    assert outcome(tmp_cwd, {"x.json": build(sessions)}, ["validate", "x.json"]) == (code, out, err)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_number_is_a_type_violation_of_its_field(
    tmp_cwd: Path, sessions: list[str], value: str
) -> None:
    line = sessions[0].replace('"created_at":', f'"created_at":{value},"x":', 1)
    shown = "Infinity" if value == "1e999" else value
    assert outcome(tmp_cwd, {"x.json": line.encode()}, ["validate", "x.json"]) == (
        1,
        f"line 1: created_at: type ({shown})\n"
        f"line 1: x: unexpected ({json.loads(sessions[0])['created_at']})\n",
        "1 session checked: 1 breaks rules (2 violations: type 1, unexpected 1)\n",
    )


@pytest.mark.parametrize(
    ("build", "code", "err"),
    [
        pytest.param(
            lambda s: b"\xef\xbb\xbf" + "\n".join(s).encode(),
            0,
            "3 sessions checked: all pass\n",
            id="bom",
        ),
        pytest.param(
            lambda s: "\n".join(s).encode().replace(b"session", b"s\xe9ssion", 1),
            2,
            "Error: <stdin>: not UTF-8 text (invalid continuation byte)\n",
            id="latin-1",
        ),
        pytest.param(lambda s: b"[]", 2, "Error: <stdin>: no sessions\n", id="empty-array"),
        pytest.param(
            lambda s: b"[1][2]", 2, f"Error: <stdin>: line 1: {MORE}\n", id="concatenated"
        ),
    ],
)
def test_validate_reads_stdin_as_utf_8(
    tmp_cwd: Path, sessions: list[str], build: Build, code: int, err: str
) -> None:
    assert outcome(tmp_cwd, {}, ["validate", "-"], build(sessions)) == (code, "", err)


def test_the_summary_counts_in_the_right_number(tmp_cwd: Path, sessions: list[str]) -> None:
    one_bad = sessions[0].replace('"session"', '"sessions"', 1)
    assert outcome(tmp_cwd, {"x.json": one_bad.encode()}, ["validate", "x.json"]) == (
        1,
        'line 1: object: object ("sessions")\n',
        "1 session checked: 1 breaks rules (1 violation: object 1)\n",
    )
    two_bad = "\n".join([one_bad, sessions[1].replace('"session"', '"sessions"', 1), sessions[2]])
    assert outcome(tmp_cwd, {"y.json": two_bad.encode()}, ["validate", "y.json"])[2] == (
        "3 sessions checked: 2 break rules (2 violations: object 2)\n"
    )


# ---------------------------------------------------------------- CSV and Parquet


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The CSV and Parquet that generate writes, 20 sessions each."""
    folder = tmp_path_factory.mktemp("tables")
    out: dict[str, bytes] = {}
    for fmt in ("csv", "parquet"):
        path = folder / f"s.{fmt}"
        assert run(["generate", "-n", "20", "--now", NOW, "-f", fmt, "-o", str(path)])[0] == 0
        out[fmt] = path.read_bytes()
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_validate_and_stats_read_what_generate_writes(
    tmp_cwd: Path, tables: dict[str, bytes], fmt: str
) -> None:
    files = {f"s.{fmt}": tables[fmt], f"renamed.{fmt}.data": tables[fmt]}
    assert outcome(tmp_cwd, files, ["validate", f"s.{fmt}"]) == (
        0,
        "",
        "20 sessions checked: all pass\n",
    )
    assert outcome(tmp_cwd, files, ["validate", f"renamed.{fmt}.data", "-f", fmt]) == (
        0,
        "",
        "20 sessions checked: all pass\n",
    )
    code, out, err = outcome(tmp_cwd, files, ["stats", f"s.{fmt}", "--json"])
    assert (code, json.loads(out)["sessions"], err) == (0, 20, "")


def test_validate_reports_csv_rows(tmp_cwd: Path, tables: dict[str, bytes]) -> None:
    lines = tables["csv"].decode().split("\n")
    lines[2] = lines[2].replace('"session",', '"sessions",', 1)
    assert outcome(tmp_cwd, {"s.csv": "\n".join(lines).encode()}, ["validate", "s.csv"]) == (
        1,
        'row 2: object: object ("sessions")\n',
        "20 sessions checked: 1 breaks rules (1 violation: object 1)\n",
    )


def test_csv_from_stdin(tmp_cwd: Path, tables: dict[str, bytes]) -> None:
    assert outcome(tmp_cwd, {}, ["validate", "-", "-f", "csv"], tables["csv"]) == (
        0,
        "",
        "20 sessions checked: all pass\n",
    )


@pytest.mark.parametrize(
    ("files", "args", "err"),
    [
        pytest.param(
            {},
            ["validate", "-", "-f", "parquet"],
            "Error: <stdin>: Parquet is read from a file, not from stdin\n",
            id="parquet-stdin",
        ),
        pytest.param({"s.csv": b""}, ["validate", "s.csv"], None, id="empty-csv"),
        pytest.param(
            {"s.csv": b"\xff\xfe,\n"},
            ["validate", "s.csv"],
            "Error: s.csv: not UTF-8 text (invalid start byte)\n",
            id="csv-not-utf-8",
        ),
        pytest.param(
            {"gone": b""},
            ["validate", "none.csv"],
            "Error: none.csv: no such file\n",
            id="csv-missing",
        ),
    ],
)
def test_tables_that_cannot_be_read_are_one_line(
    tmp_cwd: Path, files: dict[str, bytes], args: list[str], err: str | None
) -> None:
    code, out, message = outcome(tmp_cwd, files, args)
    assert (code, out) == (2, "")
    if err is None:  # the CSV reader's own words
        assert (
            message.startswith("Error: s.csv: line 1: expected the header ")
            and message.count("\n") == 1
        )
    else:
        assert message == err


def test_a_file_that_is_not_parquet_is_one_line(tmp_cwd: Path) -> None:
    code, out, err = outcome(
        tmp_cwd, {"s.parquet": b"PAR1 but not really"}, ["validate", "s.parquet"]
    )
    assert (code, out) == (2, "")
    assert err.startswith("Error: s.parquet: not a Parquet file (") and err.count("\n") == 1


@pytest.mark.parametrize("command", [["validate"], ["stats", "--json"], ["profiles", "infer"]])
def test_a_session_nested_near_the_limit_is_one_line(
    tmp_cwd: Path, sessions: list[str], command: list[str]
) -> None:
    deep = sessions[0].replace('"actor":null', '"actor":' + "[" * 995 + "]" * 995, 1)
    assert outcome(tmp_cwd, {"x.json": deep.encode()}, [*command, "x.json"]) == (
        2,
        "",
        "Error: x.json: line 1: nested too deeply\n",
    )


@pytest.mark.parametrize("command", [["validate"], ["stats", "--json"]])
def test_an_endless_line_is_refused_not_read_into_memory(tmp_cwd: Path, command: list[str]) -> None:
    assert outcome(tmp_cwd, {}, [*command, "/dev/zero"]) == (
        2,
        "",
        "Error: /dev/zero: line 1: longer than 16 MiB: not a line of NDJSON\n",
    )


def test_line_numbers_count_the_blank_lines_before_a_document(tmp_cwd: Path) -> None:
    files = {"x.json": b'\n\n{\n"data": [],\n"data": []}'}
    assert outcome(tmp_cwd, files, ["validate", "x.json"]) == (
        2,
        "",
        "Error: x.json: line 5: the key 'data' appears twice\n",
    )
