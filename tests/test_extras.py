"""A missing optional dependency: one error class, one message naming the extra.

Each case hides the dependency (``sys.modules[name] = None``, as if it were
not installed) in a fresh interpreter, then runs the command or import that
needs it, and checks the exact message and that nothing was written.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sessionfaker.errors import MissingExtraError, SessionfakerError, require_extra

SMALL = Path(__file__).parent / "data" / "stats_small.ndjson"

# argv[1]: modules to hide (comma-separated); argv[2]: "cli" or "import";
# the rest: the command's arguments, or the module to import.
RUNNER = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
how, rest = sys.argv[2], sys.argv[3:]
if how == "import":
    from sessionfaker.errors import MissingExtraError
    try:
        __import__(rest[0])
    except MissingExtraError as exc:
        sys.exit(f"{type(exc).__name__}: {exc}")
    sys.exit("imported")
sys.argv = ["sessionfaker", *rest]
from sessionfaker.cli import main
main()
"""


def message(feature: str, module: str, extra: str, hint: str = "") -> str:
    return (
        f"{feature} needs {module}, from the {extra!r} extra: "
        f"pip install 'sessionfaker[{extra}]'{hint}"
    )


CASES = [
    pytest.param(
        "rich",
        ["cli", "stats", str(SMALL)],
        "Error: " + message("the terminal report", "rich", "stats", " (or use --json)"),
        id="stats-rich",
    ),
    pytest.param(
        "scipy",
        ["cli", "stats", str(SMALL), "--json", "--profile", "default"],
        "Error: " + message("comparing with a profile", "scipy", "stats"),
        id="stats-scipy",
    ),
    pytest.param(
        "scipy",
        ["cli", "profiles", "infer", str(SMALL)],
        "Error: " + message("profiles infer", "scipy", "stats"),
        id="infer-scipy",
    ),
    pytest.param(
        "matplotlib",
        ["cli", "stats", str(SMALL), "--plot", "{out}.png"],
        "Error: " + message("--plot", "matplotlib", "plot"),
        id="plot",
    ),
    pytest.param(
        "pyarrow",
        ["cli", "generate", "-f", "parquet", "-n", "3", "-o", "{out}.parquet"],
        "Error: " + message("the parquet format", "pyarrow", "parquet"),
        id="parquet",
    ),
    # Port 1: were the driver importable, the test would fail on connecting,
    # so no database is touched.
    pytest.param(
        "psycopg",
        ["cli", "seed", "postgresql://nobody@127.0.0.1:1/none", "-n", "1"],
        "Error: " + message("postgresql://", "psycopg", "postgresql"),
        id="postgresql",
    ),
    pytest.param(
        "pymysql",
        ["cli", "seed", "mysql://nobody@127.0.0.1:1/none", "-n", "1"],
        "Error: " + message("mysql://", "pymysql", "mysql"),
        id="mysql",
    ),
    pytest.param(
        "yaml",
        ["cli", "profiles", "check", "{out}.yaml"],
        "Error: "
        + message("{out}.yaml: a YAML profile", "yaml", "yaml", " (or write the profile in TOML)"),
        id="yaml",
    ),
    pytest.param(
        "hypothesis",
        ["import", "sessionfaker.strategies"],
        "MissingExtraError: " + message("sessionfaker.strategies", "hypothesis", "hypothesis"),
        id="hypothesis",
    ),
    pytest.param(
        "cryptography",
        ["cli", "keys", "--seed", "1"],
        "Error: " + message("signing", "cryptography", "tokens"),
        id="tokens",
    ),
    pytest.param(
        "starlette",
        ["import", "sessionfaker.server"],
        "MissingExtraError: " + message("the server", "starlette", "server"),
        id="server",
    ),
    pytest.param(
        "dask",
        ["import", "sessionfaker.dask"],
        "MissingExtraError: " + message("sessionfaker.dask", "dask", "dask"),
        id="dask",
    ),
]


@pytest.mark.parametrize(("hidden", "args", "expected"), CASES)
def test_a_missing_extra_is_named_with_its_pip_command(
    tmp_path: Path, hidden: str, args: list[str], expected: str
) -> None:
    out = tmp_path / "out"
    argv = [a.replace("{out}", str(out)) for a in args]
    expected = expected.replace("{out}", str(out))
    if hidden == "yaml":
        (tmp_path / "out.yaml").write_text("actor:\n  rate: 0.5\n")
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, hidden, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", expected + "\n")
    assert [p.name for p in tmp_path.iterdir()] == (["out.yaml"] if hidden == "yaml" else [])


def test_the_error_is_an_import_error_that_keeps_its_details() -> None:
    exc = MissingExtraError("plot", "matplotlib", "--plot", " (or not)")
    assert isinstance(exc, ImportError) and isinstance(exc, SessionfakerError)
    assert (exc.extra, exc.name, exc.feature) == ("plot", "matplotlib", "--plot")
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is MissingExtraError and str(again) == str(exc) == message(
        "--plot", "matplotlib", "plot", " (or not)"
    )


def test_require_extra_returns_the_module_or_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert require_extra("stats", "json", "anything").__name__ == "json"
    monkeypatch.setitem(sys.modules, "not_installed_here", None)
    with pytest.raises(MissingExtraError) as info:
        require_extra("parquet", "not_installed_here.sub", "the parquet format")
    assert str(info.value) == message("the parquet format", "not_installed_here", "parquet")
