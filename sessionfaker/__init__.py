"""sessionfaker: synthetic, schema-faithful Clerk Session objects.

>>> import sessionfaker
>>> p = sessionfaker.load_profile("default", now="2026-11-01T00:00:00Z")
>>> [s["object"] for s in sessionfaker.generate(p, 3, seed=1)]
['session', 'session', 'session']

The names below load on first use, so that importing the package (as the
pytest plugin does in every test run) costs nothing until it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import InputError, InvalidArgument, ProfileError, SessionfakerError, StructureError
from .lazy import lazy_getattr

if TYPE_CHECKING:
    from .generator import Generator, generate
    from .profile import Profile, load_profile
    from .rules import RULES, STATUSES, Checker, Violation, check_session
    from .schema import Structure, load_structure, to_json_schema, to_json_structure
    from .session import Session
    from .sinks import read_file, write_sessions
    from .sinks.db import SeedError, read_table, seed
    from .sinks.fixture_files import check_fixtures, write_fixtures
    from .validate import Report, validate_file

__version__ = "0.1.0"

_LAZY = {
    "Generator": "generator",
    "generate": "generator",
    "Profile": "profile",
    "load_profile": "profile",
    "RULES": "rules",
    "STATUSES": "rules",
    "Checker": "rules",
    "Violation": "rules",
    "check_session": "rules",
    "Structure": "schema",
    "load_structure": "schema",
    "to_json_schema": "schema",
    "to_json_structure": "schema",
    "Session": "session",
    "read_file": "sinks",
    "write_sessions": "sinks",
    "SeedError": "sinks.db",
    "read_table": "sinks.db",
    "seed": "sinks.db",
    "check_fixtures": "sinks.fixture_files",
    "write_fixtures": "sinks.fixture_files",
    "Report": "validate",
    "validate_file": "validate",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "RULES",
    "STATUSES",
    "Checker",
    "Generator",
    "InputError",
    "InvalidArgument",
    "Profile",
    "ProfileError",
    "Report",
    "SeedError",
    "Session",
    "SessionfakerError",
    "Structure",
    "StructureError",
    "Violation",
    "__version__",
    "check_fixtures",
    "check_session",
    "generate",
    "load_profile",
    "load_structure",
    "read_file",
    "read_table",
    "seed",
    "to_json_schema",
    "to_json_structure",
    "validate_file",
    "write_fixtures",
    "write_sessions",
]
