from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionfaker import ids


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**128 - 1))
def test_encode_decode_round_trip(seconds: int, payload: int) -> None:
    text = ids.encode_ksuid(seconds, payload)
    assert len(text) == 27
    assert ids.decode_ksuid(text) == (seconds, payload)


def test_matches_segment_ksuid_reference_values() -> None:
    # The smallest and largest KSUIDs, as Segment's library writes them.
    assert ids.encode_ksuid(0, 0) == "000000000000000000000000000"
    assert ids.encode_ksuid(2**32 - 1, 2**128 - 1) == "aWgEPTl1tmebfsQzFP4bxwgy80V"


def test_a_real_clerk_id_decodes_to_its_creation_second() -> None:
    # From Clerk's documentation: created mid-2025, when ids began with "2".
    assert ids.id_unix_seconds("sess_2yJsqZ7cRn9OhWAFSfz3nTFwKT1", "sess_") == 1749564201


def test_ids_sort_by_creation_time() -> None:
    a = ids.make_id("user_", 1_700_000_000, 2**128 - 1)
    b = ids.make_id("user_", 1_700_000_001, 0)
    assert a < b


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "not a 27-character base62 KSUID: 'abc'"),
        (
            "00000000000000000000000000_",
            "not a 27-character base62 KSUID: '00000000000000000000000000_'",
        ),
        ("zzzzzzzzzzzzzzzzzzzzzzzzzzz", "KSUID out of range: 'zzzzzzzzzzzzzzzzzzzzzzzzzzz'"),
    ],
)
def test_malformed_ksuids(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        ids.decode_ksuid(text)
    assert str(info.value) == message


def test_is_id() -> None:
    good = ids.make_id("org_", 1_750_000_000, 5)
    assert ids.is_id(good, "org_")
    assert not ids.is_id(good, "user_")
    assert not ids.is_id(None, "org_")
    assert not ids.is_id("org_" + "z" * 27, "org_")
