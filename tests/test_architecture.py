"""The map in docs/architecture.md, checked: imports flow one way between the
layers, the modules every test run loads stay light, and no module or function
outgrows the house limits.

Everything is read with ``ast`` from the source, so nothing is imported. The
tables below are the one place to update when a module moves or a layer is
added; each failure names the module, the line and the rule.
"""

from __future__ import annotations

import ast
import fnmatch
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "sessionfaker"

# The layers, lowest first. A module may import modules of its own layer and
# of the layers before it, never of a later one. In a layer marked
# ``isolated`` each group may import only itself (and lower layers): one
# adapter never reaches into another. Patterns are module names relative to
# the package (fnmatch); every module must match exactly one. Imports under
# ``if TYPE_CHECKING:`` never run and are not counted.
LAYERS: list[tuple[str, bool, dict[str, list[str]]]] = [
    (
        "structure and rules",
        False,
        {
            "structure": ["errors", "timeutil", "lazy", "ids", "schema", "session"],
            "rules": ["rules", "rules.*"],
            "vocabulary": ["vocab", "places", "browsers"],
        },
    ),
    (
        "profile and plan",
        False,
        {"profile": ["profile", "profile.*", "documents", "plan", "population", "clients"]},
    ),
    ("engines", False, {"bulk": ["generator", "columns", "encode"]}),
    (
        "sinks and readers",
        False,
        {
            "sinks": ["reader", "runs", "sinks", "sinks.*"],
            "readers": ["validate", "stats", "stats.*", "infer", "measures"],
        },
    ),
    (
        "signing",
        False,
        {
            "signing": [
                "signing",
                "signing._extra",
                "signing.batch",
                "signing.keys",
                "signing.tokens",
                "signing.webhooks",
            ]
        },
    ),
    # An adapter over HTTP, but one the CLI and the plugin start.
    ("server", False, {"server": ["server", "server.*"]}),
    (
        "adapters",
        True,
        {
            "api": ["__init__"],
            "cli": ["cli", "cli.*", "__main__"],
            "strategies": ["strategies", "strategies.*", "_hypothesis", "signing.strategies"],
            "plugin": ["pytest_plugin"],
            "dask": ["dask"],
        },
    ),
]

# Modules that every test run (and ``import sessionfaker``) loads: at import
# time they may load only these package modules, and those only the standard
# library. Imports inside functions are fine: they run on first use.
IMPORT_LIGHT = ["__init__", "pytest_plugin"]
LIGHT_DEPENDENCIES = {"errors", "timeutil", "lazy"}

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


# ---------------------------------------------------------------- reading the package


@dataclass(frozen=True)
class Import:
    module: str  # importing module, relative to the package ("cli.stats")
    target: str  # imported module, relative to the package
    line: int
    when: str  # "import" (runs when the module loads), "call" (in a function) or "types"


def relative_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {relative_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str:
    """The module a dotted name refers to: itself, or the package it is an attribute of."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports() -> list[Import]:
    found: list[Import] = []
    for name, path in modules().items():
        is_package = path.name == "__init__.py"
        package = name if is_package and name != "__init__" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, when: str, name: str = name, package: str = package) -> None:
            for child in ast.iter_child_nodes(node):
                inner = when
                if isinstance(child, ast.If) and _is_type_checking(child):
                    inner = "types"
                elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    inner = "call" if when == "import" else when
                if isinstance(child, ast.ImportFrom):
                    for target in _targets(child, package):
                        found.append(Import(name, target, child.lineno, when))
                elif isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name == "sessionfaker" or alias.name.startswith("sessionfaker."):
                            dotted = alias.name.removeprefix("sessionfaker").lstrip(".")
                            found.append(Import(name, _resolve(dotted), child.lineno, when))
                visit(child, inner)

        visit(tree, "import")
    return found


def _targets(node: ast.ImportFrom, package: str) -> list[str]:
    if node.level == 0:
        if node.module is None or not (
            node.module == "sessionfaker" or node.module.startswith("sessionfaker.")
        ):
            return []
        base = node.module.removeprefix("sessionfaker").lstrip(".")
    else:
        parts = package.split(".") if package else []
        parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
        base = ".".join([*parts, *([node.module] if node.module else [])])
    if node.module is None:  # from . import x: x may be a module or a name
        return [_resolve(f"{base}.{a.name}" if base else a.name) for a in node.names]
    return [_resolve(base)]


def third_party_imports(name: str) -> list[tuple[str, int]]:
    """Top-level imports of ``name`` that are neither the standard library nor the package."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            roots = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = [node.module.split(".")[0]]
        else:
            continue
        out += [(r, node.lineno) for r in roots if r not in sys.stdlib_module_names]
    return [(r, line) for r, line in out if r not in ("sessionfaker", "__future__")]


def placement(name: str) -> tuple[int, str]:
    """(layer index, group) of a module."""
    hits = [
        (i, group)
        for i, (_, _, groups) in enumerate(LAYERS)
        for group, patterns in groups.items()
        if any(fnmatch.fnmatchcase(name, p) for p in patterns)
    ]
    if len(hits) != 1:
        where = ", ".join(f"{LAYERS[i][0]}/{g}" for i, g in hits) or "no layer"
        raise AssertionError(f"sessionfaker/{name}: must be in exactly one layer ({where})")
    return hits[0]


# ---------------------------------------------------------------- the checks


def test_every_module_has_one_place_in_the_layer_table() -> None:
    for name in modules():
        placement(name)


def test_imports_flow_down_the_layers() -> None:
    wrong = []
    for imp in imports():
        # Every module loads the package's __init__ anyway (for __version__, say);
        # imports for type checking only never run.
        if imp.target in (imp.module, "__init__") or imp.when == "types":
            continue
        (layer, group), (to_layer, to_group) = placement(imp.module), placement(imp.target)
        isolated = LAYERS[layer][1]
        if to_layer > layer or (isolated and to_layer == layer and to_group != group):
            wrong.append(
                f"sessionfaker/{imp.module} (line {imp.line}, {LAYERS[layer][0]}/{group}) "
                f"imports {imp.target} ({LAYERS[to_layer][0]}/{to_group})"
            )
    assert wrong == []


@pytest.mark.parametrize("name", IMPORT_LIGHT)
def test_modules_loaded_by_every_test_run_import_only_light_modules(name: str) -> None:
    loaded = {i.target for i in imports() if i.module == name and i.when == "import"} - {name}
    assert loaded <= LIGHT_DEPENDENCIES, f"sessionfaker/{name} imports {loaded} at import time"
    for light in sorted(LIGHT_DEPENDENCIES):
        assert {i.target for i in imports() if i.module == light and i.when == "import"} <= {light}
        assert third_party_imports(light) == [], f"sessionfaker/{light} must stay stdlib-only"


def test_the_checker_sees_what_it_is_meant_to_see() -> None:
    """A few imports known to exist, found with their kind, so the checks above
    cannot pass by reading nothing."""
    found = {(i.module, i.target, i.when) for i in imports()}
    assert ("cli.stats", "stats", "import") in found  # from ..stats import ...
    assert ("pytest_plugin", "generator", "call") in found  # inside a function
    assert ("__init__", "generator", "types") in found  # under TYPE_CHECKING
    assert ("sinks.db.engines.sqlite", "sinks.db.base", "import") in found  # from ..base
    assert placement("stats.schema") == (3, "readers")
    assert placement("signing.strategies") == (6, "strategies")


def sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Lines of each oversized module, and of each oversized function (def to last line)."""
    big_modules, big_functions = {}, {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            big_modules[rel] = lines

        def visit(node: ast.AST, prefix: str, rel: str = rel) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    qualname = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        assert child.end_lineno is not None
                        length = child.end_lineno - child.lineno + 1
                        if length > MAX_FUNCTION_LINES:
                            big_functions[f"{rel}:{qualname}"] = length
                    visit(child, qualname + ".")
                else:
                    visit(child, prefix)

        visit(ast.parse(text), "")
    return big_modules, big_functions


def test_no_module_or_function_outgrows_the_limits() -> None:
    big_modules, big_functions = sizes()
    too_big = [f"{m}: {n} lines (limit {MAX_MODULE_LINES})" for m, n in big_modules.items()] + [
        f"{f}: {n} lines (limit {MAX_FUNCTION_LINES})" for f, n in big_functions.items()
    ]
    assert too_big == [], "split these, as docs/architecture.md says"
