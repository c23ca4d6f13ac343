"""sessionfaker.measures on small hand-made samples (issue 11, item 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sessionfaker import generate, ids, load_profile, measures
from sessionfaker.cli import cli

DAY = measures.DAY_MS
NOW = 1_793_491_200_000  # 2026-11-01T00:00:00Z
START = NOW - 90 * DAY


def act(**keys: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"object": "session_activity", "is_mobile": False}
    return {**base, **keys}


def session(**keys: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "sess_x",
        "user_id": "user_x",
        "client_id": "client_x",
        "status": "active",
        "actor": None,
        "created_at": NOW - DAY,
        "updated_at": NOW - DAY,
        "expire_at": NOW + 6 * DAY,
        "latest_activity": None,
    }
    return {**base, **keys}


def test_client_devices_counts_clients_whose_device_or_browser_changes() -> None:
    mac = act(device_type="Macintosh", browser_name="Safari", browser_version="18.3")
    sample = [
        session(client_id="client_a", latest_activity=mac),
        # A newer version of the same browser is the same install.
        session(client_id="client_a", latest_activity={**mac, "browser_version": "18.4"}),
        session(client_id="client_b", latest_activity=mac),
        session(client_id="client_b", latest_activity={**mac, "browser_name": "Chrome"}),
        session(client_id="client_c", latest_activity=mac),
        session(client_id="client_c", latest_activity={**mac, "is_mobile": True}),
        session(client_id="client_d", latest_activity=None),
    ]
    result = measures.client_devices(sample)
    assert (result.part, result.whole, result.examples) == (2, 3, ("client_b", "client_c"))
    assert result.value == pytest.approx(2 / 3)


def test_ip_places_counts_addresses_seen_in_two_places() -> None:
    sample = [
        session(latest_activity=act(ip_address="192.0.2.1", city="Chicago", country="US")),
        session(latest_activity=act(ip_address="192.0.2.1", city="Chicago", country="US")),
        session(latest_activity=act(ip_address="192.0.2.2", city="Chicago", country="US")),
        session(latest_activity=act(ip_address="192.0.2.2", country="US")),  # no city
        session(latest_activity=act(city="Paris", country="FR")),  # no address
    ]
    result = measures.ip_places(sample)
    assert (result.part, result.whole, result.examples) == (1, 2, ("192.0.2.2",))


def test_unknown_cities_checks_the_city_against_its_country() -> None:
    cities = {"US": [("Chicago", 2_664_452)], "FR": [("Paris", 2_138_551)]}
    sample = [
        session(latest_activity=act(city="Chicago", country="US")),
        session(latest_activity=act(city="Paris", country="US")),
        session(latest_activity=act(city="Simmonsfort", country="US")),
        session(latest_activity=act(city="Simmonsfort", country="US")),
        session(latest_activity=act(country="FR")),
    ]
    result = measures.unknown_cities(sample, cities)
    assert (result.part, result.whole) == (3, 4)
    assert result.examples == ("Simmonsfort, US", "Paris, US")
    shipped = measures.unknown_cities([session(latest_activity=act(city="Tokyo", country="JP"))])
    assert shipped.part == 0 and shipped.whole == 1


def test_recent_density_is_one_for_a_steady_rate_and_shows_a_cliff() -> None:
    steady = [session(created_at=START + i * DAY // 2) for i in range(180)]
    assert measures.recent_density(steady, START, NOW).value == pytest.approx(1, abs=0.1)
    cliff = steady + [session(created_at=NOW - DAY)] * 140  # 154 of 320 in the last 7 days
    result = measures.recent_density(cliff, START, NOW)
    assert (result.recent, result.total) == (154, 320)
    assert result.value == pytest.approx((154 / 7) / (320 / 90))
    before = [session(created_at=START - DAY)]  # outside the window: not counted
    assert measures.recent_density(before, START, NOW).total == 0
    assert measures.recent_density(before, START, NOW).value == 0


def test_late_actors_counts_impersonations_of_the_last_half_hour() -> None:
    actor = {"sub": "user_staff"}
    sample = [
        session(actor=actor, created_at=NOW - 10 * measures.MINUTE_MS),
        session(actor=actor, created_at=NOW - 30 * measures.MINUTE_MS),
        session(actor=actor, created_at=NOW - 31 * measures.MINUTE_MS),
        session(actor=actor, created_at=NOW - DAY),
        session(created_at=NOW - measures.MINUTE_MS),  # no actor
    ]
    result = measures.late_actors(sample, NOW)
    assert (result.part, result.whole, result.value) == (2, 4, 0.5)


def test_live_per_user_counts_active_and_pending_sessions() -> None:
    sample = [
        *[session(user_id="user_a") for _ in range(4)],
        session(user_id="user_a", status="pending"),
        session(user_id="user_a", status="ended"),
        session(user_id="user_b"),
        session(user_id="user_c", status="expired"),
    ]
    result = measures.live_per_user(sample)
    assert (result.keys, result.max, result.top[0]) == (2, 5, ("user_a", 5))
    assert result.quantiles == {"p50": 5, "p90": 5, "p99": 5}
    empty = measures.live_per_user([session(status="revoked")])
    assert (empty.keys, empty.max, empty.quantiles["p50"]) == (0, 0, 0)


def test_new_users_reads_the_sign_up_second_from_the_user_id() -> None:
    prefix = ids.PREFIXES["user"]
    old = ids.make_id(prefix, START // 1000 - 1, 1)
    new = ids.make_id(prefix, START // 1000, 2)
    sample = [session(user_id=old), session(user_id=new), session(user_id=new)]
    sample.append(session(user_id="user_not_a_ksuid"))  # not an id: not counted
    result = measures.new_users(sample, START)
    assert (result.part, result.whole) == (1, 2)


def test_expired_at_expiry_counts_expired_sessions_last_updated_at_expiry() -> None:
    sample = [
        session(status="expired", updated_at=NOW, expire_at=NOW),
        session(status="expired", updated_at=NOW - 3_600_000, expire_at=NOW),
        session(status="active", updated_at=NOW, expire_at=NOW),
    ]
    result = measures.expired_at_expiry(sample)
    assert (result.part, result.whole) == (1, 2)


def test_shared_ids_between_two_samples() -> None:
    a = [session(id="sess_1"), session(id="sess_2")]
    b = [session(id="sess_2"), session(id="sess_3"), session(id="sess_4")]
    result = measures.shared_ids(a, b)
    assert (result.part, result.whole, result.examples) == (1, 3, ("sess_2",))


def test_client_overlaps_counts_sessions_opened_before_the_previous_one_ended() -> None:
    h = 3_600_000
    ended = {"status": "ended", "updated_at": NOW - 10 * DAY}
    expired = {"status": "expired", "expire_at": NOW - 5 * DAY, "abandon_at": NOW + DAY}
    sample = [
        # client_a: ended at -10d; expired (at -5d) from -12d: opened before the end.
        session(client_id="client_a", created_at=NOW - 11 * DAY, **ended),
        session(client_id="client_a", created_at=NOW - 12 * DAY, **expired),
        # client_b: expired at -5d, then a live one from -5d, then another live one.
        session(client_id="client_b", created_at=NOW - 12 * DAY, **expired),
        session(client_id="client_b", created_at=NOW - 5 * DAY),
        session(client_id="client_b", created_at=NOW - h),
        # Another user on client_b: a pair of its own, alone.
        session(client_id="client_b", user_id="user_y", created_at=NOW - h),
    ]
    result = measures.client_overlaps(sample)
    assert (result.part, result.whole) == (2, 3)
    assert result.examples == ("user_x on client_a", "user_x on client_b")
    assert measures.session_end(session(status="revoked", updated_at=7)) == 7
    assert measures.session_end(session(status="pending")) == -1
    assert measures.session_end(session(status="abandoned", expire_at=9, abandon_at=8)) == 8
    assert measures.session_end({"status": "expired"}) is None


@pytest.mark.parametrize("name", ["default", "b2b", "support", "consumer-mobile"])
def test_by_default_no_two_sessions_of_one_client_overlap(name: str) -> None:
    p = load_profile(name, now="2026-11-01T00:00:00Z")
    result = measures.client_overlaps(generate(p, 20_000, seed=5))
    assert result.part == 0 and result.whole > 500, result
    # The other layout, for contrast: the measure can fail.
    sessions = generate(p.with_overrides({"population.model": "sessions"}), 20_000, seed=5)
    assert measures.client_overlaps(sessions).part > 0


def test_report_holds_every_single_sample_measure_as_json() -> None:
    sample = [session(latest_activity=act(ip_address="192.0.2.1", city="Chicago", country="US"))]
    report = measures.report(sample, START, NOW)
    assert list(report) == [
        "client_devices",
        "ip_places",
        "unknown_cities",
        "recent_density",
        "late_actors",
        "live_per_user",
        "new_users",
        "expired_at_expiry",
    ]
    assert report["ip_places"] == {"part": 0, "whole": 1, "examples": [], "value": 0.0}
    assert report["live_per_user"]["top"] == {"user_x": 1}
    assert report["recent_density"]["value"] == pytest.approx(90 / 7)


def test_a_tally_fed_one_session_at_a_time_gives_the_same_report() -> None:
    sample = [
        session(id=f"sess_{i}", client_id=f"client_{i % 3}", created_at=NOW - i * DAY)
        for i in range(20)
    ]
    tally = measures.Tally()
    for s in sample:
        tally.add(s)
    assert tally.report(START, NOW) == measures.report(iter(sample), START, NOW)


def test_stats_reports_the_measures_of_the_file(tmp_path: Path) -> None:
    p = load_profile("default", now="2026-11-01T00:00:00Z")
    sample = list(generate(p, 400, seed=2))
    path = tmp_path / "s.ndjson"
    path.write_text("".join(json.dumps(s) + "\n" for s in sample), encoding="utf-8")
    doc = json.loads(CliRunner().invoke(cli, ["stats", str(path), "--json"]).output)
    first = min(s["created_at"] for s in sample)
    expected = measures.report(sample, first, doc["reference_time_ms"])
    assert doc["realism"] == json.loads(json.dumps(expected))
    assert doc["realism"]["ip_places"]["part"] == 0
    text = CliRunner().invoke(cli, ["stats", str(path)]).output
    ip = expected["ip_places"]
    # Column widths follow the other rows: compare the words.
    assert f"IP addresses in more than one place 0.0% 0 of {ip['whole']:,}" in " ".join(
        text.split()
    )


def test_malformed_values_are_left_out_not_fatal() -> None:
    odd = act(ip_address=5, city=["x"], country={"c": 1}, device_type=[1])
    sample = [
        session(client_id=[], user_id=None, created_at="soon", latest_activity=odd),
        session(client_id="client_a", latest_activity=odd),
        session(client_id="client_a", latest_activity=act(device_type="Windows")),
        session(latest_activity=act(ip_address="192.0.2.1", city=None, country=["US"])),
    ]
    report = measures.report(sample, START, NOW)
    assert report["client_devices"]["part"] == 1  # [1] vs "Windows" on client_a
    assert report["ip_places"]["whole"] == 1 and report["unknown_cities"]["whole"] == 0
    assert report["recent_density"]["total"] == 3 and report["new_users"]["whole"] == 0
