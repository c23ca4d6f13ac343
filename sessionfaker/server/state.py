"""What the server serves: a :class:`~.store.Store` and what clients changed.

Revocations and created sessions are an overlay over the store, kept for
the server's life and dropped by :meth:`Sessions.reset`. Every public
method holds one lock, so each request sees and leaves a coherent state:
a revoked session lists as revoked, under its new ``updated_at``, in
every filter at once.

>>> import sessionfaker
>>> from sessionfaker.generator import Generator
>>> p = sessionfaker.load_profile(now="2026-11-01T00:00:00Z")
>>> sessions = Sessions(Store.build(Generator(p, seed=1).ndjson(0, 50)), p, seed=1)
>>> page, total = sessions.list(status="active", limit=3)
>>> len(page), total == sum(b'"status":"active"' in s for s in sessions.list(limit=50)[0])
(3, True)
"""

from __future__ import annotations

import bisect
import builtins
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from .. import ids
from ..profile import Profile, lifetimes
from ..rules import LIVE_STATUSES, STATUSES
from ..schema import load_structure
from .store import Codes, Store

_REVOKED = STATUSES.index("revoked")
_LIVE = frozenset(STATUSES.index(s) for s in LIVE_STATUSES)


def clock_ms() -> int:
    """The wall clock in epoch milliseconds (to the millisecond: a server's
    changes happen at their own moments, unlike a run's reference time)."""
    return time.time_ns() // 1_000_000


@dataclass
class _Created:
    """A session made by ``POST /v1/sessions``."""

    session: dict[str, Any]
    body: bytes
    seq: int
    place: int  # how many stored sessions are newer

    @property
    def status(self) -> int:
        return STATUSES.index(self.session["status"])


class Sessions:
    """The served sessions: a store, revocations and created sessions.

    ``clock`` gives the time of changes (epoch ms; the wall clock by
    default); ``profile`` gives created sessions their lifetimes; ``seed``
    makes their ids repeatable.
    """

    def __init__(
        self,
        store: Store,
        profile: Profile,
        *,
        seed: int | str = 0,
        clock: Callable[[], int] = clock_ms,
    ) -> None:
        self.store = store
        self.profile = profile
        self.seed = str(seed)
        self.clock = clock
        self.fields = load_structure().names
        self._lock = threading.Lock()
        self._base_status = store.status[store.order]  # by rank
        self._client_by_rank = store.client_code[store.order]
        self._base_by_status = [
            np.flatnonzero(self._base_status == i).astype(np.int32) for i in range(len(STATUSES))
        ]
        self.reset()

    def reset(self) -> None:
        """Forget every revocation and created session."""
        with self._lock:
            self._by_status = list(self._base_by_status)
            self._status = self._base_status  # by rank; copied on the first change
            self._revoked: dict[int, builtins.list[int]] = {}  # user code -> ranks
            self._changed: dict[int, bytes] = {}
            self._created: list[_Created] = []
            self._created_ids: dict[str, _Created] = {}

    # -- reading

    def get(self, session_id: str) -> bytes | None:
        """The JSON text of a session, or None when there is none with this id."""
        with self._lock:
            made = self._created_ids.get(session_id)
            if made is not None:
                return made.body
            k = self.store.find(session_id)
            return None if k is None else self._body(k)

    def session(self, session_id: str) -> dict[str, Any] | None:
        """A session as a dict, or None."""
        body = self.get(session_id)
        return None if body is None else orjson.loads(body)

    def list(
        self, *, limit: int = 10, offset: int = 0, **filters: str | None
    ) -> tuple[builtins.list[bytes], int]:
        """:meth:`page` and :meth:`count` at once, for the same filters
        (``user_id``, ``client_id``, ``status``)."""
        return self.page(limit=limit, offset=offset, **filters), self.count(**filters)

    def count(
        self, *, user_id: str | None = None, client_id: str | None = None, status: str | None = None
    ) -> int:
        """How many sessions match."""
        code = None if status is None else STATUSES.index(status)
        with self._lock:
            ranks = self._ranks(user_id, client_id, code)
            made = self._made(user_id, client_id, code)
            return (self.store.n if ranks is None else len(ranks)) + len(made)

    def page(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
        status: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> builtins.list[bytes]:
        """Sessions ``offset`` to ``offset + limit - 1`` of the matching ones, newest first."""
        code = None if status is None else STATUSES.index(status)
        with self._lock:
            made = self._made(user_id, client_id, code)
            if not made:  # the common case: a slice of the stored sessions
                found = self._ranks(user_id, client_id, code, need=offset + limit)
                order = self.store.order
                window = (
                    order[offset : offset + limit]
                    if found is None
                    else order[found[offset : offset + limit]]
                )
                return self._bodies(window)
            ranks = self._ranks(user_id, client_id, code)
            base = self.store.n if ranks is None else len(ranks)
            # Where each created session falls among the matching stored ones.
            places = [
                (min(c.place, base) if ranks is None else int(np.searchsorted(ranks, c.place))) + i
                for i, c in enumerate(made)
            ]
            page: builtins.list[bytes | int] = []
            for j in range(offset, min(offset + limit, base + len(made))):
                i = bisect.bisect_left(places, j)
                if i < len(places) and places[i] == j:
                    page.append(made[i].body)
                else:
                    at = j - i
                    page.append(int(self.store.order[at if ranks is None else int(ranks[at])]))
            stored: Iterator[bytes] = iter(self._bodies([k for k in page if isinstance(k, int)]))
            return [k if isinstance(k, bytes) else next(stored) for k in page]

    def _made(
        self, user_id: str | None, client_id: str | None, code: int | None
    ) -> builtins.list[_Created]:
        """The matching created sessions, newest first."""
        if not self._created:
            return []
        made = [
            c
            for c in self._created
            if (user_id is None or c.session["user_id"] == user_id)
            and (client_id is None or c.session["client_id"] == client_id)
            and (code is None or c.status == code)
        ]
        made.sort(key=lambda c: (-c.session["created_at"], -c.seq))
        return made

    def _ranks(
        self,
        user_id: str | None,
        client_id: str | None,
        code: int | None,
        need: int | None = None,
    ) -> Codes | None:
        """The ranks of the matching stored sessions, ascending; None for all.
        With ``need``, at least the first ``need`` of them (all when fewer)."""
        s = self.store
        if user_id is None and client_id is None:
            return None if code is None else self._by_status[code]
        wanted = None
        if user_id is not None and client_id is not None:
            wanted = s.clients.get(client_id.encode(), -1)
        if user_id is not None and code is not None:
            ranks = self._user_status(user_id, code)
            code = None  # done
        elif user_id is not None:
            ranks = s.user_slice(user_id)
        else:
            ranks = s.client_slice(str(client_id))
        if wanted is None and code is None:
            return ranks
        status, clients = self._status, self._client_by_rank

        def matching(part: Codes) -> Codes:
            keep = status[part] == code if wanted is None else clients[part] == wanted
            if wanted is not None and code is not None:
                keep &= status[part] == code
            selected: Codes = part[keep]
            return selected

        if need is None:
            return matching(ranks)
        # A page needs only the first matches: look through the slice in
        # growing blocks rather than all of a heavy user's sessions.
        found: builtins.list[Codes] = []
        count, start, block = 0, 0, max(64, 2 * need)
        while start < len(ranks) and count < need:
            found.append(matching(ranks[start : start + block]))
            count += len(found[-1])
            start += block
            block *= 2
        return np.concatenate(found) if found else ranks[:0]

    def _user_status(self, user_id: str, code: int) -> Codes:
        """The ranks of the user's stored sessions whose status is now ``code``."""
        ranks = self.store.user_status_slice(user_id, code)
        revoked = self._revoked.get(self.store.users.get(user_id.encode(), -1))
        if revoked is None:  # as stored
            return ranks
        if code == _REVOKED:
            ranks = np.union1d(ranks, np.array(revoked, dtype=np.int32)).astype(np.int32)
            return ranks
        current: Codes = ranks[self._status[ranks] == code]
        return current

    def _body(self, k: int) -> bytes:
        return self._bodies([k])[0]

    def _bodies(self, ks: builtins.list[int] | Codes) -> builtins.list[bytes]:
        bodies = self.store.bodies(ks)
        if self._changed:
            changed = self._changed
            keys = ks.tolist() if isinstance(ks, np.ndarray) else ks
            bodies = [changed.get(k, b) for k, b in zip(keys, bodies, strict=True)]
        return bodies

    # -- changing

    def revoke(self, session_id: str) -> bytes | None:
        """Revoke a live (active or pending) session and return it; other
        sessions are returned unchanged. None when there is no such session."""
        with self._lock:
            made = self._created_ids.get(session_id)
            if made is not None:
                if made.status in _LIVE:
                    made.session = self._revoke(made.session)
                    made.body = orjson.dumps(made.session)
                return made.body
            s = self.store
            k = s.find(session_id)
            if k is None:
                return None
            rank = int(s.rank[k])
            old = int(self._status[rank])
            if old not in _LIVE:
                return self._body(k)
            session = self._revoke(orjson.loads(self._body(k)))
            body = self._changed[k] = orjson.dumps(session)
            if self._status is self._base_status:
                self._status = self._status.copy()
            self._status[rank] = _REVOKED
            self._revoked.setdefault(int(s.user_code[k]), []).append(rank)
            was = self._by_status[old]
            self._by_status[old] = np.delete(was, np.searchsorted(was, rank))
            now = self._by_status[_REVOKED]
            self._by_status[_REVOKED] = np.insert(now, np.searchsorted(now, rank), rank)
            return body

    def _revoke(self, session: dict[str, Any]) -> dict[str, Any]:
        return {
            **session,
            "status": "revoked",
            "updated_at": max(self.clock(), int(session["updated_at"])),
        }

    def create(self, user_id: str, organization_id: str | None = None) -> bytes:
        """A new active session for ``user_id`` (on a new client), as Clerk's
        testing endpoint makes one."""
        with self._lock:
            now = self.clock()
            seq = len(self._created)
            rng = random.Random(f"{self.seed}/created/{seq}")
            second = now // 1000
            life, abandon = lifetimes(self.profile, actor=False)
            values = {
                "object": "session",
                "id": ids.make_id(ids.PREFIXES["session"], second, rng.getrandbits(128)),
                "user_id": user_id,
                "client_id": ids.make_id(ids.PREFIXES["client"], second, rng.getrandbits(128)),
                "status": "active",
                "last_active_organization_id": organization_id,
                "last_active_at": now,
                "expire_at": now + life,
                "abandon_at": now + abandon,
                "updated_at": now,
                "created_at": now,
            }
            session = {name: values.get(name) for name in self.fields}
            s = self.store
            place = bisect.bisect_left(range(s.n), -now, key=lambda r: -int(s.created[s.order[r]]))
            made = _Created(session, orjson.dumps(session), seq, place)
            self._created.append(made)
            self._created_ids[str(values["id"])] = made
            return made.body
