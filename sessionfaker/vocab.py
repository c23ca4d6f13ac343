"""Vocabulary for session activity: countries, cities, browsers, devices.

Faker supplies the words, once, at development time: :func:`build` draws them
from seeded Faker instances and the result ships as
``data/vocabulary.json``. At run time sessionfaker only reads that file, so
the output does not depend on the installed Faker version nor on Faker's
per-call speed. ``python -m sessionfaker.vocab`` rewrites the file; a test
checks that it matches what the pinned Faker produces.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

# Country, Faker locale for its cities, and a rough share of traffic.
COUNTRIES: tuple[tuple[str, str, int], ...] = (
    ("US", "en_US", 34),
    ("GB", "en_GB", 8),
    ("DE", "de_DE", 8),
    ("IN", "en_IN", 8),
    ("FR", "fr_FR", 6),
    ("BR", "pt_BR", 6),
    ("CA", "en_CA", 5),
    ("JP", "ja_JP", 5),
    ("AU", "en_AU", 4),
    ("ES", "es_ES", 4),
    ("NL", "nl_NL", 3),
    ("KR", "ko_KR", 3),
    ("MX", "es_MX", 3),
    ("PL", "pl_PL", 2),
    ("SE", "sv_SE", 2),
)
CITIES_PER_COUNTRY = 24

# (browser name, lowest and highest major version) for web sessions.
DESKTOP_BROWSERS: tuple[tuple[str, int, int, int], ...] = (
    ("Chrome", 128, 142, 60),
    ("Safari", 17, 26, 17),
    ("Edge", 128, 142, 12),
    ("Firefox", 130, 145, 11),
)
MOBILE_BROWSERS: tuple[tuple[str, int, int, int], ...] = (
    ("Safari", 17, 26, 55),
    ("Chrome", 128, 142, 40),
    ("Samsung Internet", 25, 28, 5),
)
DESKTOP_DEVICES: tuple[tuple[str, int], ...] = (("Macintosh", 45), ("Windows", 47), ("Linux", 8))

SOURCE = "data/vocabulary.json"


def build() -> dict[str, Any]:
    """Draw the vocabulary from seeded Faker instances (needs ``faker``)."""
    from faker import Faker
    from faker.providers.address import Provider as AddressProvider
    from faker.providers.user_agent import Provider as UserAgentProvider

    cities: dict[str, list[str]] = {}
    for code, locale, _ in COUNTRIES:
        fake = Faker(locale)
        fake.seed_instance(f"sessionfaker/{code}")
        seen: list[str] = []
        for _ in range(CITIES_PER_COUNTRY * 20):
            city = fake.city()
            if city not in seen:
                seen.append(city)
            if len(seen) == CITIES_PER_COUNTRY:
                break
        cities[code] = seen
    mobile = [d for d in UserAgentProvider.apple_devices if d.startswith("iP")]
    return {
        "countries": [[code, weight] for code, _, weight in COUNTRIES],
        "cities": cities,
        "iso_alpha2": sorted(set(AddressProvider.alpha_2_country_codes)),
        "desktop_browsers": [list(b) for b in DESKTOP_BROWSERS],
        "mobile_browsers": [list(b) for b in MOBILE_BROWSERS],
        "desktop_devices": [list(d) for d in DESKTOP_DEVICES],
        "mobile_devices": [[d, 60 if d == "iPhone" else 10] for d in sorted(set(mobile))]
        + [["Android", 40]],
    }


@dataclass(frozen=True)
class Vocabulary:
    countries: tuple[tuple[str, int], ...]
    cities: dict[str, tuple[str, ...]]
    iso_alpha2: frozenset[str]
    desktop_browsers: tuple[tuple[str, int, int, int], ...]
    mobile_browsers: tuple[tuple[str, int, int, int], ...]
    desktop_devices: tuple[tuple[str, int], ...]
    mobile_devices: tuple[tuple[str, int], ...]


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@functools.cache
def load() -> Vocabulary:
    """The shipped vocabulary."""
    doc = json.loads(resources.files("sessionfaker").joinpath(SOURCE).read_text("utf-8"))
    return Vocabulary(
        countries=tuple((c, int(w)) for c, w in doc["countries"]),
        cities={k: tuple(v) for k, v in doc["cities"].items()},
        iso_alpha2=frozenset(doc["iso_alpha2"]),
        desktop_browsers=tuple(
            (n, int(a), int(b), int(w)) for n, a, b, w in doc["desktop_browsers"]
        ),
        mobile_browsers=tuple((n, int(a), int(b), int(w)) for n, a, b, w in doc["mobile_browsers"]),
        desktop_devices=tuple((n, int(w)) for n, w in doc["desktop_devices"]),
        mobile_devices=tuple((n, int(w)) for n, w in doc["mobile_devices"]),
    )


def main() -> None:
    path = Path(__file__).parent / SOURCE
    path.write_text(dumps(build()), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
