"""The bulk generator: coherent sessions, fast, deterministic, random access.

Session ``k`` is a pure function of the seed, the profile (with its
reference time) and ``k``. Sessions come in blocks of :data:`BLOCK`; block
``b`` draws ``BLOCK * WORDS`` 64-bit words from a PCG64 stream whose 128-bit
state and increment are the BLAKE2b hash of ``"{seed}/{b}"``, and session
``k`` reads only its own :data:`WORDS` words, each with a fixed meaning
(``W_*`` below). So a run can start anywhere, any slices of a run put
together equal the whole run, and how a run is cut into batches, processes
or machines cannot change a byte.

Sessions are computed a batch at a time, column by column with numpy, and
written straight to JSON text: each line is the concatenation of eleven
pieces (fixed-width rows filled in with numpy, table entries, and a few
rare pieces such as actors built one by one), which is exactly what
``orjson.dumps`` makes of the session dict. The dicts that :meth:`Generator.generate`
returns are parsed back from that text, so the two can never disagree.

>>> from sessionfaker.profile import load_profile
>>> g = Generator(load_profile("default", now="2026-11-01T00:00:00Z"), seed=1)
>>> [s["id"] for s in g.generate(2, 1)] == [s["id"] for s in g.generate(0, 3)][2:]
True
>>> b"".join(g.ndjson(0, 2)).count(b"\\n")
2
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from . import ids
from .profile import Profile, creation_range, lifetimes
from .rules import (
    ACTIVITY_ID_LAG_S,
    ACTIVITY_OBJECT,
    DASHBOARD_ISSUER,
    TASK_KEYS,
    TRANSITION_STATUSES,
)
from .schema import Field, Structure, int64_as_strings, load_structure
from .vocab import load as load_vocabulary

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Words = npt.NDArray[np.uint64]
Chars = npt.NDArray[np.uint8]
Objects = npt.NDArray[np.object_]

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

# What each of a session's random words decides. Changing this table
# changes every session: update the golden hashes in the tests.
W_STATUS = 0
W_ACTOR = 1
W_EDGE = 2
W_CREATED = 3
W_LAST_ACTIVE = 4
W_UPDATED = 5
W_USER = 6
W_CLIENT = 7
W_TASKS = 8
W_ORG = 9
W_ORG_INDEX = 10
W_ACTIVITY = 11
W_ACTIVITY_LAG = 12
W_DEVICE = 13  # device kind, device type, browser and version, together
W_IPV6 = 14
W_IP = 15
W_CITY = 16  # unused: the place follows the IP address (kept so later words stay put)
W_ACTOR_KIND = 17
W_STAFF = 18
W_SID_LAG = 19
_ID_WORDS = (ids.ENTROPY_WORDS + 3) // 4  # 16-bit entropy values, four to a word
W_SESSION_ID = 20
W_ACTIVITY_ID = W_SESSION_ID + _ID_WORDS
W_ACTOR_SID = W_ACTIVITY_ID + _ID_WORDS
WORDS = W_ACTOR_SID + _ID_WORDS

# Sessions computed together: large enough that numpy's per-call cost
# vanishes, small enough that temporaries stay under glibc's mmap threshold
# (fresh pages cost more than the arithmetic).
BATCH = 2048
# Sessions per bytes object that ndjson() yields.
CHUNK = 64

_YEAR_S = 365 * 86_400
_INV_2_53 = 2.0**-53
_TS_DIGITS = 13
_TS_LOW, _TS_HIGH = 10 ** (_TS_DIGITS - 1), 10**_TS_DIGITS
# Every 4-digit group "0000".."9999" as a little-endian uint32 of ASCII codes.
_GROUPS = np.frombuffer(b"".join(b"%04d" % i for i in range(10_000)), dtype="<u4")
_DENSE_POOL = 1 << 16
_SPARSE_CACHE = 1 << 17
_LIVE, _EXPIRED, _ABANDONED, _TRANSITION = 0, 1, 2, 3


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


class _Choice:
    """A weighted choice over fixed values: ``values[searchsorted(cum, u * total)]``."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, w) for k, w in weights.items() if w > 0]
        self.values = [k for k, _ in items]
        self.cum = np.array(list(itertools.accumulate(w for _, w in items)), dtype=np.float64)
        self.total = float(self.cum[-1]) if items else 0.0

    def index(self, u: Floats) -> Ints:
        """The index in ``values`` chosen by each uniform ``u``."""
        if len(self.values) <= 1:
            return np.zeros(len(u), dtype=np.int64)
        i = np.searchsorted(self.cum, u * self.total, side="right")
        # min() guards the float edge where u * total == total.
        return np.minimum(i, len(self.values) - 1).astype(np.int64)


def _below(u: Floats, m: Ints | int) -> Ints:
    """``floor(u * m)`` for uniform ``u``, kept below ``m`` (m >= 1)."""
    return np.minimum((u * m).astype(np.int64), np.asarray(m, dtype=np.int64) - 1)


def _pooled_id(prefix: str, seed: str, kind: str, index: int, newest_s: int) -> str:
    """A stable id for pooled entity ``index``, created up to a year before ``newest_s``."""
    h = hashlib.blake2b(f"{seed}/{kind}/{index}".encode(), digest_size=24).digest()
    offset = int.from_bytes(h[:8], "big") % _YEAR_S
    second = min(max(ids.KSUID_EPOCH, newest_s - offset), ids.KSUID_EPOCH + ids.MAX_TIMESTAMP)
    return ids.make_id(prefix, second, int.from_bytes(h[8:], "big"))


class _Pool:
    """The ids of one pooled entity kind (users, clients, ...), made on first
    use. Small pools keep every id in one array; large ones cache recent ids."""

    def __init__(self, make: Callable[..., str], shape: tuple[int, ...], width: int) -> None:
        self.make = make
        self.shape = shape
        self.width = width
        size = 1
        for s in shape:
            size *= s
        self.dense = size <= _DENSE_POOL
        if self.dense:
            self.table = np.zeros((size, width), dtype=np.uint8)
            self.filled = np.zeros(size, dtype=np.bool_)
        self.cache: dict[tuple[int, ...], bytes] = {}

    def _make(self, key: tuple[int, ...]) -> bytes:
        text = self.make(*key).encode()
        assert len(text) == self.width
        return text

    def rows(self, *keys: Ints) -> Chars:
        """The ``(n, width)`` ASCII rows of the ids for ``keys``."""
        if self.dense:
            flat = keys[0] if len(keys) == 1 else np.ravel_multi_index(keys, self.shape)
            missing = ~self.filled[flat]
            if missing.any():
                for k in np.unique(flat[missing]).tolist():
                    key = np.unravel_index(k, self.shape)
                    self.table[k] = np.frombuffer(self._make(tuple(int(i) for i in key)), np.uint8)
                    self.filled[k] = True
            return self.table[flat]
        stacked = np.stack(keys, axis=1)
        uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
        if len(self.cache) > _SPARSE_CACHE:
            self.cache.clear()
        cache = self.cache
        texts = []
        for row in uniq.tolist():
            key = tuple(row)
            text = cache.get(key)
            if text is None:
                text = cache[key] = self._make(key)
            texts.append(text)
        table = np.frombuffer(b"".join(texts), dtype=np.uint8).reshape(-1, self.width)
        return table[inverse.reshape(-1)]


class _Layout:
    """A fixed-width row: literal bytes with slots filled in per session."""

    def __init__(self, *parts: bytes | int) -> None:
        raw = bytearray()
        self.slots: list[tuple[int, int]] = []
        for part in parts:
            if isinstance(part, int):
                self.slots.append((len(raw), part))
                raw += b"\0" * part
            else:
                raw += part
        self.template = np.frombuffer(bytes(raw), dtype=np.uint8)
        self.width = len(raw)
        self.dtype = np.dtype(f"S{self.width}")

    def fill(self, n: int, *values: Chars) -> Chars:
        out = np.empty((n, self.width), dtype=np.uint8)
        out[:] = self.template
        for (offset, width), v in zip(self.slots, values, strict=True):
            out[:, offset : offset + width] = v
        return out

    def pieces(self, n: int, *values: Chars) -> list[bytes]:
        rows = self.fill(n, *values)
        return rows.view(self.dtype).reshape(n).tolist()

    def objects(self, n: int, *values: Chars) -> Objects:
        return self.fill(n, *values).view(self.dtype).reshape(n).astype(object)


def _digits(t: Ints) -> Chars:
    """The 13 ASCII digits of each timestamp (all between 10**12 and 10**13),
    for a ``(n, k)`` array of timestamps: an ``(n, k, 13)`` array."""
    out = np.empty((*t.shape, 4), dtype="<u4")
    rest = t % 10**12
    # The leading digit goes in the last byte of a 4-byte group.
    out[..., 0] = (t // 10**12 + 48).astype(np.uint32) << 24
    out[..., 1] = _GROUPS[rest // 10**8]
    out[..., 2] = _GROUPS[rest // 10**4 % 10**4]
    out[..., 3] = _GROUPS[rest % 10**4]
    return out.view(np.uint8)[..., 3:]


_SESSION_HEAD = _Layout(
    b'{"object":"session","id":"sess_',
    ids.KSUID_LENGTH,
    b'","user_id":"',
    len(ids.PREFIXES["user"]) + ids.KSUID_LENGTH,
    b'","client_id":"',
    len(ids.PREFIXES["client"]) + ids.KSUID_LENGTH,
    b'","actor":',
)


class _Stamps:
    """The rows holding the five timestamps, with ``quote`` around each value
    (the JSON Structure encoding writes int64 values as strings), and the
    same as %-formats for timestamps that are not 13 digits long."""

    def __init__(self, quote: bytes) -> None:
        q = quote
        self.last = _Layout(b',"last_active_at":' + q, _TS_DIGITS, q + b',"latest_activity":')
        self.times = _Layout(
            b',"expire_at":' + q,
            _TS_DIGITS,
            q + b',"abandon_at":' + q,
            _TS_DIGITS,
            q + b',"updated_at":' + q,
            _TS_DIGITS,
            q + b',"created_at":' + q,
            _TS_DIGITS,
            q + b',"tasks":',
        )
        v = q + b"%d" + q
        self.last_format = b',"last_active_at":' + v + b',"latest_activity":'
        self.times_format = (
            b',"expire_at":'
            + v
            + b',"abandon_at":'
            + v
            + b',"updated_at":'
            + v
            + b',"created_at":'
            + v
            + b',"tasks":'
        )


_STAMPS = {False: _Stamps(b""), True: _Stamps(b'"')}
_ACTIVITY_HEAD = _Layout(
    b'{"object":"' + ACTIVITY_OBJECT.encode() + b'","id":"sess_activity_',
    ids.KSUID_LENGTH,
    b'","is_mobile":',
)
_ORG = _Layout(b'"', len(ids.PREFIXES["organization"]) + ids.KSUID_LENGTH, b'"')
_PIECES = 11  # per session, see Generator._pieces
_SESS = ids.PREFIXES["session"]


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
        self._fast = self.structure.names == KNOWN_FIELDS
        self._pool_newest_s = p.time_window_start // 1000
        self._bits = np.random.PCG64(0)
        self._lock = threading.Lock()

        # Statuses and their (created_at range, lifetimes), with and without an actor.
        self._statuses = _Choice(p.status_weights)
        k = len(self._statuses.values)
        self._plan = np.zeros((4, 2 * k), dtype=np.int64)  # lo, hi, life, abandon
        self._actor_ok = np.zeros(k, dtype=np.bool_)
        self._phase = np.zeros(k, dtype=np.int64)
        self._pending = np.zeros(k, dtype=np.bool_)
        for i, status in enumerate(self._statuses.values):
            for actor in (0, 1):
                rng = creation_range(p, status, actor=bool(actor))
                if rng is not None:
                    life, abandon = lifetimes(p, actor=bool(actor))
                    self._plan[:, 2 * i + actor] = (rng[0], rng[1], life, abandon)
                elif not actor:
                    raise ValueError(f"no creation time gives a {status} session")
            self._actor_ok[i] = creation_range(p, status, actor=True) is not None and (
                p.actor_rate > 0
            )
            self._phase[i] = (
                _EXPIRED
                if status == "expired"
                else _ABANDONED
                if status == "abandoned"
                else _TRANSITION
                if status in TRANSITION_STATUSES
                else _LIVE
            )
            self._pending[i] = status == "pending"
        self._status_pieces = np.array(
            [
                b',"status":' + _json(s) + b',"last_active_organization_id":'
                for s in self._statuses.values
            ],
            dtype=object,
        )
        skew = 1.0 + p.population_skew
        self._skew_power = int(skew) if skew.is_integer() else None

        self._task_lists, task_weights = self._task_combinations()
        self._task_combos = _Choice(dict(enumerate(task_weights)))
        self._task_choose_org = np.array(
            ["choose-organization" in keys for keys in self._task_lists] + [False], dtype=np.bool_
        )
        self._tails: dict[bytes, Objects] = {}

        self._actor_kinds = _Choice(p.actor_kinds)

        # What follows "is_mobile": one weighted table of every device kind x
        # device type x browser version (or app version), and one of every
        # country x city, so that each is a single draw.
        vocab = load_vocabulary()
        devices: dict[bytes, float] = {}
        for kind, share in _shares(p.activity_devices).items():
            if kind == "native_app":
                for v in vocab.app_versions:
                    body = {"browser_name": p.activity_app_name, "browser_version": v}
                    devices[b"true," + _json(body)[1:-1]] = share / len(vocab.app_versions)
                continue
            mobile = kind == "mobile_web"
            for (device, name, version), web_share in vocab.web_devices(mobile=mobile).items():
                body = {"device_type": device, "browser_name": name, "browser_version": version}
                piece = (b"true," if mobile else b"false,") + _json(body)[1:-1]
                devices[piece] = share * web_share
        self._devices = _Choice(devices)
        self._device_pieces = np.array([*self._devices.values, b""], dtype=object)
        # An IP address is in one place for the whole run: draw the address,
        # and the place is the address's (vocab's Places map).
        places = vocab.places(p.activity_countries)
        self._places = places
        self._city_pieces = np.array(
            [
                b"," + _json({"city": city, "country": c} if city else {"country": c})[1:]
                for c, city in zip(places.country, places.city, strict=True)
            ]
            + [b""],
            dtype=object,
        )
        self._ipv4_pieces = np.array(
            [b',"ip_address":' + _json(ip) for ip in places.ipv4] + [b""], dtype=object
        )
        self._staff: dict[int, str] = {}

        user_w = len(ids.PREFIXES["user"]) + ids.KSUID_LENGTH
        self._users = _Pool(self.user_id, (p.population_users,), user_w)
        self._clients = _Pool(
            self.client_id,
            (p.population_users, p.population_clients_per_user),
            len(ids.PREFIXES["client"]) + ids.KSUID_LENGTH,
        )
        self._orgs = _Pool(
            self.organization_id,
            (p.organization_pool,),
            len(ids.PREFIXES["organization"]) + ids.KSUID_LENGTH,
        )

    # -- pooled entities: stable per (seed, index), created before the window

    def user_id(self, index: int) -> str:
        """The id of pooled user ``index``."""
        return _pooled_id(ids.PREFIXES["user"], self.seed, "user", index, self._pool_newest_s)

    def client_id(self, user: int, index: int) -> str:
        """The id of client ``index`` of pooled user ``user``."""
        return _pooled_id(
            ids.PREFIXES["client"], self.seed, f"client/{user}", index, self._pool_newest_s
        )

    def organization_id(self, index: int) -> str:
        """The id of pooled organisation ``index``."""
        return _pooled_id(
            ids.PREFIXES["organization"], self.seed, "org", index, self._pool_newest_s
        )

    def impersonator_id(self, index: int) -> str:
        """The user id of staff member ``index``, who impersonates users."""
        return _pooled_id(ids.PREFIXES["user"], self.seed, "staff", index, self._pool_newest_s)

    # -- the stream

    def generate(self, start: int = 0, count: int | None = None) -> Iterator[dict[str, Any]]:
        """Sessions ``start`` to ``start + count - 1`` (endless when ``count`` is None)."""
        _check_range(start, count)
        if not self._fast:
            yield from self._generate_blocks(start, count)
            return
        for first, n in _batches(start, count):
            yield from self._dicts(first, n)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.generate()

    def session(self, index: int) -> dict[str, Any]:
        """Session number ``index`` of the run."""
        if index < 0:
            raise ValueError(f"index must be >= 0 ({index})")
        if not self._fast:
            return self.block(index // BLOCK)[index % BLOCK]
        return self._dicts(index, 1)[0]

    def block(self, b: int) -> list[dict[str, Any]]:
        """The ``b``-th block of :data:`BLOCK` sessions."""
        if b < 0:
            raise ValueError(f"block must be >= 0 ({b})")
        sessions = self._dicts(b * BLOCK, BLOCK)
        if self._fast:
            return sessions
        rng = random.Random(f"{self.seed}/{b}/extra")
        return [self._conform(s, rng) for s in sessions]

    def ndjson(
        self,
        start: int = 0,
        count: int = 0,
        *,
        chunk: int = CHUNK,
        int64_as_string: bool = False,
    ) -> Iterator[bytes]:
        """Sessions ``start`` to ``start + count - 1`` as NDJSON, at most
        ``chunk`` lines per bytes object: the same bytes as ``orjson.dumps`` of each
        session from :meth:`generate` plus a newline (of
        :func:`~sessionfaker.schema.int64_as_strings` of it with
        ``int64_as_string``), several times faster.

        >>> from sessionfaker.profile import load_profile
        >>> g = Generator(load_profile("default", now="2026-11-01T00:00:00Z"), seed=1)
        >>> first = next(g.ndjson(0, 1))
        >>> first == orjson.dumps(g.session(0)) + b"\\n"
        True
        """
        _check_range(start, count)
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1 ({chunk})")
        if not self._fast:
            for s in self.generate(start, count):
                if int64_as_string:
                    s = int64_as_strings(s, self.structure)
                yield orjson.dumps(s, option=orjson.OPT_APPEND_NEWLINE)
            return
        step = chunk * _PIECES
        for first, n in _batches(start, count):
            flat = self._pieces(first, n, b"\n", int64_as_string)
            for i in range(0, len(flat), step):
                yield b"".join(flat[i : i + step])

    def _generate_blocks(self, start: int, count: int | None) -> Iterator[dict[str, Any]]:
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

    def _dicts(self, first: int, n: int) -> list[dict[str, Any]]:
        flat = self._pieces(first, n, b",")
        out: list[dict[str, Any]] = []
        step = 128 * _PIECES  # parse 128 at a time: small buffers are reused
        for i in range(0, len(flat), step):
            body = b"".join(flat[i : i + step])
            out.extend(orjson.loads(b"[" + body[:-1] + b"]"))
        return out

    # -- the columns

    def _words(self, first: int, n: int) -> Words:
        """The random words of sessions ``first`` to ``first + n - 1``, one row each."""
        b0, b1 = first // BLOCK, (first + n - 1) // BLOCK
        parts = []
        for b in range(b0, b1 + 1):
            state, inc = block_state(self.seed, b)
            with self._lock:
                self._bits.state = {
                    "bit_generator": "PCG64",
                    "state": {"state": state, "inc": inc},
                    "has_uint32": 0,
                    "uinteger": 0,
                }
                parts.append(self._bits.random_raw(BLOCK * WORDS))
        words = np.concatenate(parts).reshape(-1, WORDS)
        offset = first - b0 * BLOCK
        return words[offset : offset + n]

    def _pieces(self, first: int, n: int, end: bytes, quoted: bool = False) -> list[Any]:
        """The pieces of the JSON text of sessions ``first`` to ``first + n - 1``,
        :data:`_PIECES` per session, each session's text followed by ``end``
        (timestamps as strings when ``quoted``)."""
        p = self.profile
        words = self._words(first, n)

        def unit(w: int) -> Floats:
            return (words[:, w] >> np.uint64(11)).astype(np.float64) * _INV_2_53

        def entropy(w: int) -> npt.NDArray[np.uint16]:
            block = np.ascontiguousarray(words[:, w : w + _ID_WORDS]).astype("<u8")
            return block.view("<u2")[:, : ids.ENTROPY_WORDS]

        now = self.now
        status = self._statuses.index(unit(W_STATUS))
        has_actor = self._actor_ok[status] & (unit(W_ACTOR) < p.actor_rate)
        plan = 2 * status + has_actor
        lo, hi, life, abandon_life = (self._plan[i][plan] for i in range(4))
        if p.timeline_boundary_rate > 0:
            edge = unit(W_EDGE) < p.timeline_boundary_rate
        else:
            edge = np.zeros(n, dtype=np.bool_)

        u = unit(W_CREATED)
        created = np.where(edge, np.where(u < 0.5, lo, hi), lo + _below(u, hi - lo + 1))
        expire = created + life
        abandon = created + abandon_life
        la_hi = np.minimum(np.minimum(expire - 1, abandon - 1), now)
        u = unit(W_LAST_ACTIVE)
        last_active = np.where(
            edge,
            np.where(u < 0.5, created, la_hi),
            created + _below(u * u, la_hi - created + 1),
        )
        phase = self._phase[status]
        # Live sessions may be updated up to now; a transition happens before
        # expiry and abandonment.
        up_hi = np.where(phase == _TRANSITION, la_hi, now)
        u = unit(W_UPDATED)
        updated = np.where(
            edge,
            np.where(u < 0.5, last_active, up_hi),
            last_active + _below(u * u * u, up_hi - last_active + 1),
        )
        updated = np.where(phase == _EXPIRED, expire, updated)
        updated = np.where(phase == _ABANDONED, abandon, updated)
        created_s = created // 1000

        u = unit(W_USER)
        if self._skew_power is not None:
            x = u
            for _ in range(self._skew_power - 1):
                x = x * u
        else:
            x = np.power(u, 1.0 + p.population_skew)
        user = _below(x, p.population_users)
        client = _below(unit(W_CLIENT), p.population_clients_per_user)

        pending = self._pending[status]
        tasks = np.full(n, len(self._task_lists), dtype=np.int64)
        if pending.any():
            tasks[pending] = self._task_combos.index(unit(W_TASKS)[pending])
        choose_org = self._task_choose_org[tasks]
        has_org = ~choose_org & (unit(W_ORG) < p.organization_rate)

        u = unit(W_ACTIVITY)
        has_activity = u < p.activity_rate

        # The pieces, in order.
        head = _SESSION_HEAD.pieces(
            n,
            ids.ksuid_chars(_ksuid_seconds(created_s), entropy(W_SESSION_ID)),
            self._users.rows(user),
            self._clients.rows(user, client),
        )
        actors: Objects = np.full(n, b"null", dtype=object)
        if has_actor.any():
            actors[has_actor] = self._actors(words[has_actor], created_s[has_actor])
        statuses = self._status_pieces[status]
        orgs: Objects = np.full(n, b"null", dtype=object)
        if has_org.any():
            picked = _below(unit(W_ORG_INDEX)[has_org], p.organization_pool)
            orgs[has_org] = _ORG.objects(len(picked), self._orgs.rows(picked))

        stamps = np.stack((last_active, expire, abandon, updated, created), axis=1)
        layout = _STAMPS[quoted]
        if int(stamps.min()) >= _TS_LOW and int(stamps.max()) < _TS_HIGH:
            digits = _digits(stamps)
            last = layout.last.pieces(n, digits[:, 0])
            times = layout.times.pieces(n, *(digits[:, i] for i in range(1, 5)))
        else:  # outside 2001-09-09..2286-11-20: not a valid session, but valid JSON
            last = [layout.last_format % t for t in last_active.tolist()]
            times = [layout.times_format % tuple(t) for t in stamps[:, 1:].tolist()]

        lag = ACTIVITY_ID_LAG_S[0] + _below(
            unit(W_ACTIVITY_LAG), ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1
        )
        activity: Objects = _ACTIVITY_HEAD.objects(
            n, ids.ksuid_chars(_ksuid_seconds(created_s - lag), entropy(W_ACTIVITY_ID))
        )
        activity[~has_activity] = b"null"
        device = np.where(
            has_activity, self._devices.index(unit(W_DEVICE)), len(self._device_pieces) - 1
        )
        ipv6 = has_activity & (unit(W_IPV6) < p.activity_ipv6_rate)
        places = self._places
        v4 = len(places.ipv4)
        ip_index = np.where(has_activity & ~ipv6, _below(unit(W_IP), v4), v4)
        ips = self._ipv4_pieces[ip_index]
        city = np.where(has_activity, places.ipv4_place[np.minimum(ip_index, v4 - 1)], len(places))
        v6_words = words[ipv6, W_IP]
        v6_keys = (v6_words & np.uint64(0xFFFF_FFFF)).astype(np.int64)
        city[ipv6] = places.ipv6_place(v6_keys)
        for i, k, w in zip(
            np.flatnonzero(ipv6).tolist(), v6_keys.tolist(), v6_words.tolist(), strict=True
        ):
            host = (w >> 32) & 0xFFFF or 1
            if k & 0xFFFF:  # the fast spelling is the canonical one (RFC 5952)
                ips[i] = b',"ip_address":"2001:db8:%x:%x::%x"' % (k >> 16, k & 0xFFFF, host)
            else:
                ips[i] = b',"ip_address":' + _json(places.ipv6_address(k, host))

        columns = (
            head,
            actors.tolist(),
            statuses.tolist(),
            orgs.tolist(),
            last,
            activity.tolist(),
            self._device_pieces[device].tolist(),
            ips.tolist(),
            self._city_pieces[city].tolist(),
            times,
            self._tail(end)[tasks].tolist(),
        )
        flat: list[Any] = [None] * (_PIECES * n)
        for k, column in enumerate(columns):
            flat[k::_PIECES] = column
        return flat

    def _actors(self, words: Words, created_s: Ints) -> list[bytes]:
        """The actor objects of the sessions that have one (about one in a hundred)."""
        p = self.profile

        def unit(w: int) -> Floats:
            return (words[:, w] >> np.uint64(11)).astype(np.float64) * _INV_2_53

        kinds = self._actor_kinds.index(unit(W_ACTOR_KIND)).tolist()
        staff = _below(unit(W_STAFF), p.actor_impersonators).tolist()
        sid_s = _ksuid_seconds(created_s - 1 - _below(unit(W_SID_LAG), 3600))
        raw = np.ascontiguousarray(words[:, W_ACTOR_SID : W_ACTOR_SID + _ID_WORDS]).astype("<u8")
        chars = ids.ksuid_chars(sid_s, raw.view("<u2")[:, : ids.ENTROPY_WORDS])
        sids = chars.view(f"S{ids.KSUID_LENGTH}").reshape(-1).tolist()
        out = []
        for kind_index, member, sid in zip(kinds, staff, sids, strict=True):
            kind = self._actor_kinds.values[kind_index]
            sub = self._staff.get(member)
            if sub is None:
                sub = self._staff[member] = self.impersonator_id(member)
            if kind == "dashboard":
                actor = {"iss": DASHBOARD_ISSUER, "sid": _SESS + sid.decode(), "sub": sub}
            elif kind == "agent":
                actor = {"sub": sub, "type": "agent"}
            else:
                actor = {"sub": sub}
            out.append(_json(actor))
        return out

    def _tail(self, end: bytes) -> Objects:
        """``"tasks"``'s value, the closing brace and ``end``, for each task list."""
        tails = self._tails.get(end)
        if tails is None:
            values = [_json([{"key": k} for k in keys]) for keys in self._task_lists]
            tails = self._tails[end] = np.array(
                [v + b"}" + end for v in [*values, b"null"]], dtype=object
            )
        return tails

    def _task_combinations(self) -> tuple[list[tuple[str, ...]], list[float]]:
        """Every ordered task list a pending session can have, and its
        probability: 1 to ``tasks.max`` tasks, equally likely, each drawn by
        weight from the kinds not drawn yet."""
        p = self.profile
        weights = {k: w for k, w in p.tasks_weights.items() if w > 0}
        lists: list[tuple[str, ...]] = []
        probs: list[float] = []
        for n in range(1, p.tasks_max + 1):
            for keys in itertools.permutations(weights, n):
                prob = 1.0 / p.tasks_max
                left = sum(weights.values())
                for k in keys:
                    prob *= weights[k] / left
                    left -= weights[k]
                if prob > 0:
                    lists.append(keys)
                    probs.append(prob)
        if not lists:  # no pending sessions can be drawn: one unused entry
            lists.append((TASK_KEYS[0],))
            probs.append(1.0)
        return lists, probs

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


def _shares(weights: Mapping[Any, float]) -> dict[Any, float]:
    """The weights with a share above zero, scaled to sum to 1."""
    total = sum(w for w in weights.values() if w > 0)
    return {k: w / total for k, w in weights.items() if w > 0} if total > 0 else {}


def block_state(seed: str, b: int) -> tuple[int, int]:
    """The PCG64 (state, increment) that block ``b`` of seed ``seed`` starts from.

    >>> block_state("1", 0)[1] % 2
    1
    """
    h = hashlib.blake2b(f"{seed}/{b}".encode(), digest_size=32).digest()
    return int.from_bytes(h[:16], "big"), int.from_bytes(h[16:], "big") | 1


def _ksuid_seconds(unix_seconds: Ints) -> Ints:
    """KSUID seconds for Unix seconds, held to the KSUID era (outside it, as
    for a reference time before 2014, the session breaks the timestamp
    rules anyway; its ids stay well-formed)."""
    return np.clip(unix_seconds - ids.KSUID_EPOCH, 0, ids.MAX_TIMESTAMP)


def _check_range(start: int, count: int | None) -> None:
    if start < 0:
        raise ValueError(f"start must be >= 0 ({start})")
    if count is not None and count < 0:
        raise ValueError(f"count must be >= 0 ({count})")


def _batches(start: int, count: int | None) -> Iterator[tuple[int, int]]:
    """``(first, n)`` pieces of the range, cut at multiples of :data:`BATCH`."""
    k = start
    stop = None if count is None else start + count
    while stop is None or k < stop:
        end = (k // BATCH + 1) * BATCH
        if stop is not None:
            end = min(end, stop)
        yield k, end - k
        k = end


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
