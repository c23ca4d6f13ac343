"""Profiles written as TOML (``profiles show``, ``profiles infer``): one writer
(tomlkit), and every document it writes loads back to the profile it came from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli
from sessionfaker.infer import infer_file
from sessionfaker.profile import dump_toml, load_profile

from .conftest import BUILTINS, NOW, profile
from .test_stats import SMALL

runner = CliRunner()


@pytest.mark.parametrize("name", BUILTINS)
def test_profiles_show_loads_back_to_the_same_profile(tmp_cwd: Path, name: str) -> None:
    args = ["profiles", "show", name] + ([] if name == "edge-cases" else ["--now", NOW])
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0
    Path(f"{name}.toml").write_text(result.stdout, encoding="utf-8")
    again = load_profile(f"{name}.toml")
    assert again == profile(name)
    # And writing it again gives the same text: the writer is a fixed point.
    assert again.to_toml() == result.stdout


@pytest.mark.parametrize(
    "description",
    ['He said "hi"', "Ünïcode — and a tab\there", "back\\slash", "line\nbreak", "# not a comment"],
)
def test_any_description_survives_the_round_trip(tmp_cwd: Path, description: str) -> None:
    p = load_profile("default", now=NOW, overrides={"description": description})
    Path("p.toml").write_text(p.to_toml(), encoding="utf-8")
    assert load_profile("p.toml").description == description


def test_comments_go_above_their_key_and_alone_when_it_has_no_value() -> None:
    text = dump_toml(
        {"description": "d", "actor": {"rate": 0.5}},
        comments={"actor.rate": ["Share."], "actor.kinds": ["No actors."]},
        header=["Made by hand."],
    )
    assert text == (
        '# Made by hand.\ndescription = "d"\n\n[actor]\n# Share.\nrate = 0.5\n# No actors.\n'
    )


def test_only_profile_keys_are_written() -> None:
    with pytest.raises(ValueError, match=r"^not profile keys: actor\.rat, colour$"):
        dump_toml({"colour": "red", "actor": {"rat": 1}})
    with pytest.raises(ValueError, match=r"^not profile keys: tasks\.maximum$"):
        dump_toml({}, comments={"tasks.maximum": ["?"]})


def test_infer_output_is_toml_with_the_fitted_values(tmp_cwd: Path) -> None:
    fit = infer_file(SMALL)
    doc = tomllib.loads(fit.text)
    flat = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    for section, table in doc.items():
        if isinstance(table, dict):
            flat.update({f"{section}.{k}": v for k, v in table.items()})
    assert flat == dict(fit.values)
    Path("inferred.toml").write_text(fit.text, encoding="utf-8")
    loaded = load_profile("inferred.toml")
    assert loaded == fit.profile
    # What infer wrote, shown again, loads to the same profile once more.
    Path("shown.toml").write_text(loaded.to_toml(), encoding="utf-8")
    assert load_profile("shown.toml") == fit.profile
