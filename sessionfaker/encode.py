"""JSON text of a batch of sessions, straight from their columns.

Each field of the structure has an encoder that gives its value as
segments: fixed-width rows filled in with numpy (ids, timestamps), entries
of a table of ready pieces (statuses, devices, places, task lists), or
pieces built one by one (the rare actors). :class:`Encoder` lays the fields
out in the structure's own order, merging keys and fixed-width values into
one row template, so a line is a few concatenated pieces and is exactly what
``orjson.dumps`` makes of the session dict. Fields it has no encoder for
send the generator to its general path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from . import ids
from .clients import ipv6_text, place_piece
from .columns import (
    W_ACTIVITY_ID,
    W_ACTOR_KIND,
    W_ACTOR_SID,
    W_SESSION_ID,
    W_SID_LAG,
    W_STAFF,
    Chars,
    Columns,
    Ints,
    Words,
)
from .plan import Plan, below, hashed, unit
from .population import ID_WORDS, entropy, hashed_entropy, ksuid_seconds
from .rules import ACTIVITY_OBJECT, DASHBOARD_ISSUER
from .schema import Structure

Objects = npt.NDArray[np.object_]

_TS_DIGITS = 13
_TS_LOW, _TS_HIGH = 10 ** (_TS_DIGITS - 1), 10**_TS_DIGITS
# Every 4-digit group "0000".."9999" as a little-endian uint32 of ASCII codes.
_GROUPS = np.frombuffer(b"".join(b"%04d" % i for i in range(10_000)), dtype="<u4")
_YEAR_S = 365 * 86_400
_ORG, _STAFF_TAG = 103, 104
# Organisation pools up to this size are a table of ready ids per population.
_ORG_TABLE = 1 << 16
_SESS = ids.PREFIXES["session"]


def digits(t: Ints) -> Chars:
    """The 13 ASCII digits of each timestamp (all between 10**12 and 10**13):
    an ``(n, 13)`` array."""
    out = np.empty((*t.shape, 4), dtype="<u4")
    rest = t % 10**12
    # The leading digit goes in the last byte of a 4-byte group.
    out[..., 0] = (t // 10**12 + 48).astype(np.uint32) << 24
    out[..., 1] = _GROUPS[rest // 10**8]
    out[..., 2] = _GROUPS[rest // 10**4 % 10**4]
    out[..., 3] = _GROUPS[rest % 10**4]
    return out.view(np.uint8)[..., 3:]


@dataclasses.dataclass
class Fixed:
    """A fixed-width value: ``(n, width)`` ASCII codes."""

    chars: Chars


@dataclasses.dataclass
class Table:
    """A value picked from ready pieces: ``entries[index]``. ``name`` names
    the entries for good: the table with the literals around it is cached."""

    name: Hashable
    entries: tuple[bytes, ...]
    index: Ints
    prefix: bytes = b""
    suffix: bytes = b""


@dataclasses.dataclass
class Pieces:
    """A value built per session."""

    values: Objects


Segment = bytes | Fixed | Table | Pieces


class _Row:
    """Literal bytes and fixed-width slots, filled in per session."""

    def __init__(self) -> None:
        self.raw = bytearray()
        self.slots: list[tuple[int, Chars]] = []

    def text(self, n: int) -> list[bytes]:
        template = np.frombuffer(bytes(self.raw), dtype=np.uint8)
        if not self.slots:
            return [bytes(self.raw)] * n
        out = np.empty((n, len(self.raw)), dtype=np.uint8)
        out[:] = template
        for offset, chars in self.slots:
            out[:, offset : offset + chars.shape[1]] = chars
        return list(out.view(f"S{len(self.raw)}").reshape(n).tolist())


Baked = dict[tuple[Hashable, bytes, bytes], Objects]


def layout(n: int, segments: list[Segment], baked: Baked) -> list[list[Any]]:
    """The columns of pieces that concatenate to each session's text.

    Literals and fixed-width values gather in one row; a literal after a
    table entry joins that table's entries (and one before a table joins
    them in front), so a session is as few pieces as possible."""
    columns: list[list[Any]] = []
    row: _Row | None = None
    tables: dict[int, Table] = {}  # column -> its table, while literals may still join
    last_table: int | None = None
    prefix = b""
    for seg in segments:
        if isinstance(seg, bytes):
            if row is not None:
                row.raw += seg
            elif last_table is not None:
                tables[last_table].suffix += seg
            else:
                prefix += seg
            continue
        if isinstance(seg, Fixed):
            if row is None:
                row = _Row()
                row.raw += prefix
                prefix = b""
                columns.append([row])
            row.slots.append((len(row.raw), seg.chars))
            row.raw += b"\0" * seg.chars.shape[1]
            last_table = None
            continue
        if row is not None:
            row = None
        if isinstance(seg, Table):
            seg.prefix, prefix = prefix, b""
            tables[len(columns)] = seg
            last_table = len(columns)
            columns.append([seg])
        else:
            if prefix:
                columns.append([bytes(prefix)] * n)
                prefix = b""
            last_table = None
            columns.append(seg.values.tolist())
    out: list[list[Any]] = []
    for col in columns:
        head = col[0] if len(col) == 1 else None
        if isinstance(head, _Row):
            out.append(head.text(n))
        elif isinstance(head, Table):
            key = (head.name, head.prefix, head.suffix)
            table = baked.get(key)
            if table is None:
                if len(baked) > 64:
                    baked.clear()
                pieces = [head.prefix + e + head.suffix for e in head.entries]
                table = baked[key] = np.array(pieces, dtype=object)
            out.append(table[head.index].tolist())
        else:
            out.append(col)
    return out


class Encoder:
    """Encodes :class:`Columns` as JSON text, field by field in the
    structure's order."""

    def __init__(self, plan: Plan, structure: Structure, key: int, seed: str) -> None:
        self.plan = plan
        self.key = key
        self.seed = seed
        self.names = structure.names
        self._fields: dict[str, Callable[[Columns, Words, bool], list[Segment]]] = {
            "object": lambda c, w, q: [b'"session"'],
            "id": self._id,
            "user_id": self._user,
            "client_id": self._client,
            "actor": self._actor,
            "status": self._status,
            "last_active_organization_id": self._org,
            "last_active_at": lambda c, w, q: self._stamp(c.last_active, q),
            "latest_activity": self._activity,
            "expire_at": lambda c, w, q: self._stamp(c.expire, q),
            "abandon_at": lambda c, w, q: self._stamp(c.abandon, q),
            "updated_at": lambda c, w, q: self._stamp(c.updated, q),
            "created_at": lambda c, w, q: self._stamp(c.created, q),
            "tasks": self._tasks,
        }
        self.known = all(name in self._fields for name in self.names)
        self._statuses = tuple(orjson.dumps(s) for s in plan.statuses)
        lists = plan.task_lists
        self._tasks_text = (*(orjson.dumps([{"key": k} for k in x]) for x in lists), b"null")
        # The last entry of these is for sessions without latest_activity.
        self._devices = (*(d.piece() for d in plan.devices.values), b"")
        self._places = (*(place_piece(plan.places, i) for i in range(len(plan.places))), b"")
        self._baked: Baked = {}
        self._orgs: dict[int, tuple[bytes, ...]] = {}
        self._ipv4 = [b',"ip_address":' + orjson.dumps(ip) for ip in plan.places.ipv4]
        self._staff: dict[int, str] = {}
        self._org_newest_s = plan.profile.time_window_start // 1000

    def pieces(self, c: Columns, words: Words, end: bytes, quoted: bool) -> Iterator[list[Any]]:
        """The columns of pieces of the sessions' text, each line followed by ``end``."""
        segments: list[Segment] = []
        for i, name in enumerate(self.names):
            segments.append((b"{" if i == 0 else b",") + orjson.dumps(name) + b":")
            segments.extend(self._fields[name](c, words, quoted))
        segments.append(b"}" + end)
        yield from layout(c.n, segments, self._baked)

    # -- ids

    def _id(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        w = words[:, W_SESSION_ID : W_SESSION_ID + ID_WORDS]
        chars = ids.ksuid_chars(ksuid_seconds(c.created // 1000), entropy(w))
        return [b'"' + _SESS.encode(), Fixed(chars), b'"']

    def _pooled(self, tag: int, second: Ints, *parts: Ints) -> Chars:
        return ids.ksuid_chars(ksuid_seconds(second), hashed_entropy(self.key ^ tag, *parts))

    def _user(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        return [b'"' + ids.PREFIXES["user"].encode(), Fixed(c.user_chars), b'"']

    def _client(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        return [b'"' + ids.PREFIXES["client"].encode(), Fixed(c.client_chars), b'"']

    def _org(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        pool = self.plan.profile.organization_pool
        tiles = np.unique(c.population)
        if pool <= _ORG_TABLE and len(tiles) == 1:
            t = int(tiles[0])
            return [Table(("org", t), self._org_table(t), np.where(c.org >= 0, c.org, pool))]
        out: Objects = np.full(c.n, b"null", dtype=object)
        has = c.org >= 0
        if has.any():
            out[has] = self._org_texts(c.population[has], c.org[has])
        return [Pieces(out)]

    def _org_texts(self, t: Ints, org: Ints) -> list[bytes]:
        """``"org_..."`` for organisations ``org`` of populations ``t``,
        created up to a year before the window."""
        back = below(unit(hashed(self.key ^ _ORG, t, org)), _YEAR_S)
        chars = self._pooled(_ORG, self._org_newest_s - back, t, org)
        text = chars.view(f"S{ids.KSUID_LENGTH}").reshape(-1).tolist()
        prefix = b'"' + ids.PREFIXES["organization"].encode()
        return [prefix + x + b'"' for x in text]

    def _org_table(self, t: int) -> tuple[bytes, ...]:
        table = self._orgs.get(t)
        if table is None:
            if len(self._orgs) >= 2:
                self._orgs.clear()
            pool = np.arange(self.plan.profile.organization_pool, dtype=np.int64)
            texts = self._org_texts(np.full(len(pool), t, dtype=np.int64), pool)
            table = self._orgs[t] = (*texts, b"null")
        return table

    def impersonator_id(self, index: int) -> str:
        """The user id of staff member ``index``, who impersonates users."""
        sub = self._staff.get(index)
        if sub is None:
            idx = np.array([index], dtype=np.int64)
            back = int(below(unit(hashed(self.key ^ _STAFF_TAG, idx)), _YEAR_S)[0])
            chars = self._pooled(_STAFF_TAG, np.array([self._org_newest_s - back]), idx)
            sub = self._staff[index] = ids.PREFIXES["user"] + chars.tobytes().decode()
        return sub

    # -- values

    def _actor(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        out: Objects = np.full(c.n, b"null", dtype=object)
        if c.actor.any():
            out[c.actor] = self._actors(words[c.actor], c.created[c.actor] // 1000)
        return [Pieces(out)]

    def _actors(self, words: Words, created_s: Ints) -> list[bytes]:
        """The actor objects of the sessions that have one."""
        p = self.plan.profile
        kinds = self.plan.actor_kinds.index(unit(words[:, W_ACTOR_KIND])).tolist()
        staff = below(unit(words[:, W_STAFF]), p.actor_impersonators).tolist()
        sid_s = ksuid_seconds(created_s - 1 - below(unit(words[:, W_SID_LAG]), 3600))
        chars = ids.ksuid_chars(sid_s, entropy(words[:, W_ACTOR_SID : W_ACTOR_SID + ID_WORDS]))
        sids = chars.view(f"S{ids.KSUID_LENGTH}").reshape(-1).tolist()
        out = []
        for kind_index, member, sid in zip(kinds, staff, sids, strict=True):
            kind = self.plan.actor_kinds.values[kind_index]
            sub = self.impersonator_id(member)
            if kind == "dashboard":
                actor = {"iss": DASHBOARD_ISSUER, "sid": _SESS + sid.decode(), "sub": sub}
            elif kind == "agent":
                actor = {"sub": sub, "type": "agent"}
            else:
                actor = {"sub": sub}
            out.append(orjson.dumps(actor))
        return out

    def _status(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        return [Table("status", self._statuses, c.status)]

    def _tasks(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        return [Table("tasks", self._tasks_text, c.tasks)]

    def _stamp(self, t: Ints, quoted: bool) -> list[Segment]:
        quote = b'"' if quoted else b""
        if int(t.min()) >= _TS_LOW and int(t.max()) < _TS_HIGH:
            return [quote, Fixed(digits(t)), quote]
        # Outside 2001-09-09..2286-11-20: not a valid session, but valid JSON.
        return [Pieces(np.array([quote + b"%d" % v + quote for v in t.tolist()], dtype=object))]

    def _activity(self, c: Columns, words: Words, q: bool) -> list[Segment]:
        """latest_activity in Clerk's key order: object, id, device_type,
        is_mobile, browser_name, browser_version, ip_address, city, country."""
        has = c.activity
        second = ksuid_seconds(c.created // 1000 - c.activity_lag)
        chars = ids.ksuid_chars(second, entropy(words[:, W_ACTIVITY_ID : W_ACTIVITY_ID + ID_WORDS]))
        head_prefix = (b'{"object":' + orjson.dumps(ACTIVITY_OBJECT) + b',"id":"') + ids.PREFIXES[
            "session_activity"
        ].encode()
        width = len(head_prefix) + ids.KSUID_LENGTH + 1
        rows = np.empty((c.n, width), dtype=np.uint8)
        rows[:, : len(head_prefix)] = np.frombuffer(head_prefix, dtype=np.uint8)
        rows[:, len(head_prefix) : -1] = chars
        rows[:, -1] = ord('"')
        head: Objects = rows.view(f"S{width}").reshape(c.n).astype(object)
        head[~has] = b"null"
        device = np.where(has, c.device, len(self._devices) - 1)
        ips: Objects = np.full(c.n, b"", dtype=object)
        v4 = has & (c.ip_v4 >= 0)
        ips[v4] = np.array(self._ipv4, dtype=object)[c.ip_v4[v4]]
        v6 = np.flatnonzero(has & (c.ip_v4 < 0))
        for i, k, h in zip(
            v6.tolist(), c.ip_v6_key[v6].tolist(), c.ip_v6_host[v6].tolist(), strict=True
        ):
            ips[i] = b',"ip_address":"' + ipv6_text(k, h).encode() + b'"'
        place = np.where(has, c.place, len(self._places) - 1)
        return [
            Pieces(head),
            Table("device", self._devices, device),
            Pieces(ips),
            Table("place", self._places, place),
        ]
