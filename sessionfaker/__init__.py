"""sessionfaker: synthetic, schema-faithful Clerk Session objects.

>>> import sessionfaker
>>> p = sessionfaker.load_profile("default", now="2026-11-01T00:00:00Z")
>>> [s["status"] for s in sessionfaker.generate(p, 3, seed=1)]  # doctest: +SKIP
['active', 'active', 'ended']
"""

from __future__ import annotations

from .errors import InputError, InvalidArgument, ProfileError, SessionfakerError, StructureError
from .generator import Generator, generate
from .profile import Profile, load_profile
from .rules import RULES, STATUSES, Checker, Violation, check_session
from .schema import Structure, load_structure, to_json_schema, to_json_structure
from .session import Session
from .validate import Report, validate_file

__version__ = "0.1.0"

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
    "Session",
    "SessionfakerError",
    "Structure",
    "StructureError",
    "Violation",
    "__version__",
    "check_session",
    "generate",
    "load_profile",
    "load_structure",
    "to_json_schema",
    "to_json_structure",
    "validate_file",
]
