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
import random
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from . import ids
from .columns import WORDS, Engine
from .encode import Encoder
from .plan import compile_plan
from .profile import Profile
from .schema import Field, Structure, int64_as_strings, load_structure

Words = npt.NDArray[np.uint64]

BLOCK = 256
# Sessions computed together: large enough that numpy's per-call cost
# vanishes, small enough that temporaries stay under glibc's mmap threshold
# (fresh pages cost more than the arithmetic).
BATCH = 2048
# Sessions per bytes object that ndjson() yields.
CHUNK = 64


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
        self.profile = profile
        self.plan = compile_plan(profile)
        self.seed = str(seed)
        # The plan's fingerprint is part of the stream: two profiles, or two
        # overrides of one, never share ids at the same seed.
        self.stream = f"{self.seed}/{self.plan.fingerprint}"
        key = int.from_bytes(hashlib.blake2b(self.stream.encode(), digest_size=8).digest())
        self.structure = structure or load_structure()
        self.now = profile.time_now
        self._engine = Engine(self.plan, key)
        self._encoder = Encoder(self.plan, self.structure, key, self.seed)
        self._fast = self._encoder.known
        self._bits = np.random.PCG64(0)
        self._lock = threading.Lock()

    def impersonator_id(self, index: int) -> str:
        """The user id of staff member ``index``, who impersonates users."""
        return self._encoder.impersonator_id(index)

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
        rng = random.Random(f"{self.stream}/{b}/extra")
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
        for first, n in _batches(start, count):
            flat = self._pieces(first, n, b"\n", int64_as_string)
            step = chunk * (len(flat) // n)
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
        per = len(flat) // n
        out: list[dict[str, Any]] = []
        step = 128 * per  # parse 128 at a time: small buffers are reused
        for i in range(0, len(flat), step):
            body = b"".join(flat[i : i + step])
            out.extend(orjson.loads(b"[" + body[:-1] + b"]"))
        return out

    def _words(self, first: int, n: int) -> Words:
        """The random words of sessions ``first`` to ``first + n - 1``, one row each."""
        b0, b1 = first // BLOCK, (first + n - 1) // BLOCK
        parts = []
        for b in range(b0, b1 + 1):
            state, inc = block_state(self.stream, b)
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
        session by session, each session's text followed by ``end``
        (timestamps as strings when ``quoted``)."""
        words = self._words(first, n)
        columns = self._engine.columns(words, first)
        known = self._encoder if self._fast else self._known_encoder
        cols = list(known.pieces(columns, words, end, quoted))
        flat: list[Any] = [None] * (len(cols) * n)
        for k, column in enumerate(cols):
            flat[k :: len(cols)] = column
        return flat

    @property
    def _known_encoder(self) -> Encoder:
        enc = getattr(self, "_known", None)
        if enc is None:
            enc = self._known = Encoder(self.plan, load_structure(), 0, self.seed)
            enc.key = self._encoder.key
        return enc

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


def block_state(seed: str, b: int) -> tuple[int, int]:
    """The PCG64 (state, increment) that block ``b`` of seed ``seed`` starts from.

    >>> block_state("1", 0)[1] % 2
    1
    """
    h = hashlib.blake2b(f"{seed}/{b}".encode(), digest_size=32).digest()
    return int.from_bytes(h[:16], "big"), int.from_bytes(h[16:], "big") | 1


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
