"""invalid_sessions(): each session breaks exactly its rule, at the rule's level.

A rule Clerk guarantees is broken so that the default Checker (what
``validate`` checks) reports that rule and no other; a ``policy.*`` rule,
drawn only when named, so that the strict Checker reports that rule and no
other while the default Checker finds nothing: it is valid Clerk data.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from sessionfaker import strategies as S
from sessionfaker.profile import Profile
from sessionfaker.rules import RULES, Checker

from .conftest import BUILTINS, profile

DEFAULT = profile("default")
# consumer-mobile allows only dashboard actors: the one built-in profile where
# an actor can break policy.actor_allowed.
NARROW = profile("consumer-mobile")
CHECK = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CLERK_RULES = [r for r, rule in RULES.items() if not rule.policy and r != "id.unique"]
POLICY_RULES = [r for r, rule in RULES.items() if rule.policy]


def found(p: Profile, session: dict[str, Any], *, strict: bool) -> set[str]:
    checker = Checker(now=p.time_now, policy=p.policy if strict else None)
    return {v.rule for v in checker.check(session)}


@pytest.mark.parametrize("rule", CLERK_RULES)
def test_a_clerk_rule_is_broken_alone(rule: str) -> None:
    @settings(CHECK)
    @given(S.invalid_sessions(DEFAULT, rules=rule))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session, name = pair
        assert name == rule
        assert found(DEFAULT, session, strict=False) == {rule}
        assert rule in found(DEFAULT, session, strict=True)

    check()


@pytest.mark.parametrize("rule", POLICY_RULES)
def test_a_policy_rule_is_broken_alone_and_clerk_would_accept_it(rule: str) -> None:
    p = NARROW if rule == "policy.actor_allowed" else DEFAULT

    @settings(CHECK)
    @given(S.invalid_sessions(p, rules=rule))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session, name = pair
        assert name == rule
        assert found(p, session, strict=True) == {rule}
        assert found(p, session, strict=False) == set()

    check()


@pytest.mark.parametrize("name", BUILTINS)
def test_by_default_only_what_clerk_guarantees_is_broken(name: str) -> None:
    p = profile(name)
    seen: set[str] = set()

    @settings(CHECK, max_examples=150)
    @given(S.invalid_sessions(p))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session, rule = pair
        seen.add(rule)
        assert not RULES[rule].policy
        assert found(p, session, strict=False) == {rule}

    check()
    assert len(seen) > 10


def test_every_rule_but_the_run_level_one_has_a_breaker() -> None:
    assert [r for r, rule in RULES.items() if rule.breaker is None] == ["id.unique"]


def test_the_checks_do_not_import_hypothesis() -> None:
    code = (
        "import sys, sessionfaker.rules, sessionfaker.validate; "
        "print(sorted(m for m in ('hypothesis', 'numpy', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"
