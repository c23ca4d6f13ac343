"""Reading the columns a store keeps out of NDJSON session lines, fast.

A JSON parse per session would cost more than generating it. Instead the
lines are checked to have Clerk's field order (a fixed-width head when the
actor is null and a fixed-width tail when tasks are null) and the values
are cut out of all lines at once with numpy; the lines without that shape
(about one in thirty: an actor, or tasks) are parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson
from numpy.lib.stride_tricks import sliding_window_view

from ..rules import STATUSES

Ints = npt.NDArray[np.int64]
Texts = npt.NDArray[np.bytes_]

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


def _status_words(status: bytes) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The mask and value, as two 64-bit words, of a status and its closing quote."""
    text = (status + b'"').ljust(16, b"\0")
    mask = (b"\xff" * (len(status) + 1)).ljust(16, b"\0")
    return np.frombuffer(mask, "<u8"), np.frombuffer(text, "<u8")


_STATUS_WORDS = [_status_words(s.encode()) for s in STATUSES]


class _Shape:
    """Literal bytes at fixed places, with slots between them; padded to a
    multiple of 8 bytes (at the front with ``pad_front``) so that a row's
    literal bytes are checked as a few masked 64-bit words."""

    def __init__(self, parts: tuple[bytes | int, ...], *, pad_front: bool = False) -> None:
        width = sum(p if isinstance(p, int) else len(p) for p in parts)
        pad = b"\0" * (-width % 8)
        parts = (pad, *parts) if pad_front else (*parts, pad)
        self.slots: list[slice] = []
        text, mask, at = b"", b"", 0
        for part in parts:
            size = part if isinstance(part, int) else len(part)
            if isinstance(part, int):
                self.slots.append(slice(at, at + part))
                text, mask = text + b"\0" * part, mask + b"\0" * part
            else:
                known = b"\0" if part is pad else b"\xff"
                text, mask = text + part, mask + known * len(part)
            at += size
        self.width = at
        self.mask = np.frombuffer(mask, "<u8")
        self.expected = np.frombuffer(text, "<u8") & self.mask

    def window(self, buf: npt.NDArray[np.uint8], at: Ints) -> npt.NDArray[np.uint8]:
        """The ``width`` bytes at each of ``at`` (all within ``buf``), one row each."""
        if not len(at):
            return np.zeros((0, self.width), dtype=np.uint8)
        # Rows of a sliding view: one copy per row, no index array.
        rows: npt.NDArray[np.uint8] = sliding_window_view(buf, self.width)[at]
        return rows

    def matches(self, window: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
        words = window.view("<u8")
        ok: npt.NDArray[np.bool_] = ((words & self.mask) == self.expected).all(axis=1)
        return ok


_HEAD_SHAPE = _Shape(_HEAD)
_TAIL_SHAPE = _Shape(_TAIL, pad_front=True)


def _text(window: npt.NDArray[np.uint8], where: slice) -> npt.NDArray[np.bytes_]:
    """One slot of each row of a window, as a fixed-width bytes array."""
    part = np.ascontiguousarray(window[:, where])
    return part.view(f"S{part.shape[1]}").reshape(-1)


@dataclass
class Columns:
    """What a store keeps of each session of a run of NDJSON lines."""

    lengths: Ints  # of each line, newline included
    ids: Texts
    users: Texts
    clients: Texts
    status: npt.NDArray[np.uint8]
    created: Ints

    @classmethod
    def join(cls, parts: list[Columns]) -> Columns:
        if not parts:
            empty = np.zeros(0, dtype="S1")
            return cls(
                np.zeros(0, np.int64),
                empty,
                empty,
                empty,
                np.zeros(0, np.uint8),
                np.zeros(0, np.int64),
            )
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("lengths", "ids", "users", "clients", "status", "created")


def columns(text: bytes) -> Columns:
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
    window = np.zeros((len(idx), 16), dtype=np.uint8)
    window[:, :_STATUS_W] = head[:, _HEAD_SHAPE.slots[3]]
    first, second = window.view("<u8").T
    code = np.full(len(idx), 255, dtype=np.uint8)
    for i, (mask, want) in enumerate(_STATUS_WORDS):
        code[((first & mask[0]) == want[0]) & ((second & mask[1]) == want[1])] = i
    ok &= code != 255
    good, head = idx[ok], head[ok]
    status = np.zeros(n, dtype=np.uint8)
    status[good] = code[ok]
    created = np.zeros(n, dtype=np.int64)
    created[good] = digits[ok] @ _POW10
    texts = []
    for slot, width in zip(_HEAD_SHAPE.slots[:3], (_ID_W, _USER_W, _CLIENT_W), strict=True):
        column = np.zeros(n, dtype=f"S{width}")
        column[good] = _text(head, slot)
        texts.append(column)
    slow = np.ones(n, dtype=np.bool_)
    slow[good] = False
    for i in np.flatnonzero(slow).tolist():
        sid, user, client, status[i], created[i] = _parse(text[starts[i] : ends[i]])
        for j, value in enumerate((sid, user, client)):
            if len(value) > texts[j].dtype.itemsize:
                texts[j] = texts[j].astype(f"S{len(value)}")
            texts[j][i] = value
    ids, users, clients = texts
    return Columns(lengths + 1, ids, users, clients, status, created)


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


# Text handed to columns() at once: large enough that numpy's per-call
# cost vanishes (about 1,600 sessions).
PIECE = 1 << 20


def whole_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The text of ``chunks`` regrouped into pieces of about :data:`PIECE`
    bytes or more, each ending at a newline."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size >= PIECE:
            text = b"".join(held)
            cut = text.rfind(b"\n") + 1
            if cut:
                yield text[:cut]
                held, size = [text[cut:]], len(text) - cut
    text = b"".join(held)
    if text.strip():
        yield text if text.endswith(b"\n") else text + b"\n"
