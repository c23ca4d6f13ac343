"""What ``latest_activity`` can hold under one profile, and drawing it."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import Any, cast

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from .. import ids
from ..clients import Device, device_table, ipv6_text
from ..places import Places
from ..plan import compile_plan
from ..profile import Profile
from ..rules import ACTIVITY_ID_LAG_S, ACTIVITY_OBJECT, ACTIVITY_OPTIONAL, DEVICE_KINDS
from ..session import SessionActivity
from .common import PAYLOAD_BITS, PAYLOAD_MASK

_OMITTABLE = tuple(k for k in ACTIVITY_OPTIONAL if k != "device_type")
# Built once, as every strategy here: a new strategy object per draw costs
# Hypothesis a validation and several property computations on its first use.
_omit_masks = st.integers(0, (1 << len(_OMITTABLE)) - 1)
_activity_ids = st.integers(
    0, ((ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1) << PAYLOAD_BITS) - 1
)


@dataclasses.dataclass(frozen=True)
class Activity:
    """What latest_activity can hold under one profile: the plan's clients
    (device, browser, version) and its addresses, each tied to one place."""

    devices: tuple[str, ...]
    clients: Mapping[str, tuple[Device, ...]]
    places: Places
    ips: SearchStrategy[tuple[str, tuple[str, str | None]]]  # an address and its place

    @classmethod
    def of(
        cls, p: Profile, devices: Iterable[str] | None = None, *, any_device: bool = False
    ) -> Activity:
        plan = compile_plan(p)
        places = plan.places
        clients: dict[str, list[Device]] = {k: [] for k in DEVICE_KINDS}
        for d in plan.devices.values:
            clients[d.kind].append(d)
        for kind in DEVICE_KINDS:
            if not clients[kind]:
                clients[kind] = list(device_table(p, kind))
        ipv4 = st.integers(0, len(places.ipv4) - 1).map(
            lambda i: (places.ipv4[i], places.place(int(places.ipv4_place[i])))
        )
        ipv6 = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 0xFFFF)).map(
            lambda t: (ipv6_text(*t), places.place(places.place_of(ipv6_text(*t))))
        )
        if p.activity_ipv6_rate <= 0:
            ips = ipv4
        elif p.activity_ipv6_rate >= 1:
            ips = ipv6
        else:
            ips = ipv4 | ipv6
        allowed = tuple(k for k in DEVICE_KINDS if any_device or p.activity_devices.get(k, 0) > 0)
        if devices is not None:
            wanted = set(devices)
            allowed = tuple(k for k in allowed if k in wanted)
        return cls(allowed, {k: tuple(v) for k, v in clients.items()}, places, ips)

    @functools.cached_property
    def _device_st(self) -> SearchStrategy[str]:
        return st.sampled_from(self.devices)

    @functools.cached_property
    def _client_st(self) -> Mapping[str, SearchStrategy[Device]]:
        return {k: st.sampled_from(v) for k, v in self.clients.items()}

    def draw(self, draw: DrawFn, created_s: int) -> SessionActivity:
        v = draw(_activity_ids)
        lag = ACTIVITY_ID_LAG_S[0] + (v >> PAYLOAD_BITS)
        kind = self.devices[0] if len(self.devices) == 1 else draw(self._device_st)
        client = draw(self._client_st[kind])
        ip, (country, city) = draw(self.ips)
        # Clerk's key order.
        act: dict[str, Any] = {
            "object": ACTIVITY_OBJECT,
            "id": ids.make_id(ids.PREFIXES["session_activity"], created_s - lag, v & PAYLOAD_MASK),
        }
        if client.device_type is not None:
            act["device_type"] = client.device_type
        act["is_mobile"] = client.is_mobile
        act["browser_name"] = client.browser_name
        act["browser_version"] = client.browser_version
        act["ip_address"] = ip
        if city is not None:  # Clerk omits city when geolocation has none
            act["city"] = city
        act["country"] = country
        omit = draw(_omit_masks)
        for bit, key in enumerate(_OMITTABLE):
            if omit >> bit & 1:
                act.pop(key, None)
        return cast(SessionActivity, act)
