"""A profile that loads generates sessions that pass ``validate --strict`` and the SDK.

Hypothesis draws ``--set`` overrides across every key of ``profile.KEYS``,
within what loading accepts and at its extremes (lifetimes of 10,000 years, a
window at the KSUID epoch or at its last second, weights of 1e308, counts of
10**12). Either loading refuses the profile with one line naming a key, or
sessions from the bulk generator and from ``sessions()`` break no rule.
"""

from __future__ import annotations

from typing import Any

from clerk_backend_api import models
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sessionfaker import strategies as S
from sessionfaker.errors import ProfileError
from sessionfaker.generator import Generator
from sessionfaker.profile import KEYS, Key, load_profile
from sessionfaker.rules import MS_MAX, MS_MIN, Checker, check_session
from sessionfaker.timeutil import format_instant
from sessionfaker.vocab import load as load_vocabulary

NOW = 1793491200000  # 2026-11-01T00:00:00Z
_DAY = 86_400_000

_weight = st.sampled_from((0, 0, 1, 3, 5e-324, 0.5, 1e300, 1.7e308))
# Past 10,000 years, the longest duration timeutil accepts.
_LONGEST = 11_000 * 365 * _DAY
_durations = st.sampled_from(
    ("1ms", "1s", "10s", "40s", "30m", "1d", "7d", "30d", "90d", "3650d", "49000d", "3650000d")
) | st.integers(1, _LONGEST).map(lambda ms: f"{ms}ms")
_EDGES = (MS_MIN, MS_MIN + 1, MS_MIN + 39_999, MS_MIN + 40_000, MS_MIN + _DAY, NOW)
_instants = st.sampled_from((*_EDGES, MS_MAX - _DAY, MS_MAX - 1000, MS_MAX)) | st.integers(
    MS_MIN, MS_MAX
)


def _value(key: Key) -> st.SearchStrategy[Any]:
    if key.kind == "weights":
        names = key.choices or tuple(c for c, _ in load_vocabulary().countries)
        return st.dictionaries(st.sampled_from(names), _weight, max_size=len(names)).filter(
            lambda d: not d or any(d.values())
        )
    if key.kind == "rate":
        return st.sampled_from((0, 1, 5e-324, 0.5, 1 - 2**-53)) | st.floats(0, 1)
    if key.kind == "number":
        return st.sampled_from((0, 100, 1e-9)) | st.floats(0, 100)
    if key.kind == "count":
        top = 3 if key.path == "tasks.max" else 10**12
        return st.sampled_from((key.minimum, top)) | st.integers(key.minimum, top)
    if key.kind == "duration":
        return _durations
    if key.kind == "window":
        return _durations | st.just("0s") | _instants.map(format_instant)
    if key.kind == "instant":
        return _instants.map(format_instant)
    return st.text(max_size=8)


overrides = st.fixed_dictionaries({}, optional={k.path: _value(k) for k in KEYS})


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(overrides, st.data())
def test_a_profile_that_loads_generates_valid_sessions(
    changes: dict[str, Any], data: st.DataObject
) -> None:
    pinned = None if "time.now" in changes else NOW
    try:
        p = load_profile("default", now=pinned, overrides=changes)
    except ProfileError as exc:
        text = str(exc)
        assert "\n" not in text and exc.key, text
        event(f"refused: {exc.key.split('.')[0]}")
        return
    event("loaded")
    checker = Checker(now=p.time_now, policy=p.policy)
    for s in Generator(p, 7).generate(0, 60):
        assert [v.describe() for v in checker.check(s)] == [], (changes, s)
        _parses(s)
    for _ in range(3):
        s = dict(data.draw(S.sessions(p)))
        assert [v.describe() for v in check_session(s, now=p.time_now, policy=p.policy)] == []
        _parses(s)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(overrides, st.data())
def test_under_any_profile_a_broken_session_breaks_exactly_its_rule(
    changes: dict[str, Any], data: st.DataObject
) -> None:
    pinned = None if "time.now" in changes else NOW
    try:
        p = load_profile("default", now=pinned, overrides=changes)
    except ProfileError:
        return
    session, rule = data.draw(S.invalid_sessions(p))
    found = {v.rule for v in check_session(session, now=p.time_now)}
    assert found == {rule}, (changes, rule, session)


def _parses(s: dict[str, Any]) -> None:
    models.Session.model_validate(s)
    if s["latest_activity"] is not None:
        models.SessionActivityResponse.model_validate(s["latest_activity"])
