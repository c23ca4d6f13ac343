"""Sessions held compactly: a few numpy columns in memory, the JSON on disk.

A :class:`Store` is built once from NDJSON text (what
:meth:`~sessionfaker.generator.Generator.ndjson` writes, or a seeded table
written back out) and never changes. Each session's exact bytes go to an
unlinked temporary file and are read back with one ``pread``; memory holds
only what finding sessions needs: each session's id, its user, client,
status and ``created_at``, and the orders that list them newest first.
That is about 120 bytes a session, against about 630 for the JSON and
several kilobytes for a dict.

Reading the columns back out of the text would cost a JSON parse per
session; instead the lines are checked to have Clerk's field order (a
fixed-width head and, when ``tasks`` is null, a fixed-width tail) and the
values are cut out of all lines at once with numpy. Lines that do not have
that shape (about one in thirty: an actor, or tasks) are parsed.

>>> import sessionfaker
>>> from sessionfaker.generator import Generator
>>> g = Generator(sessionfaker.load_profile(now="2026-11-01T00:00:00Z"), seed=1)
>>> store = Store.build(g.ndjson(0, 100))
>>> store.body(store.find(next(g.generate(5, 1))["id"])) == next(g.ndjson(5, 1))[:-1]
True
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from ..rules import STATUSES

Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]

_ID_W, _USER_W, _CLIENT_W, _TS_W = 32, 32, 34, 13
_STATUS_W = max(len(s) for s in STATUSES) + 1
# A session line whose actor is null starts with these pieces (widths are
# the values between them), and one whose tasks are null ends with these.
_HEAD = (
    b'{"object":"session","id":"', _ID_W, b'","user_id":"', _USER_W,
    b'","client_id":"', _CLIENT_W, b'","actor":null,"status":"', _STATUS_W,
)  # fmt: skip
_TAIL = (b',"created_at":', _TS_W, b',"tasks":null}')
_POW10 = 10 ** np.arange(_TS_W - 1, -1, -1, dtype=np.int64)
_STATUS_PATTERNS = [np.frombuffer(s.encode() + b'"', np.uint8) for s in STATUSES]


class _Shape:
    """Literal bytes at fixed places, with slots between them."""

    def __init__(self, parts: tuple[bytes | int, ...]) -> None:
        literal: list[int] = []
        self.slots: list[slice] = []
        at = 0
        for part in parts:
            if isinstance(part, int):
                self.slots.append(slice(at, at + part))
                at += part
            else:
                literal.extend(range(at, at + len(part)))
                at += len(part)
        self.width = at
        self.literal = np.array(literal, dtype=np.int64)
        text = b"".join(p if isinstance(p, bytes) else b"\0" * p for p in parts)
        self.expected = np.frombuffer(text, np.uint8)[self.literal]

    def window(self, buf: npt.NDArray[np.uint8], at: Ints) -> npt.NDArray[np.uint8]:
        rows: npt.NDArray[np.uint8] = buf[at[:, None] + np.arange(self.width)]
        return rows

    def matches(self, window: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
        ok: npt.NDArray[np.bool_] = (window[:, self.literal] == self.expected).all(axis=1)
        return ok


_HEAD_SHAPE = _Shape(_HEAD)
_TAIL_SHAPE = _Shape(_TAIL)


def _text(window: npt.NDArray[np.uint8], where: slice) -> npt.NDArray[np.bytes_]:
    """One slot of each row of a window, as a fixed-width bytes array."""
    part = np.ascontiguousarray(window[:, where])
    return part.view(f"S{part.shape[1]}").reshape(-1)


@dataclass
class _Chunk:
    """The columns of one piece of NDJSON text."""

    lengths: Ints
    ids: npt.NDArray[np.bytes_]
    users: Codes
    clients: Codes
    status: npt.NDArray[np.uint8]
    created: Ints


def _columns(text: bytes, users: _Codes, clients: _Codes) -> _Chunk:
    """The columns of the sessions in ``text`` (whole lines, each ending in a newline)."""
    buf = np.frombuffer(text, np.uint8)
    ends = np.flatnonzero(buf == 10)
    n = len(ends)
    starts = np.zeros(n, dtype=np.int64)
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    # Lines long enough for both shapes, read at once; the others are parsed.
    idx = np.flatnonzero(lengths >= _HEAD_SHAPE.width + _TAIL_SHAPE.width)
    head = _HEAD_SHAPE.window(buf, starts[idx])
    tail = _TAIL_SHAPE.window(buf, ends[idx] - _TAIL_SHAPE.width)
    ok = _HEAD_SHAPE.matches(head) & _TAIL_SHAPE.matches(tail)
    digits = tail[:, _TAIL_SHAPE.slots[0]].astype(np.int64) - 48
    ok &= ((digits >= 0) & (digits <= 9)).all(axis=1) & (digits[:, 0] > 0)
    window = head[:, _HEAD_SHAPE.slots[3]]
    code = np.full(len(idx), 255, dtype=np.uint8)
    for i, pattern in enumerate(_STATUS_PATTERNS):
        code[(window[:, : len(pattern)] == pattern).all(axis=1)] = i
    ok &= code != 255
    good, head = idx[ok], head[ok]
    status = np.zeros(n, dtype=np.uint8)
    status[good] = code[ok]
    created = np.zeros(n, dtype=np.int64)
    created[good] = digits[ok] @ _POW10
    ids = np.zeros(n, dtype=f"S{_ID_W}")
    ids[good] = _text(head, _HEAD_SHAPE.slots[0])
    user_codes = np.zeros(n, dtype=np.int32)
    user_codes[good] = users.encode(_text(head, _HEAD_SHAPE.slots[1]))
    client_codes = np.zeros(n, dtype=np.int32)
    client_codes[good] = clients.encode(_text(head, _HEAD_SHAPE.slots[2]))
    slow = np.ones(n, dtype=np.bool_)
    slow[good] = False
    for i in np.flatnonzero(slow).tolist():
        sid, user, client, status[i], created[i] = _parse(text[starts[i] : ends[i]])
        if len(sid) > ids.dtype.itemsize:
            ids = ids.astype(f"S{len(sid)}")
        ids[i] = sid
        user_codes[i] = users.one(user)
        client_codes[i] = clients.one(client)
    return _Chunk(lengths + 1, ids, user_codes, client_codes, status, created)


def _parse(line: bytes) -> tuple[bytes, bytes, bytes, int, int]:
    """The columns of one session the fast path could not read."""
    try:
        s = orjson.loads(line)
        return (
            str(s["id"]).encode(),
            str(s["user_id"]).encode(),
            str(s["client_id"]).encode(),
            STATUSES.index(s["status"]),
            int(s["created_at"]),
        )
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"not a session ({exc}): {line[:80]!r}") from None


class _Codes:
    """Distinct values numbered in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}

    def one(self, value: bytes) -> int:
        return self.index.setdefault(value, len(self.index))

    def encode(self, values: npt.NDArray[np.bytes_]) -> Codes:
        distinct, inverse = np.unique(values, return_inverse=True)
        index = self.index
        codes = np.array(
            [index.setdefault(v, len(index)) for v in distinct.tolist()], dtype=np.int32
        )
        return codes[inverse.reshape(-1)]


def _grouped(codes: Codes, count: int, order_rank: Codes) -> tuple[Codes, Ints]:
    """Ranks grouped by code (each group ascending) and each group's bounds."""
    by_rank = codes[order_rank]
    grouped = np.argsort(by_rank, kind="stable").astype(np.int32)
    bounds = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(by_rank, minlength=count), out=bounds[1:])
    return grouped, bounds


@dataclass
class Store:
    """Immutable sessions: bodies in a file, lookup columns in memory.

    A session is known by its index ``k`` (its line number in the input)
    and by its *rank*, its place in the list of every session newest first
    (``created_at`` descending, then index ascending).
    """

    n: int
    ids: npt.NDArray[np.bytes_]
    status: npt.NDArray[np.uint8]
    created: Ints
    offsets: Ints
    order: Codes  # rank -> k
    rank: Codes  # k -> rank
    users: dict[bytes, int]
    clients: dict[bytes, int]
    user_ranks: Codes
    user_bounds: Ints
    client_ranks: Codes
    client_bounds: Ints
    user_code: Codes
    client_code: Codes
    _file: Any = field(repr=False)
    _hash_sorted: npt.NDArray[np.uint64] = field(repr=False)
    _hash_k: Codes = field(repr=False)

    @classmethod
    def build(cls, chunks: Iterable[bytes]) -> Store:
        """A store of the sessions in NDJSON ``chunks`` (each whole lines)."""
        f = tempfile.TemporaryFile(prefix="sessionfaker-serve-")  # noqa: SIM115 - kept open by the store
        try:
            return cls._build(f, chunks)
        except BaseException:
            f.close()
            raise

    @classmethod
    def _build(cls, f: Any, chunks: Iterable[bytes]) -> Store:
        parts: list[_Chunk] = []
        users, clients = _Codes(), _Codes()
        for text in _whole_lines(chunks):
            f.write(text)
            parts.append(_columns(text, users, clients))
        f.flush()
        n = sum(len(p.lengths) for p in parts)
        offsets = np.zeros(n + 1, dtype=np.int64)
        if n:
            np.cumsum(np.concatenate([p.lengths for p in parts]), out=offsets[1:])
        ids = np.concatenate([p.ids for p in parts]) if parts else np.zeros(0, "S32")
        status = np.concatenate([p.status for p in parts]) if parts else np.zeros(0, np.uint8)
        created = np.concatenate([p.created for p in parts]) if parts else np.zeros(0, np.int64)
        user_code = np.concatenate([p.users for p in parts]) if parts else np.zeros(0, np.int32)
        client_code = np.concatenate([p.clients for p in parts]) if parts else np.zeros(0, np.int32)
        order = np.lexsort((np.arange(n), -created)).astype(np.int32)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        user_ranks, user_bounds = _grouped(user_code, len(users.index), order)
        client_ranks, client_bounds = _grouped(client_code, len(clients.index), order)
        hashes = _hash(ids)
        hash_k = np.argsort(hashes).astype(np.int32)
        return cls(
            n=n,
            ids=ids,
            status=status,
            created=created,
            offsets=offsets,
            order=order,
            rank=rank,
            users=users.index,
            clients=clients.index,
            user_ranks=user_ranks,
            user_bounds=user_bounds,
            client_ranks=client_ranks,
            client_bounds=client_bounds,
            user_code=user_code,
            client_code=client_code,
            _file=f,
            _hash_sorted=hashes[hash_k],
            _hash_k=hash_k,
        )

    def close(self) -> None:
        self._file.close()

    def find(self, session_id: str) -> int | None:
        """The index of the session with this id, or None."""
        key = session_id.encode()
        if len(key) > self.ids.dtype.itemsize or key.endswith(b"\0"):
            return None
        h = np.uint64(_hash_one(key, self.ids.dtype.itemsize))
        lo = int(np.searchsorted(self._hash_sorted, h, side="left"))
        hi = lo
        while hi < self.n and self._hash_sorted[hi] == h:
            k = int(self._hash_k[hi])
            if self.ids[k] == key:
                return k
            hi += 1
        return None

    def body(self, k: int) -> bytes:
        """The JSON text of session ``k``, without its newline."""
        start = int(self.offsets[k])
        return os.pread(self._file.fileno(), int(self.offsets[k + 1]) - start - 1, start)

    def user_slice(self, user_id: str) -> Codes:
        """The ranks of the user's sessions, ascending (newest first)."""
        code = self.users.get(user_id.encode())
        if code is None:
            return np.zeros(0, dtype=np.int32)
        return self.user_ranks[self.user_bounds[code] : self.user_bounds[code + 1]]

    def client_slice(self, client_id: str) -> Codes:
        """The ranks of the client's sessions, ascending (newest first)."""
        code = self.clients.get(client_id.encode())
        if code is None:
            return np.zeros(0, dtype=np.int32)
        return self.client_ranks[self.client_bounds[code] : self.client_bounds[code + 1]]


def _whole_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The text of ``chunks`` regrouped so that each piece ends at a newline."""
    rest = b""
    for chunk in chunks:
        text = rest + chunk if rest else chunk
        cut = text.rfind(b"\n") + 1
        rest = text[cut:]
        if cut:
            yield text[:cut]
    if rest.strip():
        yield rest + b"\n"


_MIX = 0xBF58476D1CE4E5B9
_MASK = 2**64 - 1


def _hash_one(key: bytes, itemsize: int) -> int:
    """:func:`_hash` of one id in an array of ``S{itemsize}``, without numpy's per-call cost."""
    width = -(-max(itemsize, 1) // 8) * 8
    key = key.ljust(width, b"\0")
    h = 0x9E3779B97F4A7C15
    for j in range(0, width, 8):
        h ^= int.from_bytes(key[j : j + 8], "little")
        h = (h * _MIX) & _MASK
        h ^= h >> 29
    return h


def _hash(ids: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each id (for lookup; equal ids always hash equal)."""
    width = -(-max(ids.dtype.itemsize, 1) // 8) * 8
    words = np.ascontiguousarray(ids.astype(f"S{width}")).view("<u8").reshape(len(ids), -1)
    h = np.full(len(ids), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= np.uint64(_MIX)
            h ^= h >> np.uint64(29)
    return h
