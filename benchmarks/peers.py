"""The generators sessionfaker is measured against, each writing the same 14
fields as NDJSON, each in its fastest idiomatic form.

Run one in a process of its own (``benchmarks/throughput.py`` does):

    .venv/bin/python benchmarks/peers.py faker --count 20000 --out /dev/null

It prints one JSON line: the wall and CPU seconds spent generating and
writing (after imports and set-up), the count and the bytes written. Every peer ends the
same way sessionfaker does: ``orjson.dumps`` of each session, 64 lines per
write. All draw timestamps in the 90 days before ``NOW`` with Clerk's
lifetimes (7 days, 30 days to abandon), so the rules checked on their output
are the ones a user of each tool would hope to meet.

- ``faker``: one Faker provider call per field (``random_element`` with
  weights, ``lexify`` for ids, ``city``, ``country_code``, ``ipv4``...).
- ``mimesis``: mimesis providers and its ``Random`` per field.
- ``polyfactory``: ``ModelFactory.build()`` of a pydantic model of the
  session with typed, constrained fields, dumped with ``model_dump``.
- ``handwritten``: plain ``random.Random`` with precomputed tables (pooled
  ids, cumulative weights, per-status creation ranges) and bulk draws
  (``choices(k=...)`` per batch), coherent by construction.
- ``floor``: no generation at all: ``orjson.dumps`` of pre-built session
  dicts (made before the clock starts, cycled), the serialisation floor.

hypothesis-jsonschema runs from ``throughput.py`` in a virtual environment of
its own (it needs hypothesis 6.170.9).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

NOW = "2026-11-01T00:00:00Z"
NOW_MS = 1_793_491_200_000
DAY = 86_400_000
WINDOW_START = NOW_MS - 90 * DAY
LIFETIME = 7 * DAY
ABANDON = 30 * DAY
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
STATUS_WEIGHTS = {
    "active": 70,
    "pending": 2,
    "ended": 10,
    "removed": 5,
    "revoked": 2,
    "expired": 7,
    "abandoned": 3,
    "replaced": 1,
}
TASK_KEYS = ("choose-organization", "reset-password", "setup-mfa")
DEVICES = ("Macintosh", "Windows", "iPhone")
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge")
CHUNK = 64
APPEND_NEWLINE = orjson.OPT_APPEND_NEWLINE


def write_ndjson(sessions: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    """What every peer shares with sessionfaker: orjson, 64 lines per write."""
    dumps = orjson.dumps
    written = 0
    while True:
        batch = itertools.islice(sessions, CHUNK)
        chunk = b"".join([dumps(s, option=APPEND_NEWLINE) for s in batch])
        if not chunk:
            return written
        out.write(chunk)
        written += len(chunk)


# -- Faker


def faker_sessions(n: int, seed: int) -> Iterator[dict[str, Any]]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    statuses = OrderedDict(STATUS_WEIGHTS)
    mask = "?" * 27
    for _ in range(n):
        status = fake.random_element(statuses)
        created = fake.pyint(WINDOW_START, NOW_MS)
        last_active = fake.pyint(created, min(NOW_MS, created + LIFETIME - 1))
        activity = None
        if fake.boolean(chance_of_getting_true=97):
            activity = {
                "object": "session_activity",
                "id": "sess_activity_" + fake.lexify(mask, letters=ALPHABET),
                "is_mobile": fake.boolean(chance_of_getting_true=40),
                "device_type": fake.random_element(DEVICES),
                "browser_name": fake.random_element(BROWSERS),
                "browser_version": fake.numerify("1##.0.0.0"),
                "ip_address": fake.ipv4(),
                "city": fake.city(),
                "country": fake.country_code(),
            }
        yield {
            "object": "session",
            "id": "sess_" + fake.lexify(mask, letters=ALPHABET),
            "user_id": "user_" + fake.lexify(mask, letters=ALPHABET),
            "client_id": "client_" + fake.lexify(mask, letters=ALPHABET),
            "actor": (
                {"sub": "user_" + fake.lexify(mask, letters=ALPHABET)}
                if fake.boolean(chance_of_getting_true=1)
                else None
            ),
            "status": status,
            "last_active_organization_id": (
                "org_" + fake.lexify(mask, letters=ALPHABET)
                if fake.boolean(chance_of_getting_true=20)
                else None
            ),
            "last_active_at": last_active,
            "latest_activity": activity,
            "expire_at": created + LIFETIME,
            "abandon_at": created + ABANDON,
            "updated_at": fake.pyint(last_active, NOW_MS),
            "created_at": created,
            "tasks": [{"key": fake.random_element(TASK_KEYS)}] if status == "pending" else None,
        }


# -- Mimesis


def mimesis_sessions(n: int, seed: int) -> Iterator[dict[str, Any]]:
    from mimesis import Address, Internet
    from mimesis.random import Random

    rnd = Random(seed)
    address = Address(seed=seed)
    internet = Internet(seed=seed)
    statuses = {k: v / 100 for k, v in STATUS_WEIGHTS.items()}

    def ksuid() -> str:
        return "".join(rnd.choices(ALPHABET, k=27))

    for _ in range(n):
        status = rnd.weighted_choice(statuses)
        created = rnd.randint(WINDOW_START, NOW_MS)
        last_active = rnd.randint(created, min(NOW_MS, created + LIFETIME - 1))
        activity = None
        if rnd.random() < 0.97:
            activity = {
                "object": "session_activity",
                "id": "sess_activity_" + ksuid(),
                "is_mobile": rnd.random() < 0.4,
                "device_type": rnd.choice(DEVICES),
                "browser_name": rnd.choice(BROWSERS),
                "browser_version": f"{rnd.randint(120, 142)}.0.0.0",
                "ip_address": internet.ip_v4(),
                "city": address.city(),
                "country": address.country_code(),
            }
        yield {
            "object": "session",
            "id": "sess_" + ksuid(),
            "user_id": "user_" + ksuid(),
            "client_id": "client_" + ksuid(),
            "actor": {"sub": "user_" + ksuid()} if rnd.random() < 0.01 else None,
            "status": status,
            "last_active_organization_id": "org_" + ksuid() if rnd.random() < 0.2 else None,
            "last_active_at": last_active,
            "latest_activity": activity,
            "expire_at": created + LIFETIME,
            "abandon_at": created + ABANDON,
            "updated_at": rnd.randint(last_active, NOW_MS),
            "created_at": created,
            "tasks": [{"key": rnd.choice(TASK_KEYS)}] if status == "pending" else None,
        }


# -- polyfactory


def polyfactory_sessions(n: int, seed: int) -> Iterator[dict[str, Any]]:
    from typing import Annotated, Literal

    from polyfactory.factories.pydantic_factory import ModelFactory
    from pydantic import BaseModel, Field

    KsuidText = Annotated[str, Field(pattern=r"^[0-9A-Za-z]{27}$")]
    Millis = Annotated[int, Field(ge=WINDOW_START, le=NOW_MS)]

    class Task(BaseModel):
        key: Literal["choose-organization", "reset-password", "setup-mfa"]

    class Actor(BaseModel):
        sub: Annotated[str, Field(pattern=r"^user_[0-9A-Za-z]{27}$")]

    class Activity(BaseModel):
        object: Literal["session_activity"]
        id: Annotated[str, Field(pattern=r"^sess_activity_[0-9A-Za-z]{27}$")]
        is_mobile: bool
        device_type: Literal["Macintosh", "Windows", "iPhone"]
        browser_name: Literal["Chrome", "Safari", "Firefox", "Edge"]
        browser_version: Annotated[str, Field(pattern=r"^1[0-9]{2}\.0\.0\.0$")]
        ip_address: str
        city: str
        country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]

    class Session(BaseModel):
        object: Literal["session"]
        id: Annotated[str, Field(pattern=r"^sess_[0-9A-Za-z]{27}$")]
        user_id: Annotated[str, Field(pattern=r"^user_[0-9A-Za-z]{27}$")]
        client_id: Annotated[str, Field(pattern=r"^client_[0-9A-Za-z]{27}$")]
        actor: Actor | None
        status: Literal[
            "active", "pending", "ended", "removed", "revoked", "expired", "abandoned", "replaced"
        ]
        last_active_organization_id: Annotated[str, Field(pattern=r"^org_[0-9A-Za-z]{27}$")] | None
        last_active_at: Millis
        latest_activity: Activity | None
        expire_at: Millis
        abandon_at: Millis
        updated_at: Millis
        created_at: Millis
        tasks: list[Task] | None

    del KsuidText

    class SessionFactory(ModelFactory[Session]):
        __random_seed__ = seed

    for _ in range(n):
        yield SessionFactory.build().model_dump(mode="json")


# -- hand-written pure Python


def _b62(value: int) -> str:
    out = []
    for _ in range(27):
        value, d = divmod(value, 62)
        out.append(ALPHABET[d])
    return "".join(reversed(out))


_PAIRS = [a + b for a in ALPHABET for b in ALPHABET]


def _ksuid(second: int, payload: int) -> str:
    # Three 9-digit groups, each 4 pair lookups and a digit: the fastest
    # pure-Python base62 of a 160-bit number found here.
    value = ((second - 1_400_000_000) << 128) | payload
    out = []
    for _ in range(3):
        value, n = divmod(value, 62**9)
        n, a = divmod(n, 3844)
        n, b = divmod(n, 3844)
        n, c = divmod(n, 3844)
        n, d = divmod(n, 3844)
        out.append(ALPHABET[n] + _PAIRS[d] + _PAIRS[c] + _PAIRS[b] + _PAIRS[a])
    return out[2] + out[1] + out[0]


def handwritten_sessions(n: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    r = rng.random
    bits = rng.getrandbits
    choices = rng.choices
    newest = WINDOW_START // 1000
    users = [_ksuid(newest - rng.randrange(365 * 86400), bits(128)) for _ in range(2000)]
    users = ["user_" + u for u in users]
    clients = [
        ["client_" + _ksuid(newest - rng.randrange(365 * 86400), bits(128)) for _ in range(2)]
        for _ in range(2000)
    ]
    orgs = ["org_" + _ksuid(newest - rng.randrange(365 * 86400), bits(128)) for _ in range(50)]
    staff = ["user_" + _ksuid(newest - rng.randrange(365 * 86400), bits(128)) for _ in range(5)]
    names = list(STATUS_WEIGHTS)
    cum = list(itertools.accumulate(STATUS_WEIGHTS.values()))
    # created_at ranges that keep each status coherent at NOW.
    live_lo = NOW_MS - LIFETIME + 1
    ranges = {s: (WINDOW_START, NOW_MS) for s in names}
    ranges["active"] = ranges["pending"] = (live_lo, NOW_MS)
    ranges["expired"] = (WINDOW_START, NOW_MS - LIFETIME)
    ranges["abandoned"] = (WINDOW_START, NOW_MS - ABANDON)
    devices = [("Macintosh", False), ("Windows", False), ("iPhone", True)]
    versions = [f"{m}.0.0.0" for m in range(128, 143)]
    cities = [
        ("New York", "US"),
        ("London", "GB"),
        ("Berlin", "DE"),
        ("Paris", "FR"),
        ("São Paulo", "BR"),
        ("東京", "JP"),
        ("Toronto", "CA"),
        ("Sydney", "AU"),
    ]
    ips = [f"{net}.{h}" for net in ("192.0.2", "198.51.100", "203.0.113") for h in range(1, 255)]
    batch = 1024
    for start in range(0, n, batch):
        k = min(batch, n - start)
        statuses = choices(names, cum_weights=cum, k=k)
        device_col = choices(devices, k=k)
        city_col = choices(cities, k=k)
        for status, (device, mobile), (city, country) in zip(
            statuses, device_col, city_col, strict=True
        ):
            lo, hi = ranges[status]
            created = lo + int(r() * (hi - lo))
            created_s = created // 1000
            expire = created + LIFETIME
            abandon = created + ABANDON
            la_hi = min(NOW_MS, expire - 1)
            last_active = created + int(r() * r() * (la_hi - created))
            if status == "expired":
                updated = expire
            elif status == "abandoned":
                updated = abandon
            elif status in ("active", "pending"):
                updated = last_active + int(r() * (NOW_MS - last_active))
            else:
                updated = last_active + int(r() * (la_hi - last_active))
            user = int(2000 * r() * r())
            tasks = None
            org = orgs[int(50 * r())] if r() < 0.2 else None
            if status == "pending":
                key = TASK_KEYS[int(3 * r())]
                tasks = [{"key": key}]
                if key == "choose-organization":
                    org = None
            activity = None
            if r() < 0.97:
                activity = {
                    "object": "session_activity",
                    "id": "sess_activity_" + _ksuid(created_s - 10 - int(31 * r()), bits(128)),
                    "is_mobile": mobile,
                    "device_type": device,
                    "browser_name": "Chrome",
                    "browser_version": versions[int(15 * r())],
                    "ip_address": ips[int(762 * r())],
                    "city": city,
                    "country": country,
                }
            yield {
                "object": "session",
                "id": "sess_" + _ksuid(created_s, bits(128)),
                "user_id": users[user],
                "client_id": clients[user][int(2 * r())],
                "actor": {"sub": staff[int(5 * r())]} if r() < 0.01 else None,
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


# -- the floor


def prebuilt(n: int, seed: int) -> list[dict[str, Any]]:
    """Session dicts for the floor: sessionfaker's, parsed from its NDJSON."""
    from sessionfaker.generator import Generator
    from sessionfaker.profile import load_profile

    g = Generator(load_profile("default", now=NOW), seed)
    return list(g.generate(0, n))


PEERS: dict[str, Callable[[int, int], Iterator[dict[str, Any]]]] = {
    "faker": faker_sessions,
    "mimesis": mimesis_sessions,
    "polyfactory": polyfactory_sessions,
    "handwritten": handwritten_sessions,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("peer", choices=[*PEERS, "floor"])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", default="/dev/null")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prebuilt", type=int, default=200_000, help="distinct dicts for the floor")
    args = ap.parse_args(argv)
    with open(args.out, "wb") as out:
        if args.peer == "floor":
            dicts = prebuilt(min(args.count, args.prebuilt), args.seed)
            t0, c0 = time.perf_counter(), time.process_time()
            written = write_ndjson(itertools.islice(itertools.cycle(dicts), args.count), out)
        else:
            sessions = PEERS[args.peer](args.count, args.seed)
            t0, c0 = time.perf_counter(), time.process_time()
            written = write_ndjson(sessions, out)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "count": args.count, "bytes": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
