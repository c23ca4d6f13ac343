"""Fixture sets: deterministic, one file per scenario, checked by --check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli
from sessionfaker.rules import (
    ACTOR_KINDS,
    STATUSES,
    TASK_KEYS,
    Checker,
    actor_kind,
    device_kind,
)
from sessionfaker.sinks.fixture_files import MANIFEST, SCENARIOS, build_fixtures, write_fixtures

from .conftest import NOW, profile

runner = CliRunner()
NAMES = sorted([*(s.file for s in SCENARIOS), MANIFEST])


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["fixtures", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def load(d: Path, name: str) -> Any:
    return json.loads((d / name).read_text())


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fixtures") / "set"
    code, out, err = invoke(str(d), "--now", NOW, "--seed", "7")
    assert (code, out) == (0, "")
    assert err == f"{d}: 18 scenarios and a manifest, 19 files changed\n"
    return d


def test_one_file_per_scenario_and_a_manifest(fixture_dir: Path) -> None:
    assert sorted(p.name for p in fixture_dir.iterdir()) == NAMES  # no temporary files left
    manifest = load(fixture_dir, MANIFEST)
    assert {k: v for k, v in manifest.items() if k != "files"} == {
        "generated_by": "sessionfaker fixtures",
        "profile": "default",
        "seed": "7",
        "now": NOW,
        "sessions_per_scenario": 3,
    }
    assert list(manifest["files"]) == [s.file for s in SCENARIOS]
    assert manifest["files"]["actor-agent.json"] == {
        "scenario": "actor-agent",
        "description": "active sessions made by an agent task (actor with sub and type 'agent')",
        "sessions": 3,
    }
    for name, entry in manifest["files"].items():
        assert len(load(fixture_dir, name)) == entry["sessions"]


def test_every_fixture_passes_the_validator_and_the_policy(fixture_dir: Path) -> None:
    p = profile("default")
    checker = Checker(now=p.now, policy=p.policy)
    for s in SCENARIOS:
        for session in load(fixture_dir, s.file):
            assert checker.check(session) == [], (s.file, session)


def test_each_scenario_holds_what_it_says(fixture_dir: Path) -> None:
    for status in STATUSES:
        assert {s["status"] for s in load(fixture_dir, f"status-{status}.json")} == {status}
    for kind in ACTOR_KINDS:
        sessions = load(fixture_dir, f"actor-{kind}.json")
        assert {actor_kind(s["actor"]) for s in sessions} == {kind}
    for task in TASK_KEYS:
        sessions = load(fixture_dir, f"pending-{task}.json")
        assert all(s["status"] == "pending" and s["tasks"] == [{"key": task}] for s in sessions)
    with_org = load(fixture_dir, "organization-with.json")
    assert all(s["last_active_organization_id"] for s in with_org)
    assert not any(
        s["last_active_organization_id"] for s in load(fixture_dir, "organization-without.json")
    )
    native = load(fixture_dir, "activity-native-app.json")
    assert {device_kind(s["latest_activity"]) for s in native} == {"native_app"}
    edges = load(fixture_dir, "timeline-boundaries.json")
    assert [s["status"] for s in edges] == list(STATUSES)
    # Every boundary session has a timestamp on an edge of its range.
    now = profile("default").now
    assert all(
        s["last_active_at"] in (s["created_at"], s["expire_at"] - 1, s["abandon_at"] - 1, now)
        or s["updated_at"] in (s["last_active_at"], s["expire_at"], s["abandon_at"], now)
        for s in edges
    )


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    p = profile("default")
    assert build_fixtures(p, 7) == build_fixtures(p, 7)
    assert build_fixtures(p, 7) != build_fixtures(p, 8)
    assert sorted(write_fixtures(tmp_path, p, 7)) == NAMES
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    assert write_fixtures(tmp_path, p, 7) == []  # nothing changed, nothing rewritten
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before


def test_check_passes_on_an_untouched_set(fixture_dir: Path) -> None:
    code, out, err = invoke(str(fixture_dir), "--now", NOW, "--seed", "7", "--check")
    assert (code, out, err) == (0, "", f"{fixture_dir}: 19 fixture files up to date\n")


def test_check_lists_differing_missing_and_unexpected_files(tmp_path: Path) -> None:
    d = tmp_path / "fx"
    assert invoke(str(d), "--now", NOW)[0] == 0
    (d / "status-active.json").write_text((d / "status-active.json").read_text() + " ")
    (d / "actor-token.json").unlink()
    (d / "hand-written.json").write_text("[]")
    (d / "notes.txt").write_text("not a fixture: ignored")
    code, out, err = invoke(str(d), "--now", NOW, "--check")
    assert code == 1
    assert out == (
        "missing: actor-token.json\ndiffers: status-active.json\nunexpected: hand-written.json\n"
    )
    assert err == (
        f"{d}: 3 fixture files out of date (rerun sessionfaker fixtures without --check)\n"
    )
    # Writing again brings the set back in step (hand-written files are left alone).
    assert invoke(str(d), "--now", NOW)[0] == 0
    code, out, _ = invoke(str(d), "--now", NOW, "--check")
    assert (code, out) == (1, "unexpected: hand-written.json\n")


def test_check_against_other_options_reports_every_file(fixture_dir: Path) -> None:
    code, out, _ = invoke(str(fixture_dir), "--now", NOW, "--seed", "8", "--check")
    assert code == 1
    assert out.splitlines() == [f"differs: {n}" for n in NAMES]


def test_check_reuses_the_reference_time_the_manifest_records(tmp_path: Path) -> None:
    d = tmp_path / "wall-clock"
    assert invoke(str(d))[0] == 0  # the profile's now: the wall clock
    code, out, err = invoke(str(d), "--check")
    assert (code, out, err) == (0, "", f"{d}: 19 fixture files up to date\n")


def test_files_dropped_from_the_set_are_removed(tmp_path: Path) -> None:
    p = profile("default")
    write_fixtures(tmp_path, p)
    manifest = load(tmp_path, MANIFEST)
    manifest["files"]["retired-scenario.json"] = {"scenario": "retired-scenario"}
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    (tmp_path / "retired-scenario.json").write_text("[]")
    changed = write_fixtures(tmp_path, p)
    assert changed == [MANIFEST, "retired-scenario.json"]
    assert not (tmp_path / "retired-scenario.json").exists()


def test_check_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, out, err = invoke(str(missing), "--now", NOW, "--check")
    assert (code, out, err) == (2, "", f"Error: {missing}: no such directory\n")
    (tmp_path / MANIFEST).write_text("{not json")
    code, _, err = invoke(str(tmp_path), "--check")
    assert (code, err) == (
        2,
        f"Error: {tmp_path / MANIFEST}: not a sessionfaker fixtures manifest\n",
    )


def test_sessions_per_scenario() -> None:
    files = build_fixtures(profile("default"), count=1)
    assert len(json.loads(files["status-ended.json"])) == 1
    assert len(json.loads(files["timeline-boundaries.json"])) == len(STATUSES)
    code, _, err = invoke("x", "-n", "0")
    assert code == 2
    assert "Invalid value for '-n': 0 is not in the range x>=1." in err
