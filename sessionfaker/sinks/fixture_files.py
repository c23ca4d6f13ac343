"""Fixture files: one reviewable JSON file per scenario, and a manifest.

A scenario is a set of profile overrides that forces one situation (a
status, an actor kind, a pending task, ...). Each scenario draws from its
own seed, ``"{seed}/{scenario}"``, so adding a scenario never changes the
others' files. The same profile, seed and reference time give the same
bytes: :func:`check_fixtures` compares a directory with what
:func:`build_fixtures` would write, so a downstream CI can keep checked-in
fixtures honest.

>>> from sessionfaker.profile import load_profile
>>> files = build_fixtures(load_profile("default", now="2026-11-01T00:00:00Z"))
>>> "status-active.json" in files and "manifest.json" in files
True
"""

from __future__ import annotations

import io
import json
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, InvalidArgument, SessionfakerError
from ..generator import Generator
from ..profile import Profile
from ..rules import ACTOR_KINDS, DEVICE_KINDS, STATUSES, TASK_KEYS
from ..timeutil import format_instant, parse_instant
from .files import atomic_output
from .ndjson import JsonWriter

MANIFEST = "manifest.json"
GENERATED_BY = "sessionfaker fixtures"
# The names of the files a fixture set has: only such files are ever removed.
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.json\Z")

_ACTOR_TEXT = {
    "dashboard": "impersonated from Clerk's dashboard (actor with iss, sid and sub)",
    "token": "impersonated with a backend actor token (actor with sub only)",
    "agent": "made by an agent task (actor with sub and type 'agent')",
}
_TASK_TEXT = {
    "choose-organization": "must choose an organisation (so no active organisation)",
    "reset-password": "must reset their password",
    "setup-mfa": "must set up multi-factor authentication",
}


@dataclass(frozen=True)
class Scenario:
    """One fixture file: the profile overrides that force a situation."""

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    # A scenario made of one group of sessions per override set (boundaries).
    groups: tuple[Mapping[str, Any], ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.json"


def _only(choices: tuple[str, ...], chosen: str) -> dict[str, int]:
    # Every entry spelled out: overrides merge into the profile's weights.
    return {c: int(c == chosen) for c in choices}


def _active(**extra: Any) -> dict[str, Any]:
    return {"status.weights": _only(STATUSES, "active"), **extra}


SCENARIOS: tuple[Scenario, ...] = (
    *(
        Scenario(f"status-{s}", f"{s} sessions", {"status.weights": _only(STATUSES, s)})
        for s in STATUSES
    ),
    *(
        Scenario(
            f"actor-{k}",
            f"active sessions {_ACTOR_TEXT[k]}",
            _active(**{"actor.rate": 1, "actor.kinds": _only(ACTOR_KINDS, k)}),
        )
        for k in ACTOR_KINDS
    ),
    *(
        Scenario(
            f"pending-{t}",
            f"pending sessions whose user {_TASK_TEXT[t]}",
            {
                "status.weights": _only(STATUSES, "pending"),
                "tasks.weights": _only(TASK_KEYS, t),
                "tasks.max": 1,
            },
        )
        for t in TASK_KEYS
    ),
    Scenario(
        "organization-with",
        "active sessions with an active organisation",
        _active(**{"organization.rate": 1}),
    ),
    Scenario(
        "organization-without",
        "active sessions without an active organisation",
        _active(**{"organization.rate": 0}),
    ),
    Scenario(
        "activity-native-app",
        "active sessions whose latest activity is from a native app (no device_type)",
        _active(**{"activity.rate": 1, "activity.devices": _only(DEVICE_KINDS, "native_app")}),
    ),
    Scenario(
        "timeline-boundaries",
        "one session per status with every timestamp on a boundary of its allowed range",
        groups=tuple(
            {"status.weights": _only(STATUSES, s), "timeline.boundary_rate": 1} for s in STATUSES
        ),
    ),
)


def scenario_sessions(
    scenario: Scenario, profile: Profile, seed: int | str, count: int
) -> list[dict[str, Any]]:
    """The sessions of one scenario: ``count`` of them, or one per group."""
    label = f"fixture {scenario.name}"
    if scenario.groups:
        out: list[dict[str, Any]] = []
        for i, group in enumerate(scenario.groups):
            p = profile.with_overrides(group, label)
            out.extend(Generator(p, f"{seed}/{scenario.name}/{i}").generate(0, 1))
        return out
    p = profile.with_overrides(scenario.overrides, label)
    return list(Generator(p, f"{seed}/{scenario.name}").generate(0, count))


def _json_bytes(sessions: list[dict[str, Any]]) -> bytes:
    buf = io.BytesIO()
    JsonWriter(buf, pretty=True).write_all(sessions)
    return buf.getvalue()


def build_fixtures(profile: Profile, seed: int | str = 0, count: int = 3) -> dict[str, bytes]:
    """Every fixture file's name and bytes, the manifest included."""
    if count < 1:
        raise InvalidArgument(f"count must be at least 1 ({count})")
    files: dict[str, bytes] = {}
    listing: dict[str, Any] = {}
    for sc in SCENARIOS:
        sessions = scenario_sessions(sc, profile, seed, count)
        files[sc.file] = _json_bytes(sessions)
        listing[sc.file] = {
            "scenario": sc.name,
            "description": sc.description,
            "sessions": len(sessions),
        }
    manifest = {
        "generated_by": GENERATED_BY,
        "profile": profile.name,
        "seed": str(seed),
        "now": format_instant(profile.now),
        "sessions_per_scenario": count,
        "files": listing,
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def _manifest(d: Path, *, writing: bool) -> dict[str, Any] | None:
    """The manifest of ``d`` if sessionfaker wrote it, None if there is none;
    a manifest that is not sessionfaker's is refused."""
    path = d / MANIFEST
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    doc: Any = None
    if stat.S_ISREG(mode):
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            doc = None
    if (
        not isinstance(doc, dict)
        or doc.get("generated_by") != GENERATED_BY
        or not isinstance(doc.get("files"), dict)
    ):
        refusal = f": refusing to write into {d} (nothing was changed)" if writing else ""
        raise InvalidArgument(f"{path}: not a sessionfaker fixtures manifest{refusal}")
    return doc


def recorded_now(directory: str | Path) -> str | None:
    """The reference time the directory's manifest records, if it has one."""
    d = Path(directory)
    doc = _manifest(d, writing=False) if d.is_dir() else None
    if doc is None:
        return None
    now = doc.get("now")
    try:
        if not isinstance(now, str):
            raise ValueError(now)
        parse_instant(now)
    except (ValueError, SessionfakerError):
        raise InputError(f"{d / MANIFEST}: now: not a valid time ({now!r})") from None
    return now


def _refuse(path: Path, why: str) -> InvalidArgument:
    return InvalidArgument(f"{path}: {why}: refusing to write (nothing was changed)")


def _plan(d: Path, files: Mapping[str, bytes]) -> list[str]:
    """Check that writing ``files`` into ``d`` touches nothing sessionfaker did
    not write; return the files an older set listed that this one lacks."""
    if d.exists() and not d.is_dir():
        raise InvalidArgument(f"{d}: not a directory")
    manifest = _manifest(d, writing=True) if d.is_dir() else None
    ours = {n for n in (manifest or {}).get("files", {}) if isinstance(n, str) and _NAME.match(n)}
    for name in files:
        path = d / name
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            raise _refuse(path, "a symlink")
        if not stat.S_ISREG(mode):
            raise _refuse(path, "not a regular file")
        if name != MANIFEST and name not in ours:
            raise _refuse(path, "exists and no sessionfaker manifest lists it")
    stale = []
    for name in sorted(ours - set(files)):
        try:
            if stat.S_ISREG((d / name).lstat().st_mode):
                stale.append(name)
        except OSError:
            pass
    return stale


def write_fixtures(
    directory: str | Path, profile: Profile, seed: int | str = 0, count: int = 3
) -> list[str]:
    """Write the fixture set into ``directory`` (created if missing), each file
    atomically; files an older manifest of sessionfaker's listed and this set
    lacks are removed. Nothing else is ever touched: a directory whose
    manifest is not sessionfaker's, or whose files of the same names are not
    listed in it (or are symlinks), is refused before anything is written.
    Returns the names of the files whose bytes changed."""
    d = Path(directory)
    files = build_fixtures(profile, seed, count)
    stale = _plan(d, files)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{d}: cannot create the directory ({exc.strerror})") from None
    changed = []
    # The manifest goes last: until it is written, the old one still describes the set.
    for name in sorted(files, key=lambda n: n == MANIFEST):
        target = d / name
        try:
            if target.read_bytes() == files[name]:
                continue
        except OSError:
            pass
        with atomic_output(target) as f:
            f.write(files[name])
        changed.append(name)
    for name in stale:
        (d / name).unlink(missing_ok=True)
        changed.append(name)
    return changed


def check_fixtures(
    directory: str | Path, profile: Profile, seed: int | str = 0, count: int = 3
) -> list[tuple[str, str]]:
    """``(problem, file)`` for each file of ``directory`` that differs from what
    :func:`write_fixtures` would write: ``differs``, ``missing`` or
    ``unexpected`` (a JSON file that is not part of the set). Empty when in step."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(f"{d}: no such directory")
    files = build_fixtures(profile, seed, count)
    out: list[tuple[str, str]] = []
    for name, body in sorted(files.items()):
        try:
            if (d / name).read_bytes() != body:
                out.append(("differs", name))
        except FileNotFoundError:
            out.append(("missing", name))
        except OSError:
            out.append(("differs", name))
    out.extend(("unexpected", p.name) for p in sorted(d.glob("*.json")) if p.name not in files)
    return out
