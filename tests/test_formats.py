"""Output formats: each one streams and reads back to the same sessions."""

from __future__ import annotations

import io
import json
import sqlite3
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli
from sessionfaker.errors import InputError, InvalidArgument
from sessionfaker.generator import Generator
from sessionfaker.rules import Checker
from sessionfaker.schema import load_structure
from sessionfaker.sinks import (
    FORMATS,
    CsvWriter,
    ParquetWriter,
    SqlWriter,
    read_csv,
    read_file,
    write_sessions,
)
from sessionfaker.sinks.db import read_table
from sessionfaker.sinks.db.dialects import create_table_sql, literal

from .conftest import NOW, profile

runner = CliRunner()


def sessions(n: int, seed: str = "fmt") -> list[dict[str, Any]]:
    return list(Generator(profile("default"), seed).generate(0, n))


def awkward() -> list[dict[str, Any]]:
    """Sessions whose strings need every kind of quoting: quotes, backslashes,
    commas, newlines, non-ASCII, and an empty string beside a null."""
    out = sessions(4, "awkward")
    out[0]["client_id"] = 'client_"quoted", with comma'
    out[1]["client_id"] = "client_back\\slash and 'single'"
    out[2]["client_id"] = "client_line\nbreak\r\nand CRLF"
    out[3]["client_id"] = ""
    out[3]["last_active_organization_id"] = None
    out[0]["actor"] = {"sub": "user_x", "note": 'O\'Brien \\ "東京" \u00e9'}
    out[1]["tasks"] = []
    return out


def invoke(*args: str) -> tuple[int, bytes, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "parquet"])
def test_cli_output_reads_back_to_the_ndjson_sessions(fmt: str, tmp_path: Path) -> None:
    base = ["generate", "-n", "700", "--now", NOW, "--seed", "rt"]
    code, ndjson, err = invoke(*base)
    assert code == 0, err
    expected = [json.loads(line) for line in ndjson.splitlines()]
    out = tmp_path / f"s.{fmt}"
    code, stdout, err = invoke(*base, "-f", fmt, "-o", str(out))
    assert (code, stdout, err) == (0, b"", "")
    assert list(read_file(out, fmt)) == expected


def test_pretty_json_reads_back(tmp_path: Path) -> None:
    data = sessions(5)
    write_sessions(data, tmp_path / "p.json", "json", pretty=True)
    text = (tmp_path / "p.json").read_text()
    assert text.startswith('[\n  {\n    "object": "session",')
    assert list(read_file(tmp_path / "p.json", "json")) == data


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_awkward_strings_round_trip(fmt: str, tmp_path: Path) -> None:
    data = awkward()
    write_sessions(data, tmp_path / f"a.{fmt}", fmt)
    back = list(read_file(tmp_path / f"a.{fmt}", fmt))
    assert back == data
    assert back[3]["client_id"] == "" and back[3]["last_active_organization_id"] is None


def test_csv_layout() -> None:
    s = sessions(1)[0]
    s["tasks"] = [{"key": "setup-mfa"}]
    s["actor"] = None
    buf = io.BytesIO()
    CsvWriter(buf).write_all([s])
    header, row, end = buf.getvalue().decode().split("\n")
    assert header == ",".join(load_structure().names)
    assert end == ""
    assert row.startswith(f'"session","{s["id"]}","{s["user_id"]}","{s["client_id"]}",,')
    assert row.endswith(f',{s["created_at"]},"[{{""key"":""setup-mfa""}}]"')


def test_csv_reader_errors() -> None:
    names = ",".join(load_structure().names)
    with pytest.raises(InputError) as e:
        list(read_csv(io.StringIO("a,b\n"), "x.csv"))
    assert str(e.value) == f"x.csv: line 1: expected the header {names}"
    good = io.BytesIO()
    CsvWriter(good).write_all(sessions(1))
    row = good.getvalue().decode().splitlines()[1]
    bad_int = row.replace(f",{sessions(1)[0]['created_at']},", ",soon,", 1)
    with pytest.raises(InputError) as e:
        list(read_csv(io.StringIO(f"{names}\n{bad_int}\n"), "x.csv"))
    assert str(e.value) == "x.csv: line 2: created_at: not a valid integer ('soon')"
    with pytest.raises(InputError) as e:
        list(read_csv(io.StringIO(f'{names}\n"a","b"\n'), "x.csv"))
    assert str(e.value) == "x.csv: line 2: expected 14 fields, found 2"
    with pytest.raises(InputError) as e:
        list(read_csv(io.StringIO(f'{names}\n"a"b\n'), "x.csv"))
    assert str(e.value) == "x.csv: line 2: malformed CSV (',' expected after '\"')"
    with pytest.raises(InputError) as e:
        list(read_csv(io.StringIO(f'{names}\n"open\n'), "x.csv"))
    assert str(e.value) == "x.csv: line 2: unterminated quoted field"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_sql_script_shape(dialect: str) -> None:
    buf = io.BytesIO()
    n = SqlWriter(buf, dialect=dialect, table="t1", batch_size=2).write_all(sessions(5))
    text = buf.getvalue().decode()
    assert n == 5
    assert text.count("INSERT INTO") == 3  # 2 + 2 + 1 rows
    begin = "START TRANSACTION;\n" if dialect == "mysql" else "BEGIN;\n"
    assert create_table_sql("t1", dialect, if_not_exists=True) + begin in text
    assert text.endswith(");\nCOMMIT;\n")


def test_sql_output_executes_in_sqlite_and_reads_back(tmp_path: Path) -> None:
    data = sessions(1200) + awkward()
    buf = io.BytesIO()
    SqlWriter(buf, dialect="sqlite", table="from_script").write_all(data)
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.executescript(buf.getvalue().decode())
    conn.close()
    assert read_table(f"sqlite:///{db}", "from_script") == sorted(data, key=lambda s: s["id"])


@pytest.mark.parametrize(
    ("value", "dialect", "expected"),
    [
        ("it's", "sqlite", "'it''s'"),
        ("a\\b", "postgresql", "'a\\b'"),
        ("a\\b'c", "mysql", "'a\\\\b''c'"),
        ("nul\0", "mysql", "'nul\\0'"),
        (None, "postgresql", "NULL"),
        (True, "sqlite", "1"),
        (False, "mysql", "FALSE"),
        (1793491200000, "mysql", "1793491200000"),
        ({"k": "v'"}, "postgresql", "'{\"k\":\"v''\"}'"),
    ],
)
def test_literals(value: Any, dialect: str, expected: str) -> None:
    assert literal(value, dialect) == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"dialect": "oracle"},
            "unknown SQL dialect 'oracle' (expected one of sqlite, postgresql, mysql)",
        ),
        (
            {"table": "x; DROP TABLE users"},
            "table name 'x; DROP TABLE users' is not valid: use "
            "letters, digits and underscores, not starting with a digit, at most 48 characters",
        ),
        ({"batch_size": 0}, "batch_size must be at least 1 (0)"),
        (
            {"int64_as_string": True},
            "int64_as_string applies to the ndjson and json formats, not sql",
        ),
    ],
)
def test_sql_writer_rejects_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        SqlWriter(io.BytesIO(), **options)
    assert str(e.value) == message


def test_generate_rejects_int64_as_string_for_csv() -> None:
    code, out, err = invoke("generate", "-n", "1", "--now", NOW, "-f", "csv", "--int64-as-string")
    assert code == 2 and out == b""
    assert err == "Error: int64_as_string applies to the ndjson and json formats, not csv\n"


def test_read_file_refuses_sql() -> None:
    with pytest.raises(InvalidArgument) as e:
        list(read_file("x.sql", "sql"))
    assert str(e.value) == (
        "cannot read format 'sql' from a file (readable: ndjson, json, csv, parquet)"
    )


def test_parquet_schema_keeps_types_and_stores_nested_fields_as_json(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_sessions(sessions(10), tmp_path / "s.parquet", "parquet")
    schema = pq.ParquetFile(tmp_path / "s.parquet").schema_arrow
    assert schema.field("created_at").type == pa.int64()
    assert not schema.field("created_at").nullable
    assert schema.field("actor").type == pa.json_(pa.string())
    assert schema.field("actor").nullable
    assert schema.metadata[b"sessionfaker.nested"] == b"json"


def test_parquet_reader_errors(tmp_path: Path) -> None:
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError) as e:
        list(read_file(tmp_path / "x.parquet", "parquet"))
    assert str(e.value).startswith(f"{tmp_path / 'x.parquet'}: not a Parquet file (")


def test_files_written_by_every_format_pass_the_validator(tmp_path: Path) -> None:
    checker = Checker(now=profile("default").now)
    for fmt in ("ndjson", "json", "csv", "parquet"):
        write_sessions(sessions(300), tmp_path / f"v.{fmt}", fmt)
        for s in read_file(tmp_path / f"v.{fmt}", fmt):
            assert checker.check(s) == []
        checker = Checker(now=profile("default").now)


class _Counted:
    """An endless-ish stream of sessions that is never held in memory."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return Generator(profile("default"), "mem").generate(0, self.n)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_streams_in_constant_memory(fmt: str, tmp_path: Path) -> None:
    # Parquet holds one row group at a time: make it small beside the counts.
    options: dict[str, Any] = {"row_group_size": 1000} if fmt == "parquet" else {}

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            write_sessions(_Counted(n), tmp_path / f"m.{fmt}", fmt, **options)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(16_000)
    # Eight times the sessions, about the same peak: nothing grows with the count.
    assert large < small * 1.5 + 2_000_000, (small, large)


def test_parquet_writer_rejects_int64_as_string() -> None:
    with pytest.raises(InvalidArgument) as e:
        ParquetWriter(io.BytesIO(), int64_as_string=True)
    assert str(e.value) == "int64_as_string applies to the ndjson and json formats, not parquet"
