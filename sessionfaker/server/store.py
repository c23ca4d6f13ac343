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

import bisect
import ctypes
import mmap
import os
import shutil
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..rules import STATUSES
from .columns import Columns, Texts, columns, whole_lines

Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]


@dataclass
class Coded:
    """Values as numbers: ``distinct[codes[i]]`` is value ``i``."""

    codes: Codes
    distinct: Texts

    @classmethod
    def of(cls, values: Texts) -> Coded:
        words = _words(values)
        hashes = _hash_words(words)
        by_hash = np.argsort(hashes)  # not stable: any of equal values may stand for them
        sorted_hashes = hashes[by_hash]
        new = np.empty(len(values), dtype=np.bool_)
        new[:1] = True
        np.not_equal(sorted_hashes[1:], sorted_hashes[:-1], out=new[1:])
        inverse = np.empty(len(values), dtype=np.int32)
        inverse[by_hash] = np.cumsum(new, dtype=np.int32) - 1
        if not _equal_runs(words, by_hash, new):  # two values share a 64-bit hash
            distinct, codes = np.unique(values, return_inverse=True)
            return cls(codes.reshape(-1).astype(np.int32), distinct)
        return cls(inverse, values[by_hash[new]])

    @staticmethod
    def join(parts: list[Coded]) -> tuple[Codes, dict[bytes, int]]:
        """The parts' values numbered together, and the numbers."""
        if not parts:
            return np.zeros(0, np.int32), {}
        width = max(p.distinct.dtype.itemsize for p in parts)
        whole = Coded.of(np.concatenate([p.distinct.astype(f"S{width}") for p in parts]))
        codes, first = [], 0
        for part in parts:
            mapping = whole.codes[first : first + len(part.distinct)]
            codes.append(mapping[part.codes])
            first += len(part.distinct)
        index = dict(zip(whole.distinct.tolist(), range(len(whole.distinct)), strict=True))
        return np.concatenate(codes), index


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


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps about a
    third of the build's peak otherwise; no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc, or no C library by that name
        return
    trim(0)


def _equal_runs(words: npt.NDArray[np.uint64], order: Ints, new: npt.NDArray[np.bool_]) -> bool:
    """Whether the rows of ``words`` taken in ``order`` are equal within each
    run (a run starts where ``new`` is true); in blocks, as fresh memory for
    whole copies costs more here than the comparisons."""
    step = 1 << 16
    for at in range(0, len(order), step):
        rows = words[order[max(at - 1, 0) : at + step]]
        same = ~new[max(at, 1) : at + step]
        if not (rows[1:][same] == rows[:-1][same]).all():
            return False
    return True


def _grouped(codes: Codes, count: int, order: Codes, ranks: Ints) -> tuple[Codes, Ints]:
    """Ranks grouped by code (each group ascending) and each group's bounds;
    ``ranks`` is ``arange(n)``."""
    by_rank = codes[order]
    # One sort of (code, rank) packed in 64 bits: several times faster than
    # a stable argsort of the codes.
    bits = _bits(len(codes))
    keys = (by_rank.astype(np.int64) << bits) | ranks
    keys.sort()
    grouped = (keys & ((1 << bits) - 1)).astype(np.int32)
    bounds = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(by_rank, minlength=count), out=bounds[1:])
    return grouped, bounds


def _bits(n: int) -> int:
    """Bits that hold every index below ``n``."""
    return max(n - 1, 1).bit_length()


def _newest_first(created: Ints, ks: Ints) -> Codes:
    """Indexes by ``created`` descending, then index ascending (``ks``: ``arange(n)``)."""
    n = len(created)
    if not n:
        return np.zeros(0, dtype=np.int32)
    newest, bits = int(created.max()), _bits(n)
    if ((newest - int(created.min())) >> (62 - bits)) == 0:  # (age, index) fits 63 bits
        keys = ((newest - created) << bits) | ks
        keys.sort()
        return (keys & ((1 << bits) - 1)).astype(np.int32)
    return np.argsort(-created, kind="stable").astype(np.int32)


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
    # Where session k's text is: its part's file, its offset there, its
    # length without the newline.
    _parts: Codes = field(repr=False)
    _starts: Ints = field(repr=False)
    _lengths: Codes = field(repr=False)
    _maps: list[mmap.mmap | bytes] = field(repr=False)  # each part's file
    _keyed: npt.NDArray[np.uint64] = field(repr=False)  # see _join
    _bits: int = field(repr=False)

    def __post_init__(self) -> None:
        # Memoryviews read one item as a Python int several times faster than
        # numpy's scalar indexing: the per-request lookups use them.
        self._views = (self._parts.data, self._starts.data, self._lengths.data)
        self._keyed_view = self._keyed.data
        self._id_bytes = self.ids.view(np.uint8).data if self.n else memoryview(b"")

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
            store = cls._join(parts, maps)
        except BaseException:
            for m in maps:
                if isinstance(m, mmap.mmap):
                    m.close()
            raise
        return store

    @classmethod
    def _join(cls, parts: list[Part], maps: list[mmap.mmap | bytes]) -> Store:
        c = Columns.join([p.columns for p in parts])
        n = len(c.lengths)
        lengths = (c.lengths - 1).astype(np.int32)
        places = np.empty(n, dtype=np.int32)
        starts = np.empty(n, dtype=np.int64)
        first = 0
        for i, p in enumerate(parts):
            m = len(p.columns.lengths)
            places[first : first + m] = i
            if m:
                starts[first] = 0
                np.cumsum(p.columns.lengths[:-1], out=starts[first + 1 : first + m])
            first += m
        ks = np.arange(n, dtype=np.int64)
        order = _newest_first(c.created, ks)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = ks
        user_code, users = Coded.join([p.users for p in parts])
        client_code, clients = Coded.join([p.clients for p in parts])
        user_ranks, user_bounds = _grouped(user_code, len(users), order, ks)
        by = user_code * np.int32(len(STATUSES)) + c.status  # < 2**31 below 300M users
        user_status_ranks, user_status_bounds = _grouped(by, len(users) * len(STATUSES), order, ks)
        client_ranks, client_bounds = _grouped(client_code, len(clients), order, ks)
        # Each id's hash with its low bits replaced by its index, sorted:
        # one array finds an id (see find).
        bits = _bits(n)
        keyed = (_hash(c.ids) >> np.uint64(bits) << np.uint64(bits)) | ks.view(np.uint64)
        keyed.sort()
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
            _parts=places,
            _starts=starts,
            _lengths=lengths,
            _maps=maps,
            _keyed=keyed,
            _bits=bits,
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
        width = self.ids.dtype.itemsize
        if len(key) > width or key.endswith(b"\0"):
            return None
        bits = self._bits
        high = _hash_one(key, width) >> bits << bits
        keyed = self._keyed_view
        at = bisect.bisect_left(keyed, high)
        low = (1 << bits) - 1
        key = key.ljust(width, b"\0")
        while at < self.n:
            entry = keyed[at]
            if entry & ~low != high:
                return None
            k = entry & low
            if self._id_bytes[k * width : (k + 1) * width] == key:
                return k
            at += 1
        return None

    def body(self, k: int) -> bytes:
        """The JSON text of session ``k``, without its newline."""
        parts, starts, lengths = self._views
        at = starts[k]
        return self._maps[parts[k]][at : at + lengths[k]]

    def bodies(self, ks: list[int] | Codes) -> list[bytes]:
        """The JSON texts of sessions ``ks``, without their newlines."""
        maps = self._maps
        parts, starts, lengths = self._views
        keys = ks.tolist() if isinstance(ks, np.ndarray) else ks
        return [maps[parts[k]][starts[k] : starts[k] + lengths[k]] for k in keys]

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
    h = 0x9E3779B97F4A7C15
    for word in struct.unpack(f"<{width // 8}Q", key.ljust(width, b"\0")):
        h = ((h ^ word) * _MIX) & _MASK
        h ^= h >> 29
    return h


def _words(ids: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """Each id as 64-bit words (null-padded), one row each."""
    width = -(-max(ids.dtype.itemsize, 1) // 8) * 8
    padded = ids if ids.dtype.itemsize == width else ids.astype(f"S{width}")
    words: npt.NDArray[np.uint64] = (
        np.ascontiguousarray(padded).view("<u8").reshape(len(ids), width // 8)
    )
    return words


def _hash_words(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    h = np.full(len(words), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= np.uint64(_MIX)
            h ^= h >> np.uint64(29)
    return h


def _hash(ids: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each id (for lookup; equal ids always hash equal)."""
    return _hash_words(_words(ids))
