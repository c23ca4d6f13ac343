"""The bulk path: NDJSON written straight from columns equals orjson's
encoding of the sessions, however the run is cut, from a random stream that
depends on nothing but the seed and the block."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionfaker import ids
from sessionfaker.generator import BATCH, BLOCK, WORDS, Generator, block_state
from sessionfaker.profile import load_profile
from sessionfaker.rules import Checker
from sessionfaker.schema import int64_as_strings, load_structure, parse_structure

from .conftest import BUILTINS, NOW, profile


def _lines(sessions: Any, *, as_strings: bool = False) -> bytes:
    return b"".join(
        orjson.dumps(int64_as_strings(s) if as_strings else s) + b"\n" for s in sessions
    )


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("as_strings", [False, True])
def test_ndjson_is_orjson_of_the_sessions(name: str, as_strings: bool) -> None:
    g = Generator(profile(name), 11)
    got = b"".join(g.ndjson(300, 3000, int64_as_string=as_strings))
    assert got == _lines(g.generate(300, 3000), as_strings=as_strings)


@pytest.mark.parametrize("chunk", [1, 7, 64, 5000])
def test_cutting_the_run_changes_no_byte(chunk: int) -> None:
    g = Generator(profile("edge-cases"), "cut")
    whole = b"".join(g.ndjson(0, 2 * BATCH + 100))
    lines = whole.splitlines(keepends=True)
    assert len(lines) == 2 * BATCH + 100
    for start, count in ((0, 1), (BLOCK - 1, 2), (BATCH - 5, 10), (BATCH + 3, BATCH + 90)):
        part = b"".join(Generator(profile("edge-cases"), "cut").ndjson(start, count, chunk=chunk))
        assert part == b"".join(lines[start : start + count])
    chunks = list(g.ndjson(0, 2 * BATCH + 100, chunk=chunk))
    assert max(c.count(b"\n") for c in chunks) == min(chunk, BATCH)


def test_a_session_depends_only_on_its_own_index() -> None:
    g = Generator(profile("default"), 5)
    full = list(g.generate(0, BATCH + 10))
    for k in (0, 1, BLOCK, BATCH - 1, BATCH, BATCH + 9):
        assert g.session(k) == full[k]
        assert Generator(profile("default"), 5).session(k) == full[k]


def _pcg64_reference(state: int, inc: int, n: int) -> list[int]:
    """PCG XSL RR 128/64 (the algorithm of numpy's PCG64), in plain Python."""
    mult = 0x2360ED051FC65DA44385DF649FCCF645
    out = []
    for _ in range(n):
        state = (state * mult + inc) % 2**128
        rot = state >> 122
        x = ((state >> 64) ^ state) & (2**64 - 1)
        out.append(((x >> rot) | (x << (64 - rot))) & (2**64 - 1))
    return out


@pytest.mark.parametrize(("seed", "block"), [("0", 0), ("7", 12345), ("x/y", 2**40)])
def test_the_random_stream_is_pcg64_from_a_hash_of_seed_and_block(seed: str, block: int) -> None:
    # Pins the stream against numpy: another PCG64 (or another seeding)
    # would change every session.
    state, inc = block_state(seed, block)
    g = Generator(profile("default"), seed)
    words = g._words(block * BLOCK, 3)
    assert words.reshape(-1).tolist() == _pcg64_reference(state, inc, 3 * WORDS)


def test_the_stream_is_safe_to_share_between_threads() -> None:
    g = Generator(profile("support"), 3)
    expected = b"".join(g.ndjson(0, 4 * BATCH))
    results: list[bytes] = []

    def work() -> None:
        results.append(b"".join(g.ndjson(0, 4 * BATCH)))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 3


@given(
    seconds=st.integers(0, ids.MAX_TIMESTAMP),
    entropy=st.lists(
        st.integers(0, 2**16 - 1), min_size=ids.ENTROPY_WORDS, max_size=ids.ENTROPY_WORDS
    ),
)
def test_bulk_ksuids_keep_their_second(seconds: int, entropy: list[int]) -> None:
    chars = ids.ksuid_chars(np.array([seconds]), np.array([entropy], dtype=np.uint16))
    text = chars.tobytes().decode("ascii")
    assert len(text) == ids.KSUID_LENGTH
    assert ids.decode_ksuid(text)[0] == seconds


def test_bulk_ksuids_refuse_seconds_outside_the_ksuid_era() -> None:
    e = np.zeros((1, ids.ENTROPY_WORDS), dtype=np.uint16)
    with pytest.raises(ValueError, match="out of range"):
        ids.ksuid_chars(np.array([2**32]), e)


def test_bulk_ksuids_are_unique_and_use_the_whole_alphabet() -> None:
    g = Generator(profile("default"), 1)
    sessions = list(g.generate(0, 20_000))
    session_ids = [s["id"] for s in sessions]
    assert len(set(session_ids)) == len(session_ids)
    tails = Counter(c for i in session_ids for c in i[-21:])
    assert set(tails) == set(ids.ALPHABET)


def test_huge_populations_use_the_sparse_id_cache() -> None:
    p = load_profile(
        "default",
        now=NOW,
        overrides={
            "population.users": 10**12,
            "population.clients_per_user": 10**12,
            "organization.pool": 10**9,
        },
    )
    g = Generator(p, 2)
    sessions = list(g.generate(0, 3000))
    checker = Checker(now=p.now, policy=p.policy)
    assert [v for s in sessions for v in checker.check(s)] == []
    assert len({s["user_id"] for s in sessions}) > 2000
    assert b"".join(g.ndjson(1000, 1000)) == _lines(sessions[1000:2000])
    again = Generator(p, 2)
    assert list(again.generate(2500, 10)) == sessions[2500:2510]


def test_the_first_ksuid_second_still_gives_valid_json() -> None:
    # The earliest window a profile accepts starts 40 s after the KSUID epoch
    # (room for the activity id); pooled ids from before it are clamped to it.
    g = Generator(load_profile("default", now=(1_400_000_040 + 90 * 86_400) * 1000), 1)
    for as_strings in (False, True):
        text = b"".join(g.ndjson(0, 300, int64_as_string=as_strings))
        assert text == _lines(g.generate(0, 300), as_strings=as_strings)


def test_another_structure_takes_the_general_path() -> None:
    doc = json.loads(json.dumps(load_structure().raw))
    doc["fields"].append({"name": "beta", "type": "boolean", "nullable": False})
    newer = parse_structure(doc, "newer.json")
    g = Generator(profile("default"), 3, structure=newer)
    sessions = list(g.generate(BLOCK - 3, 10))
    assert all(list(s)[-1] == "beta" for s in sessions)
    assert b"".join(g.ndjson(BLOCK - 3, 10)) == _lines(sessions)
    assert g.session(BLOCK + 2) == sessions[5]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: list(g.ndjson(-1, 2)), "start must be >= 0 (-1)"),
        (lambda g: list(g.ndjson(0, -2)), "count must be >= 0 (-2)"),
        (lambda g: list(g.ndjson(0, 2, chunk=0)), "chunk must be >= 1 (0)"),
        (lambda g: g.session(-1), "index must be >= 0 (-1)"),
        (lambda g: g.block(-1), "block must be >= 0 (-1)"),
    ],
)
def test_bad_ranges_are_refused(call: Any, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        call(Generator(profile("default"), 1))
    assert str(exc.value) == message
