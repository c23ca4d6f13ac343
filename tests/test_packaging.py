"""What ships: the wheel carries the structure, the vocabulary and the built-in
profiles; the vocabulary is what its pinned sources give; docstrings run."""

from __future__ import annotations

import doctest
import importlib
import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sessionfaker import vocab

from .conftest import ROOT

MODULES = [
    "sessionfaker",
    "sessionfaker.errors",
    "sessionfaker.ids",
    "sessionfaker.schema",
    "sessionfaker.rules",
    "sessionfaker.profile",
    "sessionfaker.generator",
    "sessionfaker.timeutil",
    "sessionfaker.documents",
    "sessionfaker.reader",
    "sessionfaker.vocab",
    "sessionfaker.places",
    "sessionfaker.browsers",
    "sessionfaker.measures",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_shipped_vocabulary_is_what_geonames_and_the_user_agent_mix_give() -> None:
    shipped = (ROOT / "sessionfaker" / vocab.SOURCE).read_text(encoding="utf-8")
    assert vocab.dumps(vocab.build()) == shipped


def test_wheel_installs_and_generates_with_a_builtin_profile(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("sessionfaker-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "sessionfaker/data/clerk-session-structure.json",
        "sessionfaker/data/vocabulary.json",
        "sessionfaker/profiles/default.toml",
        "sessionfaker/profiles/edge-cases.toml",
        "sessionfaker/py.typed",
        "sessionfaker-0.1.0.dist-info/licenses/LICENSE",
    ):
        assert expected in names
    metadata = zipfile.ZipFile(wheel).read("sessionfaker-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "Project-URL: " in metadata
    assert "Provides-Extra: yaml" in metadata
    assert "Requires-Dist: pyyaml" not in metadata.lower().split("provides-extra")[0]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    # Run from an empty folder so nothing can come from the checkout.
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = subprocess.run(
        [
            str(env_dir / "bin" / "sessionfaker"),
            "generate",
            "-n",
            "3",
            "-p",
            "b2b",
            "--now",
            "2026-11-01T00:00:00Z",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sessions = [json.loads(line) for line in out.splitlines()]
    assert [s["object"] for s in sessions] == ["session"] * 3
    listed = subprocess.run(
        [str(env_dir / "bin" / "sessionfaker"), "profiles", "list"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert {line.split()[0] for line in listed.splitlines()} >= {"default", "b2b", "edge-cases"}
    # PyYAML is the yaml extra, not installed here: a YAML profile names it.
    (work / "mine.yaml").write_text("actor:\n  rate: 0.5\n")
    check = subprocess.run(
        [str(env_dir / "bin" / "sessionfaker"), "profiles", "check", "mine.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert (check.returncode, check.stdout, check.stderr) == (
        1,
        "",
        "Error: mine.yaml: a YAML profile needs yaml, from the 'yaml' extra: pip install "
        "'sessionfaker[yaml]' (or write the profile in TOML)\n",
    )


def test_public_names_all_resolve_and_importing_the_package_stays_light() -> None:
    import sessionfaker

    for name in sessionfaker.__all__:
        assert getattr(sessionfaker, name) is not None
    code = (
        "import sys, sessionfaker, sessionfaker.pytest_plugin\n"
        "heavy = {'numpy', 'yaml', 'orjson', 'sessionfaker.generator'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"
