"""pytest plugin: a seeded ``sessionfaker`` fixture for downstream test suites.

Loaded through the ``pytest11`` entry point. This module imports only pytest
and the standard library; the generator and the profile load when a test
first asks for the fixture.

One seed per run, printed in the header and in each failing report, drawn at
random unless ``--sessionfaker-seed`` gives it. Each test's seed derives
from the run seed and the test's node id, so adding a test changes no other
test's data. The reference time is the wall clock at the start of the run
(whole seconds) unless ``--sessionfaker-now`` pins it; the two flags
printed in a failure's report reproduce its data byte for byte.

    def test_revoked_sessions_are_refused(sessionfaker):
        session = sessionfaker.session(status="revoked")
        assert not grants_access(session, now=sessionfaker.now)

Override ``sessionfaker_seed`` or ``sessionfaker_profile`` in a
``conftest.py``, or per test with
``@pytest.mark.sessionfaker(profile=..., seed=..., now=...)``.

The ``clerk_server`` fixture is a local Clerk Backend API over sessions of
the run's seed and time (the ``server`` extra; see docs/server.md).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from .errors import InvalidArgument, ProfileError, did_you_mean, format_args
from .timeutil import format_instant, parse_instant

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .generator import Generator as SessionGenerator
    from .profile import Profile
    from .server.testing import ClerkServer
    from .session import Session
    from .signing import Signer

__all__ = ["SessionFactory"]

_MARKER_ARGS = ("profile", "seed", "now")


@dataclass(frozen=True)
class _Run:
    seed: int
    now: int
    now_pinned: bool


@dataclass(frozen=True)
class _Used:
    """What a test's factory used, for its failure report."""

    seed: int | str
    seed_from: str
    now: int


_RUN = pytest.StashKey[_Run]()
_USED = pytest.StashKey[_Used]()


def _parse_seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise pytest.UsageError(
            f"--sessionfaker-seed: expected a non-negative integer ({text!r})"
        ) from None
    if seed < 0:
        raise pytest.UsageError(f"--sessionfaker-seed: expected a non-negative integer ({text!r})")
    return seed


def _parse_now(text: str) -> int:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise pytest.UsageError(f"--sessionfaker-now: {exc}") from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sessionfaker", "synthetic Clerk sessions")
    group.addoption(
        "--sessionfaker-seed",
        dest="sessionfaker_seed",
        metavar="SEED",
        default=None,
        help="Run seed of the sessionfaker fixture (default: random, shown in the header).",
    )
    group.addoption(
        "--sessionfaker-now",
        dest="sessionfaker_now",
        metavar="TIME",
        default=None,
        help="Reference time of the sessionfaker fixture: ISO 8601 or epoch milliseconds "
        "(default: the wall clock when the run starts).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sessionfaker(profile=None, seed=None, now=None): the profile, seed or reference "
        "time of this test's sessionfaker fixture.",
    )
    worker: dict[str, Any] = getattr(config, "workerinput", {})
    seed_opt = config.getoption("sessionfaker_seed")
    now_opt = config.getoption("sessionfaker_now")
    if seed_opt is not None:
        seed = _parse_seed(str(seed_opt))
    elif "sessionfaker_seed" in worker:
        seed = int(worker["sessionfaker_seed"])
    else:
        seed = secrets.randbelow(10**8)
    if now_opt is not None:
        now, pinned = _parse_now(str(now_opt)), True
    elif "sessionfaker_now" in worker:
        now, pinned = int(worker["sessionfaker_now"]), bool(worker["sessionfaker_now_pinned"])
    else:
        now, pinned = int(time.time()) * 1000, False
    config.stash[_RUN] = _Run(seed, now, pinned)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed and time."""
    run = node.config.stash[_RUN]
    node.workerinput["sessionfaker_seed"] = run.seed
    node.workerinput["sessionfaker_now"] = run.now
    node.workerinput["sessionfaker_now_pinned"] = run.now_pinned


def _reproduce(run: _Run) -> str:
    return f"--sessionfaker-seed={run.seed} --sessionfaker-now={format_instant(run.now)}"


def pytest_report_header(config: pytest.Config) -> str:
    run = config.stash[_RUN]
    now = format_instant(run.now)
    return f"sessionfaker: seed {run.seed}, now {now} (reproduce with {_reproduce(run)})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    used = item.stash.get(_USED, None)
    if used is not None and report.failed:
        run = item.config.stash[_RUN]
        report.sections.append(
            (
                "sessionfaker",
                f"seed {used.seed} ({used.seed_from}), now {format_instant(used.now)}\n"
                f"reproduce with {_reproduce(run)}",
            )
        )
    return report


def _test_seed(run_seed: int, nodeid: str) -> int:
    digest = hashlib.blake2b(f"{run_seed}/{nodeid}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@pytest.fixture
def sessionfaker_seed(request: pytest.FixtureRequest) -> int:
    """This test's seed: derived from the run seed and the node id. Override it
    in a ``conftest.py`` to pin every test's data."""
    return _test_seed(request.config.stash[_RUN].seed, request.node.nodeid)


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    """The keyword arguments of the test's ``sessionfaker`` marker, checked."""
    marker = item.get_closest_marker("sessionfaker")
    if marker is None:
        return {}
    where = f"{item.nodeid}: @pytest.mark.sessionfaker"
    expected = ", ".join(_MARKER_ARGS)
    if marker.args:
        raise pytest.UsageError(f"{where} takes keyword arguments only ({expected})")
    for key in marker.kwargs:
        if key not in _MARKER_ARGS:
            raise pytest.UsageError(
                f"{where} got an unknown argument {key!r}"
                f"{did_you_mean(key, _MARKER_ARGS)}; expected {expected}"
            )
    return dict(marker.kwargs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check every ``sessionfaker`` marker before any test runs, and name each misuse."""
    problems = []
    for item in items:
        try:
            _marker_options(item)
        except pytest.UsageError as exc:
            problems.append(str(exc))
    if problems:
        raise pytest.UsageError(*problems)


@pytest.fixture
def sessionfaker_profile() -> Profile | str | Path | None:
    """The profile of the ``sessionfaker`` fixture: a Profile, a built-in name or a
    path (``None``, the default profile). Override it in a ``conftest.py``."""
    return None


@pytest.fixture
def sessionfaker(
    request: pytest.FixtureRequest,
    sessionfaker_seed: int,
    sessionfaker_profile: Profile | str | Path | None,
) -> SessionFactory:
    """A :class:`SessionFactory` seeded for this test."""
    from .profile import Profile, load_profile

    run = request.config.stash[_RUN]
    options = _marker_options(request.node)
    default_seed = _test_seed(run.seed, request.node.nodeid)
    if options.get("seed") is not None:
        seed, seed_from = options["seed"], "from @pytest.mark.sessionfaker"
    elif sessionfaker_seed != default_seed:
        seed, seed_from = sessionfaker_seed, "from the sessionfaker_seed fixture"
    else:
        seed, seed_from = sessionfaker_seed, f"from run seed {run.seed} and the test id"
    profile_ref = options.get("profile", sessionfaker_profile)
    if isinstance(profile_ref, Profile):
        profile = profile_ref
        if options.get("now") is not None:
            profile = profile.with_now(options["now"])
    else:
        now = options.get("now")
        profile = load_profile(profile_ref, now=now if now is not None else run.now)
    # One signing key per run: deriving an RSA key costs about half a second.
    factory = SessionFactory(profile, seed, key_seed=run.seed)
    request.node.stash[_USED] = _Used(seed, seed_from, profile.time_now)
    return factory


@pytest.fixture(scope="session")
def clerk_server_options() -> dict[str, Any]:
    """Options of the ``clerk_server`` fixture's server: ``profile`` (a name,
    path or Profile), ``count`` (default 1000) and ``seed`` (default: the run
    seed). Override it, session-scoped, in a ``conftest.py``."""
    return {}


@pytest.fixture(scope="session")
def _clerk_server_running(
    request: pytest.FixtureRequest, clerk_server_options: dict[str, Any]
) -> Iterator[ClerkServer]:
    from .profile import Profile, load_profile
    from .server.testing import running

    run = request.config.stash[_RUN]
    options = {"profile": None, "count": 1000, "seed": run.seed, **clerk_server_options}
    profile = options["profile"]
    if not isinstance(profile, Profile):
        profile = load_profile(profile, now=run.now)
    with running(profile, options["count"], seed=options["seed"]) as server:
        yield server


@pytest.fixture
def clerk_server(_clerk_server_running: ClerkServer) -> ClerkServer:
    """A local Clerk Backend API, started once per test session on a free
    port and reset for each test: ``.url`` (``http://127.0.0.1:PORT/v1``),
    ``.client`` (a ready ``clerk_backend_api.Clerk``), ``.secret_key`` and
    ``.sessions``. Needs the ``server`` extra."""
    _clerk_server_running.reset()
    return _clerk_server_running


class SessionFactory:
    """Sessions from the fast generator for one (profile, seed) pair.

    Each call continues the stream where the previous one stopped, so a
    test's sessions are distinct and reproducible. ``status`` and ``actor``
    (True or False) choose among what the profile allows; other keyword
    arguments replace fields, and a replacement that breaks a rule (policy
    rules aside: they are sessionfaker's own) raises
    :class:`~sessionfaker.errors.InvalidArgument` naming it.

    >>> from sessionfaker.profile import load_profile
    >>> f = SessionFactory(load_profile(now="2026-11-01T00:00:00Z"), seed=1)
    >>> f.session(status="expired")["status"]
    'expired'
    """

    def __init__(
        self, profile: Profile, seed: int | str = 0, *, key_seed: int | str | None = None
    ) -> None:
        self.profile = profile
        self.seed = seed
        self.key_seed = seed if key_seed is None else key_seed
        self._streams: dict[tuple[str | None, bool | None], Iterator[Session]] = {}
        self._signer: Signer | None = None

    @property
    def now(self) -> int:
        """The reference time (epoch ms) the sessions are coherent at."""
        return self.profile.time_now

    def __repr__(self) -> str:
        return (
            f"<SessionFactory profile={self.profile.name!r} seed={self.seed!r} "
            f"now={format_instant(self.now)}>"
        )

    @property
    def signer(self) -> Signer:
        """A session-token signer with the RSA test key of ``key_seed`` (the run seed
        in the fixture) and this profile's token settings; needs the ``tokens`` extra."""
        if self._signer is None:
            from .signing import KeyPair, Signer

            self._signer = Signer(KeyPair.from_seed(self.key_seed), profile=self.profile)
        return self._signer

    def token(self, session: Mapping[str, Any], *, lifetime_s: int | None = None) -> str:
        """The session token of a live ``session`` at :attr:`now`, signed with :attr:`signer`."""
        return self.signer.token(session, now=self.now, lifetime_s=lifetime_s)

    def jwks(self) -> dict[str, Any]:
        """The JWKS that verifies :meth:`token`'s tokens."""
        return self.signer.jwks()

    def public_pem(self) -> str:
        """The public key (PEM) that verifies :meth:`token`'s tokens: ``jwt_key``."""
        return self.signer.public_pem()

    def _stream(self, status: str | None, actor: bool | None) -> Iterator[Session]:
        key = (status, actor)
        stream = self._streams.get(key)
        if stream is None:
            # The generator's sessions follow the structure and the rules.
            stream = cast("Iterator[Session]", self._generator(status, actor).generate())
            self._streams[key] = stream
        return stream

    def _generator(self, status: str | None, actor: bool | None) -> SessionGenerator:
        from .generator import Generator as SessionGenerator
        from .rules import STATUSES

        overrides: dict[str, Any] = {}
        if status is not None:
            if status not in STATUSES:
                raise InvalidArgument(
                    f"Cannot have status={status!r}: not a status"
                    + did_you_mean(str(status), STATUSES)
                )
            # Every status named: overrides merge into the profile's table.
            overrides["status.weights"] = {s: int(s == status) for s in STATUSES}
        if actor is not None:
            overrides["actor.rate"] = 1 if actor else 0
            if actor and not self.profile.policy.actor_kinds:
                raise InvalidArgument(
                    f"Cannot have actor=True: profile {self.profile.name!r} allows no actor"
                )
        profile = self.profile
        if overrides:
            try:
                profile = profile.with_overrides(overrides, source="sessionfaker")
            except ProfileError as exc:
                raise InvalidArgument(
                    f"Cannot have {_args(status, actor, {})}: {exc.reason}"
                ) from None
        # Each (status, actor) stream has its own seed, derived from the test's.
        seed = self.seed if not overrides else f"{self.seed}/{status}/{actor}"
        return SessionGenerator(profile, seed)

    def session(
        self, *, status: str | None = None, actor: bool | None = None, **fields: Any
    ) -> Session:
        """The next session, with ``status``/``actor`` chosen and ``fields`` replaced."""
        return self.sessions(1, status=status, actor=actor, **fields)[0]

    def sessions(
        self, n: int, *, status: str | None = None, actor: bool | None = None, **fields: Any
    ) -> list[Session]:
        """The next ``n`` sessions (see :meth:`session`)."""

        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidArgument(f"Cannot have n={n!r}: expected an integer >= 0")
        if actor not in (None, True, False):
            raise InvalidArgument(
                f"Cannot have actor={actor!r}: expected True or False (replace the field "
                "with a coherent session's actor instead)"
            )
        self._check_fields(fields)
        stream = self._stream(status, actor)
        out = []
        for _ in range(n):
            session = next(stream)
            if fields:
                # Checked against the rules just below.
                session = cast("Session", {**session, **fields})
                self._check_coherent(session, fields, status, actor)
            out.append(session)
        return out

    @staticmethod
    def _check_fields(fields: dict[str, Any]) -> None:
        from .schema import load_structure

        names = load_structure().names
        for name in fields:
            if name not in names:
                raise InvalidArgument(
                    f"Cannot have {name}={fields[name]!r}: not a session field"
                    + did_you_mean(name, names)
                )

    def _check_coherent(
        self,
        session: Session,
        fields: dict[str, Any],
        status: str | None,
        actor: bool | None,
    ) -> None:
        from .rules import RULES, check_session

        broken = check_session(session, now=self.now)
        if broken:
            first = broken[0]
            rule = RULES[first.rule]
            raise InvalidArgument(
                f"Cannot have {_args(status, actor, fields)}: the session "
                f"would break rule {first.rule} ({rule.description}) at {first.describe()}"
            )


def _args(status: str | None, actor: bool | None, fields: dict[str, Any]) -> str:
    """The arguments as passed: status and actor when given, every field."""
    chosen = {"status": status, "actor": actor}
    return format_args({k: v for k, v in chosen.items() if v is not None} | fields)
