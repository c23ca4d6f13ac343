"""Real places, one place per IP address, and browsers as Clerk reports them
(issue 11, items 4 and 5)."""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionfaker import browsers, places, strategies
from sessionfaker.generator import Generator
from sessionfaker.vocab import COUNTRIES, load

from .conftest import profile

MIX = {c: float(w) for c, w in COUNTRIES}


def test_every_country_of_the_mix_has_its_biggest_cities_in_english() -> None:
    cities = load().cities
    assert set(cities) == set(MIX)
    firsts = {c: names[0][0] for c, names in cities.items()}
    assert firsts["US"] == "New York City" and firsts["DE"] == "Berlin"
    assert [n for n, _ in cities["JP"][:3]] == ["Tokyo", "Yokohama", "Osaka"]
    assert [n for n, _ in cities["KR"][:3]] == ["Seoul", "Busan", "Incheon"]
    for code in ("IN", "JP", "KR"):  # romanised without diacritics
        assert all(name.isascii() for name, _ in cities[code]), code
    assert "Munich" in dict(cities["DE"]) and "Oita" in dict(cities["JP"])
    # Districts that geolocation reports as their city are left out.
    assert not any(name.startswith("Paris ") for name, _ in cities["FR"])
    for names in cities.values():
        populations = [p for _, p in names]
        assert populations == sorted(populations, reverse=True)
        assert len({n for n, _ in names}) == len(names) <= places.CITIES_PER_COUNTRY


def test_iso_codes_come_from_geonames_without_withdrawn_ones() -> None:
    iso = load().iso_alpha2
    assert {"US", "HK", "PR", "XK"} <= iso and not {"AN", "CS", "UK"} & iso


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [
        (10, [0.5, 0.3, 0.2], 0, [5, 3, 2]),
        (3, [100, 1, 1], 1, [1, 1, 1]),
        (2, [100, 1, 1], 1, [2, 0, 0]),  # too few for every minimum: none given
        (7, [1, 0, 1], 0, [4, 0, 3]),  # ties go to the earlier index
        (5, [0, 0], 1, [0, 0]),
        (0, [1.0], 1, [0]),
    ],
)
def test_apportion(total: int, weights: list[float], minimum: int, expected: list[int]) -> None:
    assert places.apportion(total, weights, minimum) == expected


def test_places_follow_the_mix_and_population_with_a_country_only_share() -> None:
    p = load().places(MIX)
    assert abs(p.weight.sum() - 1) < 1e-12
    total = sum(MIX.values())
    for c, code in enumerate(p.countries):
        lo, hi = int(p.country_start[c]), int(p.country_start[c + 1])
        assert set(p.country[lo:hi]) == {code}
        assert p.weight[lo:hi].sum() == pytest.approx(MIX[code] / total)
        # The last place of each country is the country alone.
        assert p.city[hi - 1] is None and None not in p.city[lo : hi - 1]
        assert p.weight[hi - 1] == pytest.approx(places.COUNTRY_ONLY * MIX[code] / total)
        named = load().cities[code]
        ratio = p.weight[lo] / p.weight[lo + 1]
        assert ratio == pytest.approx(named[0][1] / named[1][1])


def test_each_ipv4_address_is_in_one_place_dealt_by_weight() -> None:
    p = load().places(MIX)
    assert len(p.ipv4) == len(p.ipv4_place) == 3 * 256
    assert p.ipv4[0] == "192.0.2.0" and p.ipv4[-1] == "203.0.113.255"
    assert np.all(np.diff(p.ipv4_place) >= 0)
    counts = np.diff(p.ipv4_country_start)
    assert counts.sum() == 768 and counts.min() >= 1
    expected = 768 * np.array([MIX[c] for c in p.countries]) / sum(MIX.values())
    assert np.all(np.abs(counts - expected) < 1)
    for c in range(len(p.countries)):
        lo, hi = p.ipv4_country_start[c], p.ipv4_country_start[c + 1]
        assert {p.country[i] for i in p.ipv4_place[lo:hi]} == {p.countries[c]}
    for a, address in enumerate(p.ipv4):
        assert p.place_of(address) == p.ipv4_place[a]


def test_each_ipv6_network_is_in_one_place_dealt_by_weight() -> None:
    p = load().places(MIX)
    assert int(p.ipv6_bounds[-1]) == places.IPV6_KEYS
    sizes = np.diff(np.concatenate(([0], p.ipv6_bounds))) / places.IPV6_KEYS
    assert np.all(np.abs(sizes - p.weight) < 1e-8)
    keys = np.array([0, 1, 2**31, 2**32 - 1], dtype=np.int64)
    for key, place in zip(keys.tolist(), p.ipv6_place(keys).tolist(), strict=True):
        for host in (1, 2**63):
            address = p.ipv6_address(key, host)
            assert ipaddress.ip_address(address) in places.IPV6_NETWORK
            assert p.place_of(address) == place
    assert p.place(p.place_of("2001:db8::1")) == ("US", "New York City")


def test_place_of_refuses_other_addresses() -> None:
    p = load().places(MIX)
    for address in ("8.8.8.8", "2001:db9::1", "203.0.114.1"):
        with pytest.raises(ValueError, match="not"):
            p.place_of(address)


def test_the_map_is_a_function_of_the_mix() -> None:
    a = load().places({"US": 3.0, "GB": 1.0})
    b = places.Places.compile({"US": 3.0, "GB": 1.0}, load().cities)
    assert a is load().places({"US": 3.0, "GB": 1.0})
    assert np.array_equal(a.ipv4_place, b.ipv4_place) and a.city == b.city
    assert list(np.diff(a.ipv4_country_start)) == [576, 192]
    with pytest.raises(ValueError, match="no country"):
        load().places({"US": 0.0})
    # A country the vocabulary has no cities for is all "country only".
    nz = places.Places.compile({"NZ": 1.0, "US": 0.0}, load().cities)
    assert nz.countries == ("NZ",) and nz.city == (None,) and list(nz.weight) == [1.0]
    assert nz.place(nz.place_of("203.0.113.9")) == ("NZ", None)


def _activities(name: str, n: int = 20_000) -> list[dict[str, Any]]:
    gen = Generator(profile(name), 3)
    return [a for s in gen.generate(0, n) if (a := s["latest_activity"]) is not None]


@pytest.mark.parametrize("name", ["default", "b2b"])
def test_generated_addresses_each_have_one_place_and_cities_follow_population(name: str) -> None:
    seen: dict[str, set[tuple[str | None, str]]] = defaultdict(set)
    acts = _activities(name)
    for a in acts:
        seen[a["ip_address"]].add((a.get("city"), a["country"]))
    assert max(len(v) for v in seen.values()) == 1
    assert any(":" in ip for ip in seen) and any("." in ip for ip in seen)
    cities = load().cities
    for a in acts:
        if "city" in a:
            assert a["city"] in dict(cities[a["country"]])
    share = sum("city" not in a for a in acts) / len(acts)
    assert 0.02 < share < 0.09  # about places.COUNTRY_ONLY
    us = Counter(a.get("city") for a in acts if a["country"] == "US")
    assert us["New York City"] > us["Chicago"] > us["Wichita Falls"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_strategy_addresses_each_have_one_place(data: st.DataObject) -> None:
    p = load().places(profile("default").activity_countries)
    act = data.draw(strategies.latest_activities(profile("default")))
    if "ip_address" in act:
        country, city = p.place(p.place_of(act["ip_address"]))
        # The strategy may leave out any optional key, city and country too.
        assert act.get("country", country) == country
        assert act.get("city", city) == city


UA = {
    "ios_safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "mac_safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
    "crios": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) CriOS/131.0.6778.134 Mobile/15E148 Safari/604.1",
    "win_chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "win_edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "android_chrome": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
    "samsung": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
    "linux_firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "ipad_safari": "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/18.6.2 Mobile/15E148 Safari/604.1",
    # Left out:
    "chrome_os": "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36",
    "google_app": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) GSA/363.0.743255906 Mobile/15E148 Safari/604.1",
    "unreduced": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/100.0.4896.127 Safari/537.36",
    "iphone_chrome": "Mozilla/5.0 (iPhone; CPU iPhone OS 11_0 like Mac OS X) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/44.0.5213.1363 Mobile Safari/537.36",
    "safari_17_10": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.10 Safari/605.1.15",
    "windows_safari": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "legacy_edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like"
    " Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
    "bot": "curl/8.5.0",
}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("ios_safari", (True, "iPhone", "Safari", "17.3")),
        ("mac_safari", (False, "Macintosh", "Safari", "26.1")),
        ("crios", (True, "iPhone", "Chrome", "131.0.6778.134")),
        ("win_chrome", (False, "Windows", "Chrome", "142.0.0.0")),
        ("win_edge", (False, "Windows", "Edge", "142.0.0.0")),
        ("android_chrome", (True, "Android", "Chrome", "142.0.0.0")),
        ("samsung", (True, "Android", "Samsung Internet", "28.0")),
        ("linux_firefox", (False, "Linux", "Firefox", "145.0")),
        ("ipad_safari", (True, "iPad", "Safari", "18.6")),
        ("chrome_os", None),
        ("google_app", None),
        ("unreduced", None),
        ("iphone_chrome", None),
        ("safari_17_10", None),
        ("windows_safari", None),
        ("legacy_edge", None),
        ("bot", None),
    ],
)
def test_user_agents_as_clerk_reports_them(key: str, expected: Any) -> None:
    assert browsers.parse(UA[key]) == expected


def test_the_shipped_mix_is_consistent_with_the_device() -> None:
    vocab = load()
    allowed = {
        "Windows": {"Chrome", "Edge", "Firefox"},
        "Macintosh": {"Chrome", "Edge", "Firefox", "Safari"},
        "Linux": {"Chrome", "Edge", "Firefox"},
        "iPhone": {"Safari", "Chrome"},
        "iPad": {"Safari", "Chrome"},
        "Android": {"Chrome", "Samsung Internet", "Firefox"},
    }
    for mobile in (False, True):
        table = vocab.web_devices(mobile=mobile)
        assert sum(table.values()) == pytest.approx(1)
        for device, name, _ in table:
            assert name in allowed[device]
            assert (device in ("iPhone", "iPad", "Android")) == mobile
    desktop: dict[str, float] = defaultdict(float)
    for (_, name, _), share in vocab.web_devices(mobile=False).items():
        desktop[name] += share
    assert max(desktop, key=desktop.__getitem__) == "Chrome"
    assert desktop["Safari"] > desktop["Firefox"]


def test_generated_ipv6_addresses_are_canonical() -> None:
    gen = Generator(profile("default").with_overrides({"activity.ipv6_rate": 1.0}), 1)
    for s in gen.generate(0, 2000):
        if (a := s["latest_activity"]) is not None:
            assert str(ipaddress.ip_address(a["ip_address"])) == a["ip_address"]
    # The spelling the generator falls back to when the fast one is not canonical.
    assert places.Places.ipv6_address(0x0005_0000, 7) == "2001:db8:5::7"


def test_apportion_takes_weights_near_the_float_maximum() -> None:
    # Found by the profile-holes property test: the plain sum overflowed to infinity.
    assert places.apportion(10, [1.7e308, 1.7e308, 1e308]) == [4, 4, 2]
