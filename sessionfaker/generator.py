"""The bulk generator: coherent sessions, fast, deterministic, random access.

Sessions come in blocks of :data:`BLOCK` sessions. Block ``b`` draws from
its own ``random.Random`` seeded with ``"{seed}/{b}"`` (a string seed is
hashed with SHA-512, so PYTHONHASHSEED plays no part), so session ``k``
depends only on the seed, the profile, the reference time and ``k``: a run
can start anywhere, and slices of a run put together equal the whole run.
Everything that does not vary per session (status ranges, cumulative
weights, vocabulary, pooled ids) is computed once per generator.

>>> from sessionfaker.profile import load_profile
>>> g = Generator(load_profile("default", now="2026-11-01T00:00:00Z"), seed=1)
>>> [s["id"] for s in g.generate(2, 1)] == [s["id"] for s in g.generate(0, 3)][2:]
True
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import ids
from .profile import Profile, creation_range, lifetimes
from .rules import (
    ACTIVITY_ID_LAG_S,
    ACTIVITY_OBJECT,
    DASHBOARD_ISSUER,
    STATUSES,
    TRANSITION_STATUSES,
)
from .schema import Field, Structure, load_structure
from .vocab import load as load_vocabulary

BLOCK = 256
KNOWN_FIELDS = (
    "object",
    "id",
    "user_id",
    "client_id",
    "actor",
    "status",
    "last_active_organization_id",
    "last_active_at",
    "latest_activity",
    "expire_at",
    "abandon_at",
    "updated_at",
    "created_at",
    "tasks",
)
_YEAR_S = 365 * 86_400
_DOC_V4 = ("192.0.2", "198.51.100", "203.0.113")
_SESS = ids.PREFIXES["session"]
_ACT = ids.PREFIXES["session_activity"]


class _Choice:
    """A weighted choice over fixed values: one ``random()`` and a bisect."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, w) for k, w in weights.items() if w > 0]
        self.values = [k for k, _ in items]
        self.cum = list(itertools.accumulate(w for _, w in items))
        self.total = self.cum[-1] if self.cum else 0.0

    def pick(self, u: float) -> Any:
        # u in [0, 1): min() guards the float edge where u*total == total.
        return self.values[min(bisect(self.cum, u * self.total), len(self.values) - 1)]


def _pooled_id(prefix: str, seed: str, kind: str, index: int, newest_s: int) -> str:
    """A stable id for pooled entity ``index``, created up to a year before ``newest_s``."""
    h = hashlib.blake2b(f"{seed}/{kind}/{index}".encode(), digest_size=24).digest()
    offset = int.from_bytes(h[:8], "big") % _YEAR_S
    second = max(ids.KSUID_EPOCH, newest_s - offset)
    return ids.make_id(prefix, second, int.from_bytes(h[8:], "big"))


class Generator:
    """Generates sessions for one (profile, seed) pair.

    ``structure`` defaults to the shipped Clerk structure; fields it declares
    that sessionfaker has no special knowledge of get a conformant value from
    their declared type (null at ``extra.null_rate`` when nullable).
    """

    def __init__(
        self,
        profile: Profile,
        seed: int | str = 0,
        *,
        structure: Structure | None = None,
    ) -> None:
        self.profile = p = profile
        self.seed = str(seed)
        self.structure = structure or load_structure()
        self.now = p.time_now
        self._statuses = _Choice(p.status_weights)
        self._plans: dict[tuple[str, bool], tuple[int, int, int, int]] = {}
        self._actor_ok: dict[str, bool] = {}
        for status in STATUSES:
            for actor in (False, True):
                rng = creation_range(p, status, actor=actor)
                if rng is not None:
                    life, abandon = lifetimes(p, actor=actor)
                    self._plans[status, actor] = (rng[0], rng[1], life, abandon)
            self._actor_ok[status] = (status, True) in self._plans and p.actor_rate > 0
        self._actor_kinds = _Choice(p.actor_kinds)
        self._devices = _Choice(p.activity_devices)
        self._tasks = _Choice(p.tasks_weights)
        self._pool_newest_s = p.time_window_start // 1000
        vocab = load_vocabulary()
        self._countries = _Choice(p.activity_countries)
        self._cities = vocab.cities
        self._desktop_devices = _Choice(dict(vocab.desktop_devices))
        self._mobile_devices = _Choice(dict(vocab.mobile_devices))
        self._desktop_browsers = _Choice(_browser_versions(vocab.desktop_browsers))
        self._mobile_browsers = _Choice(_browser_versions(vocab.mobile_browsers))
        self._app_versions = [f"{major}.{minor}.0" for major in (3, 4) for minor in range(8)]
        self._ipv4 = [f"{net}.{host}" for net in _DOC_V4 for host in range(1, 255)]
        self._extra: tuple[Field, ...] = tuple(
            f for f in self.structure.fields if f.name not in KNOWN_FIELDS
        )
        self._fast = self.structure.names == KNOWN_FIELDS
        self.user_id = functools.lru_cache(maxsize=1 << 16)(self._user_id)
        self.client_id = functools.lru_cache(maxsize=1 << 16)(self._client_id)
        self.organization_id = functools.lru_cache(maxsize=4096)(self._organization_id)
        self.impersonator_id = functools.lru_cache(maxsize=256)(self._impersonator_id)

    # -- pooled entities: stable per (seed, index), created before the window

    def _user_id(self, index: int) -> str:
        return _pooled_id(ids.PREFIXES["user"], self.seed, "user", index, self._pool_newest_s)

    def _client_id(self, user: int, index: int) -> str:
        return _pooled_id(
            ids.PREFIXES["client"], self.seed, f"client/{user}", index, self._pool_newest_s
        )

    def _organization_id(self, index: int) -> str:
        return _pooled_id(
            ids.PREFIXES["organization"], self.seed, "org", index, self._pool_newest_s
        )

    def _impersonator_id(self, index: int) -> str:
        return _pooled_id(ids.PREFIXES["user"], self.seed, "staff", index, self._pool_newest_s)

    # -- the stream

    def generate(self, start: int = 0, count: int | None = None) -> Iterator[dict[str, Any]]:
        """Sessions ``start`` to ``start + count - 1`` (endless when ``count`` is None)."""
        if start < 0:
            raise ValueError(f"start must be >= 0 ({start})")
        stop = None if count is None else start + count
        b = start // BLOCK
        skip = start - b * BLOCK
        k = start
        while stop is None or k < stop:
            block = self.block(b)
            take = block[skip:] if stop is None else block[skip : skip + stop - k]
            yield from take
            k += len(take)
            b += 1
            skip = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.generate()

    def session(self, index: int) -> dict[str, Any]:
        """Session number ``index`` of the run."""
        return self.block(index // BLOCK)[index % BLOCK]

    def block(self, b: int) -> list[dict[str, Any]]:
        """The ``b``-th block of :data:`BLOCK` sessions."""
        rng = random.Random(f"{self.seed}/{b}")
        return [self._one(rng) for _ in range(BLOCK)]

    def _one(self, rng: random.Random) -> dict[str, Any]:
        p = self.profile
        r = rng.random
        bits = rng.getrandbits
        now = self.now
        status: str = self._statuses.pick(r())
        has_actor = self._actor_ok[status] and r() < p.actor_rate
        lo, hi, life, abandon_life = self._plans[status, has_actor]
        edge = p.timeline_boundary_rate > 0 and r() < p.timeline_boundary_rate
        if edge:
            created = lo if r() < 0.5 else hi
        else:
            created = lo + int(r() * (hi - lo + 1))
        expire = created + life
        abandon = created + abandon_life
        la_hi = min(now, expire - 1, abandon - 1)
        if edge:
            last_active = created if r() < 0.5 else la_hi
        else:
            u = r()
            last_active = created + int(u * u * (la_hi - created + 1))
        if status == "expired":
            updated = expire
        elif status == "abandoned":
            updated = abandon
        else:
            # Live sessions may be updated up to now; a transition happens
            # before expiry and abandonment.
            up_hi = now if status not in TRANSITION_STATUSES else la_hi
            if edge:
                updated = last_active if r() < 0.5 else up_hi
            else:
                u = r()
                updated = last_active + int(u * u * u * (up_hi - last_active + 1))
        created_s = created // 1000

        users = p.population_users
        user = int(users * r() ** (1.0 + p.population_skew))
        if user >= users:
            user = users - 1
        client = int(r() * p.population_clients_per_user)

        tasks = None
        choose_org = False
        if status == "pending":
            keys = self._draw_tasks(r)
            tasks = [{"key": k} for k in keys]
            choose_org = "choose-organization" in keys
        org = None
        if not choose_org and r() < p.organization_rate:
            org = self.organization_id(int(p.organization_pool * r()))

        actor = None
        if has_actor:
            kind = self._actor_kinds.pick(r())
            staff = self.impersonator_id(int(p.actor_impersonators * r()))
            if kind == "dashboard":
                sid_s = max(ids.KSUID_EPOCH, created_s - 1 - int(r() * 3600))
                actor = {
                    "iss": DASHBOARD_ISSUER,
                    "sid": ids.make_id(_SESS, sid_s, bits(128)),
                    "sub": staff,
                }
            elif kind == "agent":
                actor = {"sub": staff, "type": "agent"}
            else:
                actor = {"sub": staff}

        activity = None
        if r() < p.activity_rate:
            lag = ACTIVITY_ID_LAG_S[0] + int(r() * (ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1))
            activity = {
                "object": ACTIVITY_OBJECT,
                "id": ids.make_id(_ACT, created_s - lag, bits(128)),
            }
            device = self._devices.pick(r())
            if device == "native_app":
                activity["is_mobile"] = True
                activity["browser_name"] = p.activity_app_name
                activity["browser_version"] = self._app_versions[
                    int(r() * len(self._app_versions))
                ]
            else:
                mobile = device == "mobile_web"
                activity["is_mobile"] = mobile
                if mobile:
                    activity["device_type"] = self._mobile_devices.pick(r())
                    browser, version = self._mobile_browsers.pick(r())
                else:
                    activity["device_type"] = self._desktop_devices.pick(r())
                    browser, version = self._desktop_browsers.pick(r())
                activity["browser_name"] = browser
                activity["browser_version"] = version
            if r() < p.activity_ipv6_rate:
                activity["ip_address"] = f"2001:db8:{bits(16):x}::{bits(16):x}"
            else:
                activity["ip_address"] = self._ipv4[int(r() * 762)]
            country = self._countries.pick(r())
            cities = self._cities[country]
            activity["city"] = cities[int(r() * len(cities))]
            activity["country"] = country

        session = {
            "object": "session",
            "id": ids.make_id(_SESS, created_s, bits(128)),
            "user_id": self.user_id(user),
            "client_id": self.client_id(user, client),
            "actor": actor,
            "status": status,
            "last_active_organization_id": org,
            "last_active_at": last_active,
            "latest_activity": activity,
            "expire_at": expire,
            "abandon_at": abandon,
            "updated_at": updated,
            "created_at": created,
            "tasks": tasks,
        }
        if self._fast:
            return session
        return self._conform(session, rng)

    def _draw_tasks(self, r: Any) -> list[str]:
        n = 1 + int(r() * self.profile.tasks_max)
        if n == 1:
            return [self._tasks.pick(r())]
        remaining = dict(zip(self._tasks.values, self._weights(self._tasks), strict=True))
        keys: list[str] = []
        for _ in range(n):
            k = _Choice(remaining).pick(r())
            keys.append(k)
            del remaining[k]
        return keys

    @staticmethod
    def _weights(choice: _Choice) -> list[float]:
        prev = 0.0
        out = []
        for c in choice.cum:
            out.append(c - prev)
            prev = c
        return out

    def _conform(self, known: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """Reorder to the structure's fields; unknown fields get typed values."""
        out: dict[str, Any] = {}
        for f in self.structure.fields:
            if f.name in known:
                out[f.name] = known[f.name]
            else:
                out[f.name] = self._generic(f, rng)
        return out

    def _generic(self, f: Field, rng: random.Random) -> Any:
        if f.nullable and rng.random() < self.profile.extra_null_rate:
            return None
        if f.type == "string":
            return "".join(rng.choices(ids.ALPHABET, k=12))
        if f.type == "integer":
            return rng.randrange(0, 2**31)
        if f.type == "number":
            return round(rng.random() * 1000, 3)
        if f.type == "boolean":
            return rng.random() < 0.5
        if f.type == "object":
            return {}
        return []


def _browser_versions(
    browsers: Sequence[tuple[str, int, int, int]],
) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for name, low, high, weight in browsers:
        majors = range(low, high + 1)
        for major in majors:
            if name == "Safari":
                version = f"{major}.0"
            elif name == "Firefox":
                version = f"{major}.0"
            elif name == "Samsung Internet":
                version = f"{major}.0"
            else:
                version = f"{major}.0.0.0"
            # Newer majors are more common.
            out[name, version] = weight * (1 + major - low) / len(majors)
    return out


def generate(
    profile: Profile,
    n: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    structure: Structure | None = None,
) -> Iterator[dict[str, Any]]:
    """``n`` sessions from index ``start``: the library's main entry point.

    >>> from sessionfaker.profile import load_profile
    >>> s = next(generate(load_profile(now="2026-11-01T00:00:00Z"), 1, seed=7))
    >>> s["object"], s["id"][:5]
    ('session', 'sess_')
    """
    return Generator(profile, seed, structure=structure).generate(start, n)
