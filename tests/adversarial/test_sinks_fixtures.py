"""Hostile directories for ``fixtures`` (issue 9, sections 1 and 6): it only
ever removes or overwrites files it wrote itself, and refuses the rest with
one line before touching anything."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from sessionfaker.sinks.fixture_files import MANIFEST, SCENARIOS, build_fixtures

from ..conftest import NOW, profile
from ._sinks import run, state

OURS = {"generated_by": "sessionfaker fixtures", "files": {}}


def fixtures(directory: Path, *args: str) -> tuple[int, str, str]:
    return run("fixtures", str(directory), "--now", NOW, *args)


def refused(directory: Path, why: str) -> str:
    return f"Error: {directory}: {why}: refusing to write (nothing was changed)\n"


def foreign(directory: Path) -> str:
    return (
        f"Error: {directory / MANIFEST}: not a sessionfaker fixtures manifest: refusing to "
        f"write into {directory} (nothing was changed)\n"
    )


@pytest.mark.parametrize(
    "manifest",
    [
        b'{"files": {"app.js": {}, "users.json": {}}}',
        b'{"generated_by": "webpack", "files": {"app.js": {}}}',
        b'{"generated_by": "sessionfaker fixtures"}',
        b'{"generated_by": "sessionfaker fixtures", "files": ["users.json"]}',
        b'["users.json", "app.js"]',
        b"{not json",
        b"",
        b"\xff\xfe garbage",
        b"[" * 100_000,
        b'"sessionfaker fixtures"',
    ],
)
def test_a_manifest_that_is_not_ours_is_refused(manifest: bytes, tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_bytes(manifest)
    (tmp_path / "app.js").write_bytes(b"console.log(1)")
    (tmp_path / "users.json").write_bytes(b"[]")
    before = state(tmp_path)
    assert fixtures(tmp_path) == (2, "", foreign(tmp_path))
    assert state(tmp_path) == before


@pytest.mark.parametrize("kind", ["dir", "link", "fifo"])
def test_a_manifest_that_is_not_a_file_is_refused(kind: str, tmp_path: Path) -> None:
    m = tmp_path / MANIFEST
    if kind == "dir":
        m.mkdir()
    elif kind == "link":
        (tmp_path / "elsewhere.json").write_text(json.dumps(OURS))
        m.symlink_to("elsewhere.json")
    else:
        os.mkfifo(m)
    before = state(tmp_path)
    assert fixtures(tmp_path) == (2, "", foreign(tmp_path))
    assert state(tmp_path) == before


@pytest.mark.parametrize(
    "listed",
    [
        "../outside.json",
        "../../outside.json",
        "/tmp/outside.json",
        "sub/inner.json",
        "app.js",
        ".hidden.json",
        "UPPER.json",
        "users.json\x00.json",
        "",
        "manifest",
    ],
)
def test_a_manifest_naming_other_files_removes_none_of_them(listed: str, tmp_path: Path) -> None:
    d = tmp_path / "fx"
    d.mkdir()
    (tmp_path / "outside.json").write_bytes(b"keep")
    (d / "sub").mkdir()
    (d / "sub" / "inner.json").write_bytes(b"keep")
    for name in ("app.js", ".hidden.json", "UPPER.json", "manifest"):
        (d / name).write_bytes(b"keep")
    (d / MANIFEST).write_text(json.dumps({**OURS, "files": {listed: {}}}))
    keep = {k: v for k, v in state(tmp_path).items() if not k.startswith("fx/manifest")}
    code, out, err = fixtures(d)
    assert (code, out) == (0, "")
    assert (
        err
        == f"{d}: {len(SCENARIOS)} scenarios and a manifest, {len(SCENARIOS) + 1} files changed\n"
    )
    after = state(tmp_path)
    assert {k: v for k, v in after.items() if k in keep} == keep


def test_a_listed_directory_or_symlink_is_not_removed(tmp_path: Path) -> None:
    (tmp_path / "old-scenario.json").mkdir()
    (tmp_path / "target.json").write_bytes(b"keep")
    (tmp_path / "old-link.json").symlink_to("target.json")
    listing: dict[str, Any] = {"old-scenario.json": {}, "old-link.json": {}}
    (tmp_path / MANIFEST).write_text(json.dumps({**OURS, "files": listing}))
    assert fixtures(tmp_path)[0] == 0
    after = state(tmp_path)
    assert after["old-scenario.json"] == ("dir", b"")
    assert after["old-link.json"] == ("link", "target.json")
    assert after["target.json"] == ("file", b"keep")


def test_our_own_stale_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "retired.json").write_bytes(b"[]")
    (tmp_path / MANIFEST).write_text(json.dumps({**OURS, "files": {"retired.json": {}}}))
    code, _, err = fixtures(tmp_path)
    assert code == 0 and "files changed" in err
    assert "retired.json" not in state(tmp_path)


@pytest.mark.parametrize("name", [s.file for s in SCENARIOS[:6]])
def test_a_scenario_name_that_is_a_symlink_out_is_refused(name: str, tmp_path: Path) -> None:
    d = tmp_path / "fx"
    d.mkdir()
    (tmp_path / "secret").write_bytes(b"keep")
    (d / name).symlink_to("../secret")
    before = state(tmp_path)
    assert fixtures(d) == (2, "", refused(d / name, "a symlink"))
    assert state(tmp_path) == before


@pytest.mark.parametrize("name", [s.file for s in SCENARIOS[:6]])
def test_a_file_of_the_same_name_that_we_did_not_write_is_refused(
    name: str, tmp_path: Path
) -> None:
    (tmp_path / name).write_bytes(b"hand-written, precious")
    before = state(tmp_path)
    assert fixtures(tmp_path) == (
        2,
        "",
        refused(tmp_path / name, "exists and no sessionfaker manifest lists it"),
    )
    assert state(tmp_path) == before


def test_a_scenario_name_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    name = SCENARIOS[0].file
    (tmp_path / name).mkdir()
    before = state(tmp_path)
    assert fixtures(tmp_path) == (2, "", refused(tmp_path / name, "not a regular file"))
    assert state(tmp_path) == before


@pytest.mark.parametrize("where", ["file", "link-to-file"])
def test_a_file_where_the_directory_should_be_is_refused(where: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"keep")
    if where == "link-to-file":
        (tmp_path / where).symlink_to("file")
    before = state(tmp_path)
    assert fixtures(tmp_path / where) == (2, "", f"Error: {tmp_path / where}: not a directory\n")
    assert state(tmp_path) == before


def test_a_rewrite_over_our_own_set_is_accepted_and_stable(tmp_path: Path) -> None:
    assert fixtures(tmp_path)[0] == 0
    first = state(tmp_path)
    assert fixtures(tmp_path) == (
        0,
        "",
        f"{tmp_path}: {len(SCENARIOS)} scenarios and a manifest, 0 files changed\n",
    )
    assert state(tmp_path) == first


@pytest.mark.parametrize(
    "now",
    ["garbage", 5, None, [], {"t": 1}, "2026-13-45T00:00:00Z", "", "now-ish"],
)
def test_check_names_the_manifest_and_key_for_a_bad_time(now: Any, tmp_path: Path) -> None:
    files = build_fixtures(profile("default"))
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    doc = json.loads(files[MANIFEST])
    doc["now"] = now
    (tmp_path / MANIFEST).write_text(json.dumps(doc))
    before = state(tmp_path)
    code, out, err = run("fixtures", str(tmp_path), "--check")
    assert (code, out, err) == (
        2,
        "",
        f"Error: {tmp_path / MANIFEST}: now: not a valid time ({now!r})\n",
    )
    assert state(tmp_path) == before
