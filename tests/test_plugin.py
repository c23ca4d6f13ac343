"""The pytest plugin, driven through pytester: the seed in the header and in
failure reports, reproduction with the flags, per-test seeds, the marker, the
override fixtures and the factory's overrides."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

# pytester's in-process runs forget the modules first imported inside them,
# and numpy cannot be loaded twice in one process: load it (with the
# generator) before any run, so this file also passes on its own.
import sessionfaker.generator  # noqa: F401

pytest_plugins = ["pytester"]

NOW = "2026-11-01T00:00:00Z"

# A test that prints what it drew, so runs can be compared.
PRINTS = """
def test_prints(sessionfaker):
    s = sessionfaker.session()
    print("DRAWN", sessionfaker.seed, s["id"], s["created_at"])
"""


def drawn(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("DRAWN")]


def test_the_seed_and_time_are_in_the_header(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINTS)
    result = pytester.runpytest("--sessionfaker-seed=123", f"--sessionfaker-now={NOW}")
    result.stdout.fnmatch_lines(
        [
            f"sessionfaker: seed 123, now {NOW} (reproduce with --sessionfaker-seed=123 "
            f"--sessionfaker-now={NOW})"
        ]
    )
    result.assert_outcomes(passed=1)


def test_without_the_flag_the_seed_is_random_and_shown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINTS)
    seeds = set()
    for _ in range(2):
        result = pytester.runpytest()
        (line,) = [x for x in result.outlines if x.startswith("sessionfaker: seed")]
        seeds.add(int(line.split()[2].rstrip(",")))
    assert len(seeds) == 2


def test_a_failure_reports_the_seed_and_reproduces_with_the_flags(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_fails(sessionfaker):
            s = sessionfaker.session()
            assert s["id"] == "no such id"
        """
    )
    first = pytester.runpytest()
    first.assert_outcomes(failed=1)
    text = first.stdout.str()
    assert "- sessionfaker -" in text
    match = re.search(
        r"seed (\d+) \(from run seed (\d+) and the test id\), now (\S+)\n"
        r"reproduce with (--sessionfaker-seed=\d+ --sessionfaker-now=\S+)",
        text,
    )
    assert match, text
    flags = match.group(4).split()
    failing_id = re.search(r"\+ (sess_\w+)", text)
    assert failing_id
    again = pytester.runpytest(*flags)
    again.assert_outcomes(failed=1)
    assert f"+ {failing_id.group(1)}" in again.stdout.str()
    assert match.group(0) in again.stdout.str()


def test_passing_tests_get_no_report_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINTS)
    result = pytester.runpytest("-rA")
    assert "- sessionfaker -" not in result.stdout.str()


def test_same_flags_same_data_and_adding_a_test_changes_no_other(
    pytester: pytest.Pytester,
) -> None:
    flags = ("-rP", "--sessionfaker-seed=9", f"--sessionfaker-now={NOW}")
    pytester.makepyfile(test_one=PRINTS)
    first = drawn(pytester.runpytest(*flags))
    assert drawn(pytester.runpytest(*flags)) == first
    pytester.makepyfile(
        test_one=PRINTS
        + """
def test_another(sessionfaker):
    print("OTHER", sessionfaker.session()["id"])
"""
    )
    assert drawn(pytester.runpytest(*flags)) == first
    other_seed = drawn(
        pytester.runpytest("-rP", "--sessionfaker-seed=10", f"--sessionfaker-now={NOW}")
    )
    assert other_seed != first


def test_tests_get_different_seeds(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_prints(sessionfaker, n):
            print("DRAWN", sessionfaker.seed)
        """
    )
    result = pytester.runpytest("-rP")
    assert len(set(drawn(result))) == 3


def test_the_marker_sets_profile_seed_and_now(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.sessionfaker(profile="b2b", seed=5, now="{NOW}")
        def test_marked(sessionfaker):
            assert sessionfaker.seed == 5
            assert sessionfaker.profile.name == "b2b"
            assert sessionfaker.now == 1793491200000
            s = sessionfaker.session()
            assert s["created_at"] <= sessionfaker.now < s["abandon_at"] or s["status"] in (
                "expired", "abandoned", "ended", "removed", "revoked", "replaced")

        @pytest.mark.sessionfaker(seed=5, now="{NOW}")
        def test_same_seed_same_data(sessionfaker):
            from sessionfaker import Generator, load_profile
            expected = next(Generator(load_profile("default", now="{NOW}"), 5).generate())
            assert sessionfaker.session() == expected
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_arguments_are_checked_before_any_test_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marks="""
        import pytest

        @pytest.mark.sessionfaker(sede=5)
        def test_typo(sessionfaker):
            pass

        @pytest.mark.sessionfaker("b2b")
        def test_positional():
            pass

        @pytest.mark.sessionfaker(seed=5)
        def test_fine(sessionfaker):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line.startswith("ERROR")] == [
        "ERROR: test_marks.py::test_typo: @pytest.mark.sessionfaker got an unknown argument "
        "'sede' (did you mean 'seed'?); expected profile, seed, now",
        "ERROR: test_marks.py::test_positional: @pytest.mark.sessionfaker takes keyword "
        "arguments only (profile, seed, now)",
    ]
    result.assert_outcomes()


def test_a_marker_added_while_running_is_checked_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_late="""
        import pytest

        @pytest.fixture
        def late(request):
            request.applymarker(pytest.mark.sessionfaker(profil="b2b"))

        def test_late(late, sessionfaker):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "E * pytest.UsageError: test_late.py::test_late: @pytest.mark.sessionfaker got an "
            "unknown argument 'profil' (did you mean 'profile'?); expected profile, seed, now"
        ]
    )


def test_the_fixtures_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def sessionfaker_seed():
            return 42

        @pytest.fixture
        def sessionfaker_profile():
            return "support"
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_overridden(sessionfaker):
            assert sessionfaker.seed == 42
            assert sessionfaker.profile.name == "support"

        @pytest.mark.sessionfaker(seed=7, profile="b2b")
        def test_the_marker_wins(sessionfaker):
            assert sessionfaker.seed == 7
            assert sessionfaker.profile.name == "b2b"

        def test_failing(sessionfaker):
            assert False
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["seed 42 (from the sessionfaker_seed fixture), now *"])


def test_a_profile_object_keeps_its_own_time(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from sessionfaker import load_profile

        @pytest.fixture
        def sessionfaker_profile():
            return load_profile("edge-cases")
        """
    )
    pytester.makepyfile(
        """
        def test_time(sessionfaker):
            assert sessionfaker.now == 1767225600000  # edge-cases pins 2026-01-01
        """
    )
    pytester.runpytest(f"--sessionfaker-now={NOW}").assert_outcomes(passed=1)


def test_factory_overrides(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest
        from sessionfaker import check_session
        from sessionfaker.errors import InvalidArgument

        pytestmark = pytest.mark.sessionfaker(now="{NOW}")

        def test_status_and_actor(sessionfaker):
            for status in ("active", "pending", "ended", "expired", "abandoned"):
                for s in sessionfaker.sessions(5, status=status):
                    assert s["status"] == status
                    assert check_session(s, now=sessionfaker.now) == []
            assert all(s["actor"] for s in sessionfaker.sessions(3, actor=True))
            assert not any(s["actor"] for s in sessionfaker.sessions(50, actor=False))

        def test_fields_replace_coherently(sessionfaker):
            user = sessionfaker.session()["user_id"]
            sessions = sessionfaker.sessions(4, user_id=user, last_active_organization_id=None)
            assert {{s["user_id"] for s in sessions}} == {{user}}
            assert len({{s["id"] for s in sessions}}) == 4

        def test_the_stream_continues(sessionfaker):
            a, b = sessionfaker.session(), sessionfaker.session()
            assert a["id"] != b["id"]

        @pytest.mark.parametrize(
            ("kwargs", "message"),
            [
                (
                    {{"created_at": 1}},
                    "Cannot have created_at=1: the session would break rule timestamp.ms "
                    "(timestamps are epoch milliseconds) at created_at: timestamp.ms (1)",
                ),
                (
                    {{"status": "pending", "tasks": None}},
                    "Cannot have status='pending', tasks=None: the session would break rule "
                    "tasks.pending (tasks is a non-empty list exactly when status is pending) "
                    "at tasks: tasks.pending (null)",
                ),
                (
                    {{"usr_id": "x"}},
                    "Cannot have usr_id='x': not a session field (did you mean 'user_id'?)",
                ),
                (
                    {{"status": "actve"}},
                    "Cannot have status='actve': not a status (did you mean 'active'?)",
                ),
                (
                    {{"actor": {{"sub": "user_x"}}}},
                    "Cannot have actor={{'sub': 'user_x'}}: expected True or False (replace the "
                    "field with a coherent session's actor instead)",
                ),
            ],
        )
        def test_incoherent_overrides_are_refused(sessionfaker, kwargs, message):
            with pytest.raises(InvalidArgument) as exc:
                sessionfaker.session(**kwargs)
            assert str(exc.value) == message

        @pytest.mark.sessionfaker(profile="consumer-mobile", now="{NOW}")
        def test_a_status_the_profile_cannot_make(sessionfaker):
            no_actors = sessionfaker.profile.with_overrides({{"actor.rate": 0}})
            from sessionfaker.pytest_plugin import SessionFactory
            with pytest.raises(InvalidArgument) as exc:
                SessionFactory(no_actors, 1).session(actor=True)
            assert str(exc.value) == (
                "Cannot have actor=True: profile 'consumer-mobile' allows no actor"
            )
        """
    )
    pytester.runpytest().assert_outcomes(passed=9)


def test_a_bad_seed_flag_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINTS)
    result = pytester.runpytest("--sessionfaker-seed=abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sessionfaker-seed: expected a non-negative integer ('abc')"])
    result = pytester.runpytest("--sessionfaker-now=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sessionfaker-now: malformed time 'soon'*"])


def test_xdist_workers_share_the_run_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_prints(sessionfaker, n):
            with open(f"drawn-{n}.txt", "w") as f:
                f.write(sessionfaker.session()["id"])
        """
    )
    flags = ("--sessionfaker-seed=3", f"--sessionfaker-now={NOW}", "-p", "no:cacheprovider")
    pytester.runpytest(*flags).assert_outcomes(passed=4)
    serial = [(pytester.path / f"drawn-{n}.txt").read_text() for n in range(4)]
    pytester.runpytest_subprocess(*flags, "-n", "2").assert_outcomes(passed=4)
    parallel = [(pytester.path / f"drawn-{n}.txt").read_text() for n in range(4)]
    assert parallel == serial


def test_the_plugin_module_imports_only_pytest_and_the_standard_library() -> None:
    code = (
        "import sys; import sessionfaker.pytest_plugin; "
        "bad = [m for m in ('hypothesis', 'sessionfaker.strategies') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
