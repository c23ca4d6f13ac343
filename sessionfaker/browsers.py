"""Web browsers as Clerk reports them, from a real mix of user agents.

The mix is ``fake-useragent``'s ``browsers.jsonl`` (version pinned in the
``test`` extra): user-agent strings seen on real sites, each with its share of
traffic (collected April 2025). :func:`build` reads it once, at development
time, and :func:`parse` turns each user agent into what Clerk's session
activity reports for it, ``(is_mobile, device_type, browser_name,
browser_version)``, following the values seen in Clerk's responses
(clerk-session.md, section 10):

* ``device_type`` is the platform the user agent names first: ``Windows``,
  ``Macintosh``, ``iPhone``, ``iPad``, ``Linux`` (X11), ``Android``.
* Safari reports ``major.minor`` of its ``Version/`` token (``17.3``, ``18.6``);
  Chrome on iOS the full build of its ``CriOS/`` token (``131.0.6778.134``);
  Chrome and Edge on desktop and Android the reduced ``N.0.0.0`` their user
  agent carries; Firefox ``N.0``; Samsung Internet ``N.0``.

User agents that do not fit are left out and the rest renormalised: in-app
browsers (Google app, Facebook, Instagram, LINE), Opera, Yandex, Firefox and
Edge on iOS, Edge on Android, Chrome OS (which Clerk names some way we have not
seen), legacy EdgeHTML, desktop or Android Chrome with a full (unreduced)
build, Safari versions that never shipped, and impossible pairs (Safari off
Apple devices, "Chrome" on an iPhone without ``CriOS``).
"""

from __future__ import annotations

import re
from typing import Any

# One entry per (is_mobile, device_type, browser_name, browser_version), with
# its share of that kind of traffic (desktop or mobile web) in parts per million.
UserAgent = tuple[bool, str, str, str, int]

_PLATFORMS = (
    (re.compile(r"^\((?:Windows NT|Windows;)"), "Windows", False),
    (re.compile(r"^\(Macintosh;"), "Macintosh", False),
    (re.compile(r"^\(iPhone;"), "iPhone", True),
    (re.compile(r"^\(iPad;"), "iPad", True),
    (re.compile(r"^\(Linux; (?:U; )?Android"), "Android", True),
    (re.compile(r"^\(X11; (?:Linux|Ubuntu|Fedora)"), "Linux", False),
)
# Browsers Clerk's data would name otherwise, or that we cannot place.
_SKIP = re.compile(
    r"\b(?:GSA|FBAN|FBAV|Instagram|Line|OPR|OPiOS|YaBrowser|FxiOS|EdgiOS|EdgA|Edge|"
    r"DuckDuckGo|UCBrowser|Silk|MiuiBrowser|HuaweiBrowser|Vivaldi|Brave|Twitter)/"
)
_APPLE = frozenset({"Macintosh", "iPhone", "iPad"})
_IOS = frozenset({"iPhone", "iPad"})
_REDUCED = re.compile(r"^\d+\.0\.0\.0$")
_MAJOR_ZERO = re.compile(r"^\d+\.0$")
_SAFARI_LAST_MINOR = 6


def _token(ua: str, name: str) -> str | None:
    m = re.search(rf"\b{name}/([0-9][0-9.]*)", ua)
    return m.group(1) if m else None


def parse(ua: str) -> tuple[bool, str, str, str] | None:
    """What Clerk reports for user agent ``ua``, or None when it is left out.

    >>> parse("Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 "
    ...       "(KHTML, like Gecko) CriOS/131.0.6778.134 Mobile/15E148 Safari/604.1")
    (True, 'iPhone', 'Chrome', '131.0.6778.134')
    >>> parse("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    ...       "(KHTML, like Gecko) Version/18.3.1 Safari/605.1.15")
    (False, 'Macintosh', 'Safari', '18.3')
    """
    paren = ua.find("(")
    platform = next(
        ((name, mobile) for rx, name, mobile in _PLATFORMS if rx.match(ua[paren:])), None
    )
    if paren < 0 or platform is None or _SKIP.search(ua):
        return None
    device, mobile = platform
    samsung, edge, crios = _token(ua, "SamsungBrowser"), _token(ua, "Edg"), _token(ua, "CriOS")
    firefox, chrome, safari = _token(ua, "Firefox"), _token(ua, "Chrome"), _token(ua, "Version")
    if samsung is not None:
        name, version, ok = "Samsung Internet", samsung, device == "Android"
    elif edge is not None:
        name, version, ok = "Edge", edge, device not in _IOS and device != "Android"
    elif crios is not None:
        name, version, ok = "Chrome", crios, device in _IOS
    elif firefox is not None:
        name, version, ok = "Firefox", firefox, device not in _IOS
    elif chrome is not None:
        name, version, ok = "Chrome", chrome, device not in _IOS
    elif safari is not None and "Safari/" in ua:
        name, version, ok = "Safari", ".".join(safari.split(".")[:2]), device in _APPLE
    else:
        return None
    if name in ("Chrome", "Edge") and crios is None:
        ok = ok and bool(_REDUCED.match(version))
    elif name in ("Firefox", "Samsung Internet"):
        ok = ok and bool(_MAJOR_ZERO.match(version))
    elif name == "Safari":
        # Every Safari major so far ended at .6 or earlier (Apple's release
        # notes); "17.10" and the like come from spoofed user agents.
        _, _, minor = version.partition(".")
        ok = ok and minor.isdigit() and int(minor) <= _SAFARI_LAST_MINOR
    return (mobile, device, name, version) if ok else None


def build() -> list[list[Any]]:
    """The web user-agent table from the pinned ``fake-useragent`` (a test
    dependency), as JSON-ready rows ``[is_mobile, device_type, browser_name,
    browser_version, parts per million of its kind]``, most common first."""
    import json
    from importlib import resources

    text = resources.files("fake_useragent").joinpath("data/browsers.jsonl").read_text("utf-8")
    shares: dict[tuple[bool, str, str, str], float] = {}
    for line in text.splitlines():
        row = json.loads(line)
        parsed = parse(row["useragent"])
        if parsed is not None:
            shares[parsed] = shares.get(parsed, 0.0) + float(row["percent"])
    totals = {m: sum(s for k, s in shares.items() if k[0] == m) for m in (False, True)}
    rows: list[UserAgent] = [(*k, round(1e6 * s / totals[k[0]])) for k, s in shares.items()]
    rows.sort(key=lambda r: (r[0], -r[4], r[1], r[2], r[3]))
    return [list(r) for r in rows if r[4] > 0]
