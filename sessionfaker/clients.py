"""What a client is and where it signs in from, as ``latest_activity`` shows it.

A client is one browser or app install: a device kind, a device type, a
browser and its version, for life (:class:`Device`). Its address is a
documentation address, each in one place of the vocabulary's
:class:`~sessionfaker.places.Places`. Both engines write these the same way.
"""

from __future__ import annotations

import dataclasses

import orjson

from .places import Places
from .profile import Profile
from .vocab import load as load_vocabulary


def ipv6_text(key: int, host: int) -> str:
    """Host ``host`` (1 to 0xFFFF) of the documentation /64 ``key``, as
    :mod:`ipaddress` writes it (the longest run of zero groups as ``::``).

    >>> ipv6_text(0x0001_00FF, 0x2A), ipv6_text(0x0001_0000, 1), ipv6_text(0, 1)
    ('2001:db8:1:ff::2a', '2001:db8:1::1', '2001:db8::1')
    """
    hi, lo = key >> 16, key & 0xFFFF
    if lo:
        return f"2001:db8:{hi:x}:{lo:x}::{host:x}"
    return f"2001:db8:{hi:x}::{host:x}" if hi else f"2001:db8::{host:x}"


def place_piece(places: Places, index: int) -> bytes:
    """``,"city":...,"country":...}``: the end of an activity in ``places``'s
    place ``index`` (city omitted when geolocation has none, as Clerk does)."""
    country, city = places.place(index)
    body = {"city": city, "country": country} if city else {"country": country}
    return b"," + orjson.dumps(body)[1:]


@dataclasses.dataclass(frozen=True)
class Device:
    kind: str  # desktop | mobile_web | native_app
    device_type: str | None
    browser_name: str
    browser_version: str

    @property
    def is_mobile(self) -> bool:
        return self.kind != "desktop"

    def piece(self) -> bytes:
        """The activity's keys from ``device_type`` to ``browser_version``, in Clerk's order."""
        head = b',"device_type":' + orjson.dumps(self.device_type) if self.device_type else b""
        body = {
            "is_mobile": self.is_mobile,
            "browser_name": self.browser_name,
            "browser_version": self.browser_version,
        }
        return head + b"," + orjson.dumps(body)[1:-1]


def device_table(p: Profile, kind: str) -> dict[Device, float]:
    """Every client of device kind ``kind`` (device, browser and version) and its share."""
    vocab = load_vocabulary()
    if kind == "native_app":
        n = len(vocab.app_versions)
        return {Device(kind, None, p.activity_app_name, v): 1 / n for v in vocab.app_versions}
    table = vocab.web_devices(mobile=kind == "mobile_web")
    return {Device(kind, d, name, version): w for (d, name, version), w in table.items()}
