"""Sessions held compactly: a few numpy columns in memory, the JSON on disk.

A :class:`Store` is built once from NDJSON text (what
:meth:`~sessionfaker.generator.Generator.ndjson` writes, or a seeded table
written back out) and never changes. Each session's exact bytes go to an
unlinked temporary file, mapped read-only and sliced out of the map (no
system call per session, unlike ``pread``: a list page reads ten); the
process's own memory holds only what finding sessions needs: each
session's id, its user, client, status and ``created_at``, and the orders
that list them newest first. That is about 120 bytes a session, against
about 630 for the JSON and several kilobytes for a dict. (The pages of the
map that requests touched show in the process's RSS as file pages, the
page cache the kernel would hold for ``pread`` too, and may drop under
memory pressure.) Large runs are read in parts, by several processes at
once (see :func:`build_parts`).

>>> import sessionfaker
>>> from sessionfaker.generator import Generator
>>> g = Generator(sessionfaker.load_profile(now="2026-11-01T00:00:00Z"), seed=1)
>>> store = Store.build(g.ndjson(0, 100))
>>> store.body(store.find(next(g.generate(5, 1))["id"])) == next(g.ndjson(5, 1))[:-1]
True
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..rules import STATUSES
from .columns import Columns, Texts, columns, whole_lines

Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]
# Where a session's text is: its part's file, its offset there, its length
# without the newline; one row a session, so a page's rows are one lookup.
PLACE = np.dtype([("part", "<i4"), ("length", "<i4"), ("start", "<i8")])


@dataclass
class Coded:
    """Values as numbers: ``distinct[codes[i]]`` is value ``i``."""

    codes: Codes
    distinct: list[bytes]

    @classmethod
    def of(cls, values: Texts) -> Coded:
        hashes = _hash(values)
        first, inverse = np.unique(hashes, return_index=True, return_inverse=True)[1:]
        distinct = values[first]
        if not (distinct[inverse] == values).all():  # two values share a 64-bit hash
            distinct, inverse = np.unique(values, return_inverse=True)
        return cls(inverse.reshape(-1).astype(np.int32), distinct.tolist())

    @staticmethod
    def join(parts: list[Coded]) -> tuple[Codes, dict[bytes, int]]:
        """The parts' values numbered together, and the numbers."""
        index: dict[bytes, int] = {}
        codes = []
        for part in parts:
            mapping = np.array(
                [index.setdefault(v, len(index)) for v in part.distinct], dtype=np.int32
            )
            codes.append(mapping[part.codes] if len(part.codes) else part.codes)
        return (np.concatenate(codes) if codes else np.zeros(0, np.int32)), index


@dataclass
class Part:
    """A run of sessions written to a file, and their columns."""

    path: str
    columns: Columns  # without users and clients, which are coded
    users: Coded
    clients: Coded


def write_part(chunks: Iterable[bytes], directory: str) -> Part:
    """Write the sessions of NDJSON ``chunks`` to a new file in ``directory``
    and read their columns (what a worker process does for its share)."""
    parts = []
    fd, path = tempfile.mkstemp(prefix="part-", dir=directory)
    with os.fdopen(fd, "wb") as f:
        for text in whole_lines(chunks):
            f.write(text)
            parts.append(columns(text))
    c = Columns.join(parts)
    users, clients = Coded.of(c.users), Coded.of(c.clients)
    c.users = c.clients = np.zeros(0, dtype="S1")
    return Part(path, c, users, clients)


def _grouped(codes: Codes, count: int, order_rank: Codes) -> tuple[Codes, Ints]:
    """Ranks grouped by code (each group ascending) and each group's bounds."""
    by_rank = codes[order_rank]
    grouped = np.argsort(by_rank, kind="stable").astype(np.int32)
    bounds = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(by_rank, minlength=count), out=bounds[1:])
    return grouped, bounds


@dataclass
class Store:
    """Immutable sessions: bodies in files, lookup columns in memory.

    A session is known by its index ``k`` (its line number in the input)
    and by its *rank*, its place in the list of every session newest first
    (``created_at`` descending, then index ascending).
    """

    n: int
    ids: Texts
    status: npt.NDArray[np.uint8]
    created: Ints
    order: Codes  # rank -> k
    rank: Codes  # k -> rank
    users: dict[bytes, int]
    clients: dict[bytes, int]
    user_code: Codes
    client_code: Codes
    user_ranks: Codes
    user_bounds: Ints
    user_status_ranks: Codes  # grouped by (user, status)
    user_status_bounds: Ints
    client_ranks: Codes
    client_bounds: Ints
    _places: npt.NDArray[np.void] = field(repr=False)  # k -> PLACE
    _maps: list[mmap.mmap | bytes] = field(repr=False)  # each part's file
    _hash_sorted: npt.NDArray[np.uint64] = field(repr=False)
    _hash_k: Codes = field(repr=False)

    @classmethod
    def build(cls, chunks: Iterable[bytes]) -> Store:
        """A store of the sessions in NDJSON ``chunks`` (each whole lines)."""
        directory = tempfile.mkdtemp(prefix="sessionfaker-serve-")
        try:
            return cls.from_parts([write_part(chunks, directory)])
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @classmethod
    def from_parts(cls, parts: list[Part]) -> Store:
        """A store of ``parts``, in order; their files are mapped and unlinked
        (the store keeps the maps until :meth:`close`)."""
        maps: list[mmap.mmap | bytes] = []
        try:
            for part in parts:
                with open(part.path, "rb") as f:
                    size = os.fstat(f.fileno()).st_size
                    maps.append(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b"")
                os.unlink(part.path)
            return cls._join(parts, maps)
        except BaseException:
            for m in maps:
                if isinstance(m, mmap.mmap):
                    m.close()
            raise

    @classmethod
    def _join(cls, parts: list[Part], maps: list[mmap.mmap | bytes]) -> Store:
        c = Columns.join([p.columns for p in parts])
        n = len(c.lengths)
        places = np.empty(n, dtype=PLACE)
        places["length"] = c.lengths - 1
        starts = places["start"]
        first = 0
        for i, p in enumerate(parts):
            m = len(p.columns.lengths)
            places["part"][first : first + m] = i
            if m:
                starts[first] = 0
                np.cumsum(p.columns.lengths[:-1], out=starts[first + 1 : first + m])
            first += m
        order = np.argsort(-c.created, kind="stable").astype(np.int32)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        user_code, users = Coded.join([p.users for p in parts])
        client_code, clients = Coded.join([p.clients for p in parts])
        user_ranks, user_bounds = _grouped(user_code, len(users), order)
        by = user_code * np.int32(len(STATUSES)) + c.status
        user_status_ranks, user_status_bounds = _grouped(by, len(users) * len(STATUSES), order)
        client_ranks, client_bounds = _grouped(client_code, len(clients), order)
        hashes = _hash(c.ids)
        hash_k = np.argsort(hashes).astype(np.int32)
        return cls(
            n=n,
            ids=c.ids,
            status=c.status,
            created=c.created,
            order=order,
            rank=rank,
            users=users,
            clients=clients,
            user_code=user_code,
            client_code=client_code,
            user_ranks=user_ranks,
            user_bounds=user_bounds,
            user_status_ranks=user_status_ranks,
            user_status_bounds=user_status_bounds,
            client_ranks=client_ranks,
            client_bounds=client_bounds,
            _places=places,
            _maps=maps,
            _hash_sorted=hashes[hash_k],
            _hash_k=hash_k,
        )

    def close(self) -> None:
        """Unmap the files (the store cannot read bodies afterwards)."""
        maps, self._maps = self._maps, []
        for m in maps:
            if isinstance(m, mmap.mmap):
                m.close()

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
        return self.bodies([k])[0]

    def bodies(self, ks: list[int] | Codes) -> list[bytes]:
        """The JSON texts of sessions ``ks``, without their newlines."""
        maps = self._maps
        return [maps[part][at : at + n] for part, n, at in self._places[ks].tolist()]

    def user_slice(self, user_id: str) -> Codes:
        """The ranks of the user's sessions, ascending (newest first)."""
        code = self.users.get(user_id.encode())
        if code is None:
            return np.zeros(0, dtype=np.int32)
        return self.user_ranks[self.user_bounds[code] : self.user_bounds[code + 1]]

    def user_status_slice(self, user_id: str, status: int) -> Codes:
        """The ranks of the user's sessions stored with status number ``status``."""
        code = self.users.get(user_id.encode())
        if code is None:
            return np.zeros(0, dtype=np.int32)
        at = code * len(STATUSES) + status
        return self.user_status_ranks[self.user_status_bounds[at] : self.user_status_bounds[at + 1]]

    def client_slice(self, client_id: str) -> Codes:
        """The ranks of the client's sessions, ascending (newest first)."""
        code = self.clients.get(client_id.encode())
        if code is None:
            return np.zeros(0, dtype=np.int32)
        return self.client_ranks[self.client_bounds[code] : self.client_bounds[code + 1]]


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
    words = np.ascontiguousarray(ids.astype(f"S{width}")).view("<u8").reshape(len(ids), width // 8)
    h = np.full(len(ids), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= np.uint64(_MIX)
            h ^= h >> np.uint64(29)
    return h
