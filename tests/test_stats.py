"""sessionfaker stats: the report on a hand-made file with known answers, the
--json schema, comparison with a profile, plots, and every kind of bad input."""

from __future__ import annotations

import doctest
import importlib
import json
import re
import shlex
import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import jsonschema
import pytest
from click.testing import CliRunner

from sessionfaker import generate
from sessionfaker.cli import cli
from sessionfaker.errors import InputError, MissingExtraError
from sessionfaker.reader import read_sessions
from sessionfaker.rules import STATUSES
from sessionfaker.stats import (
    REPORT_SCHEMA,
    Stats,
    collect,
    compare,
    compare_with_profile,
    describe,
    describe_file,
    finish,
    holm,
    percentiles,
    plot_stats,
)
from sessionfaker.stats.schema import DURATIONS, TESTS, Json, Keys, Report, json_schema

from .conftest import NOW_MS, ROOT, profile

DATA = Path(__file__).parent / "data"
SMALL = DATA / "stats_small.ndjson"
D, H, M = 86_400_000, 3_600_000, 60_000
runner = CliRunner()


class _Partial(TypedDict, total=False):
    x: int


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables are read back as text: no colours forced on by the environment."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@cache
def generated(name: str, n: int, seed: str) -> str:
    """NDJSON of ``n`` sessions of a built-in profile at the tests' reference time."""
    return "".join(json.dumps(s) + "\n" for s in generate(profile(name), n, seed=seed))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- known answers

# tests/data/stats_small.ndjson: nine sessions made by hand around
# 2026-11-01T00:00:00Z, the latest updated_at in the file. Three break a
# rule: an abandoned session whose abandon_at is after the reference time, a
# removed one last active before it was created, and an unknown status.
SMALL_EXPECTED: dict[str, Any] = {
    "sessions": 9,
    "reference_time": "2026-11-01T00:00:00Z",
    "reference_time_ms": NOW_MS,
    "reference_time_from": "data",
    "status_counts": {
        "active": 2,
        "pending": 1,
        "ended": 1,
        "removed": 1,
        "revoked": 1,
        "expired": 1,
        "abandoned": 1,
        "replaced": 0,
        "other": 1,
    },
    "actor": {"sessions": 3, "distinct_subjects": 2},
    "actor_kinds": {"dashboard": 1, "token": 1, "agent": 1},
    "organization": {"sessions": 4, "distinct": 2},
    "activity_sessions": 7,
    "devices": {"desktop": 4, "mobile_web": 2, "native_app": 1},
    "task_keys": {"choose-organization": 1, "reset-password": 0, "setup-mfa": 1},
    "tasks_per_session": {"1": 0, "2": 1, "3": 0},
    "durations_ms": {
        # Seven sessions live 7 days, the dashboard and token actors 30 minutes.
        "lifetime": {
            "min": 30 * M,
            "p10": 30 * M,
            "p25": 7 * D,
            "p50": 7 * D,
            "p75": 7 * D,
            "p90": 7 * D,
            "p99": 7 * D,
            "max": 7 * D,
            "mean": (2 * 30 * M + 7 * 7 * D) // 9,
        },
        "abandon": dict.fromkeys(
            ("min", "p10", "p25", "p50", "p75", "p90", "p99", "max", "mean"), 30 * D
        ),
        # Created 10m, 3h, 1d, 2d, 4d, 5d, 6d, 10d and 20d before the reference time.
        "age": {
            "min": 10 * M,
            "p10": 10 * M + round(0.8 * (3 * H - 10 * M)),
            "p25": 1 * D,
            "p50": 4 * D,
            "p75": 6 * D,
            "p90": 12 * D,
            "p99": round(19.2 * D),
            "max": 20 * D,
            "mean": round((10 * M + 3 * H + 48 * D) / 9),
        },
        # Last active 10m, 3h, 1d, 1d, 4d-10m, 5d, 7d, 9d and 19d before it.
        "activity_gap": {
            "min": 10 * M,
            "p10": 10 * M + round(0.8 * (3 * H - 10 * M)),
            "p25": 1 * D,
            "p50": 4 * D - 10 * M,
            "p75": 7 * D,
            "p90": 11 * D,
            "p99": round(18.2 * D),
            "max": 19 * D,
            "mean": (10 * M + 3 * H + 2 * D + 4 * D - 10 * M + 40 * D) // 9,
        },
    },
    # Users A, B, C, D, E with 3, 2, 2, 1, 1 sessions on 2, 1, 2, 1, 1 clients.
    "sessions_per_user": {
        "min": 1,
        "p10": 1,
        "p25": 1,
        "p50": 2,
        "p75": 2,
        "p90": 2.6,
        "p99": 2.96,
        "max": 3,
        "mean": 1.8,
    },
    "clients_per_user": {
        "min": 1,
        "p10": 1,
        "p25": 1,
        "p50": 1,
        "p75": 2,
        "p90": 2,
        "p99": 2,
        "max": 2,
        "mean": 1.4,
    },
    "violations": {
        "sessions": 3,
        "total": 3,
        "by_rule": {"now.abandoned": 1, "order.created": 1, "status": 1},
    },
}


def test_report_of_a_hand_made_file() -> None:
    d = describe_file(SMALL).to_dict()
    e = SMALL_EXPECTED
    assert d["source"] == str(SMALL)
    for key in ("sessions", "reference_time", "reference_time_ms", "reference_time_from"):
        assert d[key] == e[key]
    assert d["status"]["counts"] == e["status_counts"]
    assert d["status"]["total"] == 9
    assert d["status"]["shares"]["active"] == 2 / 9
    assert d["actor"]["sessions"] == 3 and d["actor"]["rate"] == 3 / 9
    assert d["actor"]["distinct_subjects"] == 2
    assert d["actor"]["kinds"]["counts"] == e["actor_kinds"]
    assert d["organization"] == {"sessions": 4, "rate": 4 / 9, "distinct": 2}
    assert d["activity"]["sessions"] == 7 and d["activity"]["rate"] == 7 / 9
    assert d["activity"]["devices"]["counts"] == e["devices"]
    assert d["activity"]["devices"]["shares"]["desktop"] == 4 / 7
    assert d["activity"]["ipv6_rate"] == 1 / 7
    assert d["tasks"]["pending_with_tasks"] == 1
    assert d["tasks"]["keys"]["counts"] == e["task_keys"]
    assert d["tasks"]["per_session"]["counts"] == e["tasks_per_session"]
    for name, expected in e["durations_ms"].items():
        assert d["durations_ms"][name] == {"count": 9, "percentiles": expected}, name
    assert d["users"] == {
        "distinct": 5,
        "sessions_per_user": e["sessions_per_user"],
        "clients_per_user": e["clients_per_user"],
    }
    assert d["violations"] == e["violations"]
    assert d["comparison"] is None


def test_the_same_sessions_as_a_json_array_or_clerk_list_give_the_same_report(
    tmp_path: Path,
) -> None:
    records = [json.loads(line) for line in SMALL.read_text().splitlines()]
    expected = describe_file(SMALL).to_dict()
    for name, doc in (
        ("array.json", records),
        ("clerk.json", {"data": records, "total_count": len(records)}),
    ):
        path = write(tmp_path, name, json.dumps(records if name == "array.json" else doc, indent=2))
        got = describe_file(path).to_dict()
        assert {**got, "source": ""} == {**expected, "source": ""}


def test_a_given_reference_time_moves_ages_and_the_reference_time_rules() -> None:
    later = NOW_MS + 30 * D
    d = describe_file(SMALL, now=later).to_dict()
    assert d["reference_time_from"] == "given"
    assert d["reference_time"] == "2026-12-01T00:00:00Z"
    age = d["durations_ms"]["age"]["percentiles"]
    assert age is not None and age["min"] == 30 * D + 10 * M
    # By then the three live sessions have passed expire_at and abandon_at
    # (now.live), and the abandoned session's abandon_at has come.
    assert d["violations"] == {
        "sessions": 5,
        "total": 8,
        "by_rule": {"now.live": 6, "order.created": 1, "status": 1},
    }
    # Checked in one pass at the given time, or afterwards at the same time
    # when the reference time is chosen later: the same counts.
    afterwards = finish(collect(read_sessions(SMALL)), now=later)
    assert (afterwards.violations, afterwards.broken) == (Counter(d["violations"]["by_rule"]), 5)
    with pytest.raises(ValueError, match="the rules were checked at 2026-12-01T00:00:00Z, not at"):
        finish(collect(read_sessions(SMALL), now=later), now=NOW_MS)


def test_the_terminal_report_shows_tables_and_bars() -> None:
    code, out, err = run("stats", str(SMALL))
    assert code == 0 and err == ""
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():
        if line.strip():
            rows.setdefault(line.split()[0], line.split()[1:])
    assert rows["active"][:2] == ["2", "22.2%"] and rows["active"][2].startswith("██████")
    assert rows["replaced"] == ["0", "0.0%"]
    assert rows["other"][:2] == ["1", "11.1%"]
    assert rows["actor"][:2] == ["3", "33.3%"] and rows["actor"][-1] == "2"
    assert rows["desktop"][:2] == ["4", "57.1%"]
    assert rows["age"] == ["9", "10m", "2.4h", "1d", "4d", "6d", "12d", "19.2d", "20d"]
    assert rows["lifetime"] == ["9", "30m", "30m"] + ["7d"] * 6
    assert rows["now.abandoned"] == ["1"]
    assert out.startswith(
        f"{SMALL}: 9 sessions; reference time 2026-11-01T00:00:00Z "
        "(the latest timestamp in the file)"
    )
    assert "rule violations (3 sessions break rules)" in out


def test_percentiles_and_holm() -> None:
    assert percentiles([]) is None
    assert percentiles([5]) == dict.fromkeys(
        ("min", "p10", "p25", "p50", "p75", "p90", "p99", "max", "mean"), 5
    )
    p = percentiles(list(range(101)))
    assert p is not None and (p["p10"], p["p99"], p["mean"]) == (10, 99, 50)
    assert holm([0.04, 0.001, 0.5]) == [0.08, 0.003, 0.5]
    assert holm([]) == []


# ---------------------------------------------------------------- --json


def validate_report(doc: Any) -> None:
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(doc)


def test_json_output_follows_the_documented_schema(tmp_path: Path) -> None:
    code, out, err = run("stats", str(SMALL), "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    validate_report(doc)
    assert doc == describe_file(SMALL).to_dict()
    assert doc["schema"] == "sessionfaker-stats/1"

    path = write(tmp_path, "b2b.ndjson", generated("b2b", 400, "1"))
    code, out, _ = run("stats", str(path), "--json", "--profile", "b2b")
    assert code == 0
    doc = json.loads(out)
    validate_report(doc)
    comparison = doc["comparison"]
    assert comparison["profile"] == "profiles/b2b.toml"
    assert comparison["reference_sessions"] == 10_000
    assert [t["quantity"] for t in comparison["tests"]] == [
        "status",
        "actor.rate",
        "actor.kinds",
        "organization.rate",
        "activity.rate",
        "activity.devices",
        "tasks.keys",
        "tasks.per_session",
        "lifetime",
        "abandon",
        "age",
        "activity_gap",
        "users.sessions_per_user",
        "users.clients_per_user",
    ]


def test_the_schema_in_the_docs_is_the_one_the_code_checks() -> None:
    docs = (ROOT / "docs" / "stats.md").read_text(encoding="utf-8")
    block = docs.split("<!-- report-schema -->\n```json\n", 1)[1].split("```", 1)[0]
    assert block == json.dumps(REPORT_SCHEMA, indent=2) + "\n"


def test_the_schema_is_derived_from_the_report_type() -> None:
    """Every key of the typed report is in the schema, and only those: a key
    added to :class:`Report` (and so to ``to_dict``, or mypy fails) changes it."""
    assert list(REPORT_SCHEMA["properties"]) == list(Report.__annotations__)
    assert REPORT_SCHEMA["required"] == list(Report.__annotations__)
    durations = REPORT_SCHEMA["properties"]["durations_ms"]
    assert durations["required"] == list(DURATIONS)
    status = REPORT_SCHEMA["properties"]["status"]["properties"]
    assert status["counts"]["required"] == [*STATUSES, "other"]
    assert status["shares"]["required"] == [*STATUSES, "other"]
    test = REPORT_SCHEMA["properties"]["comparison"]["oneOf"][1]["properties"]["tests"]
    assert test["items"]["properties"]["test"] == {"enum": list(TESTS)}


@pytest.mark.parametrize(
    ("tp", "schema"),
    [
        (str, {"type": "string"}),
        (bool, {"type": "boolean"}),
        (Annotated[float, Json(minimum=0)], {"type": "number", "minimum": 0}),
        (int | None, {"type": ["integer", "null"]}),
        (Literal["a"], {"const": "a"}),
        (Literal["a", "b"], {"enum": ["a", "b"]}),
        (list[str], {"type": "array", "items": {"type": "string"}}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (
            Annotated[dict[str, int], Keys("x")],
            {
                "type": "object",
                "required": ["x"],
                "additionalProperties": False,
                "properties": {"x": {"type": "integer"}},
            },
        ),
    ],
)
def test_json_schema_of_each_kind_of_type(tp: Any, schema: dict[str, Any]) -> None:
    assert json_schema(tp) == schema


@pytest.mark.parametrize(
    ("tp", "message"),
    [
        (int | str, "only X | None unions have a schema here"),
        (set[int], "no JSON Schema for set[int]"),
        (_Partial, "_Partial: every key of a report object is required"),
    ],
)
def test_json_schema_refuses_what_it_cannot_express(tp: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        json_schema(tp)


@pytest.mark.parametrize(
    "name",
    [
        "sessionfaker.stats",
        "sessionfaker.stats.tally",
        "sessionfaker.stats.report",
        "sessionfaker.stats.significance",
        "sessionfaker.stats.schema",
        "sessionfaker.infer",
    ],
)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_the_commands_in_the_docs_run_and_say_what_the_docs_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = (ROOT / "docs" / "stats.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = [line[2:] for line in docs.splitlines() if line.startswith("$ sessionfaker ")]
    assert len(commands) == 7
    outputs = {}
    for command in commands:
        args = shlex.split(command.split(" | ")[0])[1:]
        target = None
        if ">" in args:
            args, target = args[: args.index(">")], args[args.index(">") + 1]
        code, out, err = run(*args)
        assert code == 0, (command, err)
        if target is not None:
            Path(target).write_text(out, encoding="utf-8")
        outputs[command] = out
    assert outputs["sessionfaker stats b2b.ndjson"].startswith(
        "b2b.ndjson: 2,000 sessions; reference time"
    )
    flagged = outputs["sessionfaker stats b2b.ndjson --profile default"]
    assert "significant differences: status, " in flagged
    assert outputs["sessionfaker stats b2b.ndjson --profile mine.toml"].endswith(
        "no significant difference\n"
    )


# ---------------------------------------------------------------- comparison


def test_a_file_against_its_own_profile_shows_no_difference() -> None:
    st = describe(enumerate(generate(profile("support"), 2000, seed="own"), 1))
    c = compare_with_profile(st, profile("support"), seed=3)
    assert c.significant == [], [(t.quantity, t.p_value) for t in c.tests]
    assert st.comparison is c
    assert all(t.p_value is not None for t in c.tests)


def test_the_device_mix_is_compared_per_client() -> None:
    """A client keeps its device, so its sessions are one draw: counted per
    session, a client with many sessions would weigh as many independent
    draws and two samples of one profile would differ more than chance."""
    sessions = list(generate(profile("default"), 3000, seed="clients"))
    st = describe(enumerate(sessions, 1))
    c = compare_with_profile(st, profile("default"), seed=4)
    test = {t.quantity: t for t in c.tests}["activity.devices"]
    assert test.note == "counted per client: a client keeps its device for life"
    clients = {s["client_id"] for s in sessions if s["latest_activity"]}
    assert sum(st.client_devices().values()) == len(clients) < st.sample.activities
    assert not test.significant


def test_a_file_against_another_profile_flags_what_differs() -> None:
    st = describe(enumerate(generate(profile("b2b"), 2000, seed="b2b"), 1))
    c = compare_with_profile(st, profile("default"))
    flagged = set(c.significant)
    # b2b: organisations on 90% of sessions, 12% pending, desktop-heavy, up
    # to two tasks, 6000 users; default: 20%, 2%, 60% desktop, one task, 2000.
    assert {
        "status",
        "organization.rate",
        "activity.devices",
        "tasks.per_session",
        "users.sessions_per_user",
    } <= flagged
    # The same lifetimes and window: nothing to see there.
    assert not {"lifetime", "abandon", "age"} & flagged
    tests = {t.quantity: t for t in c.tests}
    org = tests["organization.rate"]
    assert org.test == "chi-square" and org.dof == 1
    assert org.p_value is not None and org.p_value < 1e-12
    assert org.p_adjusted is not None and org.p_adjusted >= org.p_value
    assert org.observed["with"] > 0.75 and org.expected["with"] < 0.25


def test_identical_samples_and_empty_categories() -> None:
    st = describe_file(SMALL)
    c = compare(st, describe_file(SMALL))
    assert c.significant == []
    for t in c.tests:
        assert t.p_value is not None and t.p_value > 0.99, t
    # A file without actors cannot compare actor kinds: the test is skipped.
    no_actors = describe(
        (i, {**s, "actor": None})
        for i, s in enumerate(generate(profile("support"), 300, seed=1), 1)
    )
    c = compare_with_profile(no_actors, profile("support"))
    tests = {t.quantity: t for t in c.tests}
    assert tests["actor.kinds"].test == "none"
    assert tests["actor.kinds"].note == "none in the file"
    assert tests["actor.kinds"].p_value is None and not tests["actor.kinds"].significant
    assert tests["actor.rate"].significant


def test_comparison_in_the_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, "b2b.ndjson", generated("b2b", 400, "1"))
    code, out, _ = run("stats", str(path), "--profile", "default", "--seed", "9")
    assert code == 0
    assert "against profiles/default.toml (10,000 generated sessions, seed 9;" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["organization.rate"][-1] == "differs"
    assert rows["lifetime"][-1] == "ok"
    assert "significant differences: status, " in out


def test_a_profile_that_cannot_be_moved_to_the_files_reference_time() -> None:
    # edge-cases has a fixed window that ends on 2026-01-01: it cannot be
    # judged at the hand-made file's reference time, which comes before.
    code, out, err = run("stats", str(SMALL), "--profile", "edge-cases", "--now", "2025-06-01")
    assert code == 2 and out == ""
    assert err == (
        "Error: profiles/edge-cases.toml: cannot compare at the reference time "
        "2025-06-01T00:00:00Z: reference time 2025-06-01T00:00:00Z is before the end of the "
        "creation window (2026-01-01T00:00:00Z) (pick another with --now)\n"
    )


# ---------------------------------------------------------------- plots


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_is_written(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "plots" / f"report{suffix}"
    code, _, err = run("stats", str(SMALL), "--plot", str(out), "--profile", "default", "--json")
    assert code == 0 and err == f"wrote {out}\n"
    data = out.read_bytes()
    assert len(data) > 10_000
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in data[:1000]


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` (and their submodules) fail to import, as if not installed."""
    for name in list(sys.modules):
        if any(name == m or name.startswith(m + ".") for m in modules):
            monkeypatch.setitem(sys.modules, name, None)
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def test_plot_without_matplotlib_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(monkeypatch, "matplotlib")
    out = tmp_path / "report.png"
    code, stdout, err = run("stats", str(SMALL), "--plot", str(out))
    assert code == 1 and stdout == ""
    assert err == (
        "Error: --plot needs matplotlib, from the 'plot' extra: pip install 'sessionfaker[plot]'\n"
    )
    assert not out.exists()
    with pytest.raises(MissingExtraError, match=r"pip install 'sessionfaker\[plot\]'"):
        plot_stats(describe_file(SMALL), out)


def test_tables_without_rich_name_the_extra_and_json_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without(monkeypatch, "rich")
    code, out, err = run("stats", str(SMALL))
    assert code == 1 and out == ""
    assert err == (
        "Error: the terminal report needs rich, from the 'stats' extra: "
        "pip install 'sessionfaker[stats]' (or use --json)\n"
    )
    code, out, _ = run("stats", str(SMALL), "--json")
    assert code == 0 and json.loads(out)["sessions"] == 9


def test_comparison_without_scipy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "scipy")
    code, out, err = run("stats", str(SMALL), "--json", "--profile", "default")
    assert code == 1 and out == ""
    assert err == (
        "Error: comparing with a profile needs scipy, from the 'stats' extra: "
        "pip install 'sessionfaker[stats]'\n"
    )


def test_plot_needs_a_png_or_svg_name(tmp_path: Path) -> None:
    code, _, err = run("stats", str(SMALL), "--plot", str(tmp_path / "x.pdf"))
    assert code == 2
    assert err == f"Error: --plot: expected a .png or .svg file name ('{tmp_path / 'x.pdf'}')\n"
    st = describe_file(SMALL)
    with pytest.raises(ValueError, match=r"plots are \.png or \.svg files, not '\.gif'"):
        plot_stats(st, tmp_path / "x.gif")


# ---------------------------------------------------------------- bad input

BAD_INPUT = [
    ("empty.ndjson", "", "{path}: empty input: no sessions"),
    ("blank.ndjson", "\n  \n", "{path}: empty input: no sessions"),
    ("empty-array.json", "[]", "{path}: no sessions"),
    ("empty-list.json", '{"data": [], "total_count": 0}', "{path}: no sessions"),
    (
        "not-json.ndjson",
        '{"object": "session", "status": "active"}\nhello\n',
        "{path}: line 2: not valid JSON (Expecting value)",
    ),
    (
        "number.ndjson",
        '{"object": "session", "status": "active"}\n\n42\n',
        "{path}: line 3: not a session (expected a JSON object, found a number)",
    ),
    (
        "array-item.json",
        '[\n  {"object": "session", "status": "active"},\n  "sess_1"\n]',
        "{path}: line 3: not a session (expected a JSON object, found a string)",
    ),
    (
        "user.ndjson",
        '{"object": "user", "id": "user_123"}\n',
        "{path}: line 1: not a session (object is 'user', not 'session')",
    ),
    (
        "other.ndjson",
        '{"name": "x"}\n',
        '{path}: line 1: not a session (a JSON object without "object": "session")',
    ),
    (
        "scalar.ndjson",
        '"sessions"',
        "{path}: line 1: not a session (expected a JSON object, found a string)",
    ),
    (
        "no-data.json",
        '{\n  "data": 5\n}',
        "{path}: expected NDJSON, a JSON array, or an object with a data array",
    ),
]


@pytest.mark.parametrize("command", [["stats"], ["profiles", "infer"]])
@pytest.mark.parametrize(("name", "text", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_one_line_naming_the_line_with_exit_2(
    tmp_path: Path, command: list[str], name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)
    code, out, err = run(*command, str(path))
    assert (code, out) == (2, "")
    assert err == f"Error: {message.format(path=path)}\n"


@pytest.mark.parametrize("command", [["stats"], ["profiles", "infer"]])
def test_missing_file_and_bad_now(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nope.ndjson"
    assert run(*command, str(missing)) == (2, "", f"Error: {missing}: no such file\n")
    code, _, err = run(*command, str(SMALL), "--now", "soon")
    assert code == 2
    assert err == (
        "Error: --now: malformed time 'soon' (expected ISO 8601 like 2026-11-01T00:00:00Z, "
        "epoch milliseconds, or 'now')\n"
    )


def test_stdin_and_sessions_without_usable_timestamps() -> None:
    code, out, _ = run("stats", "-", "--json", input=SMALL.read_text())
    assert code == 0 and json.loads(out)["source"] == "<stdin>"
    with pytest.raises(InputError, match="no valid created_at, last_active_at or updated_at"):
        describe([(1, {"object": "session", "status": "active", "created_at": "yesterday"})])
    st = describe(
        [(1, {"object": "session", "status": "active", "created_at": "yesterday"})], now=NOW_MS
    )
    assert st.durations()["age"] == [] and st.violations["type"] == 1


def _records(text: str) -> Iterator[tuple[int, Any]]:
    return enumerate((json.loads(line) for line in text.splitlines()), 1)


def test_collect_counts_only_the_first_sessions_per_user_when_asked() -> None:
    text = generated("default", 600, "u")
    whole = collect(_records(text))
    part = collect(_records(text), population_limit=100)
    assert whole.sessions == part.sessions == 600
    assert sum(part.user_sessions.values()) == 100
    assert sum(whole.user_sessions.values()) == 600
    assert isinstance(describe(_records(text)), Stats)
