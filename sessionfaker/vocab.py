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

# (browser name, major versions in release order, share) for web sessions.
# Safari went from 18 to 26 in 2025.
Browser = tuple[str, tuple[int, ...], int]
DESKTOP_BROWSERS: tuple[Browser, ...] = (
    ("Chrome", tuple(range(128, 143)), 60),
    ("Safari", (17, 18, 26), 17),
    ("Edge", tuple(range(128, 143)), 12),
    ("Firefox", tuple(range(130, 146)), 11),
)
MOBILE_BROWSERS: tuple[Browser, ...] = (
    ("Safari", (17, 18, 26), 55),
    ("Chrome", tuple(range(128, 143)), 40),
    ("Samsung Internet", (25, 26, 27, 28), 5),
)
# (device_type, share, the browsers seen on it): no Safari on Windows or Android.
DESKTOP_DEVICES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("Macintosh", 45, ("Chrome", "Safari", "Firefox", "Edge")),
    ("Windows", 47, ("Chrome", "Edge", "Firefox")),
    ("Linux", 8, ("Chrome", "Firefox")),
)
IOS_BROWSERS = ("Safari", "Chrome")
ANDROID = ("Android", 40, ("Chrome", "Samsung Internet"))
# Versions of the profile's native app (its browser_version in Clerk's data).
APP_VERSIONS = tuple(f"{major}.{minor}.0" for major in (3, 4) for minor in range(8))

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
        "desktop_browsers": [[n, list(v), w] for n, v, w in DESKTOP_BROWSERS],
        "mobile_browsers": [[n, list(v), w] for n, v, w in MOBILE_BROWSERS],
        "desktop_devices": [[d, w, list(b)] for d, w, b in DESKTOP_DEVICES],
        "mobile_devices": [
            [d, 60 if d == "iPhone" else 10, list(IOS_BROWSERS)] for d in sorted(set(mobile))
        ]
        + [[ANDROID[0], ANDROID[1], list(ANDROID[2])]],
        "app_versions": list(APP_VERSIONS),
    }


Device = tuple[str, int, tuple[str, ...]]


def browser_version(name: str, major: int) -> str:
    """How a browser spells its version in Clerk's session activity.

    >>> browser_version("Chrome", 131), browser_version("Safari", 18)
    ('131.0.0.0', '18.0')
    """
    return f"{major}.0.0.0" if name in ("Chrome", "Edge") else f"{major}.0"


@dataclass(frozen=True)
class Vocabulary:
    countries: tuple[tuple[str, int], ...]
    cities: dict[str, tuple[str, ...]]
    iso_alpha2: frozenset[str]
    desktop_browsers: tuple[Browser, ...]
    mobile_browsers: tuple[Browser, ...]
    desktop_devices: tuple[Device, ...]
    mobile_devices: tuple[Device, ...]
    app_versions: tuple[str, ...]

    def web_devices(self, *, mobile: bool) -> dict[tuple[str, str, str], float]:
        """Each (device_type, browser_name, browser_version) with its share (summing to 1).

        A browser appears only on the devices it runs on; newer major versions
        are more common than older ones.
        """
        devices = self.mobile_devices if mobile else self.desktop_devices
        browsers = {b[0]: b for b in (self.mobile_browsers if mobile else self.desktop_browsers)}
        device_total = sum(w for _, w, _ in devices)
        out: dict[tuple[str, str, str], float] = {}
        for device, device_weight, allowed in devices:
            table = [browsers[name] for name in allowed]
            browser_total = sum(w for _, _, w in table)
            for name, majors, weight in table:
                ramp = sum(range(1, len(majors) + 1))
                share = device_weight / device_total * weight / browser_total
                for rank, major in enumerate(majors, 1):
                    out[device, name, browser_version(name, major)] = share * rank / ramp
        return out


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
        desktop_browsers=tuple((n, tuple(v), int(w)) for n, v, w in doc["desktop_browsers"]),
        mobile_browsers=tuple((n, tuple(v), int(w)) for n, v, w in doc["mobile_browsers"]),
        desktop_devices=tuple((n, int(w), tuple(b)) for n, w, b in doc["desktop_devices"]),
        mobile_devices=tuple((n, int(w), tuple(b)) for n, w, b in doc["mobile_devices"]),
        app_versions=tuple(doc["app_versions"]),
    )


def main() -> None:
    path = Path(__file__).parent / SOURCE
    path.write_text(dumps(build()), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
