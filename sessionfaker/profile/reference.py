"""The profile reference (``docs/profiles.md``), generated from :data:`~.keys.KEYS`."""

from __future__ import annotations

from .keys import KEYS

_KIND_DOC = {
    "weights": "table of weights",
    "rate": "number, 0 to 1",
    "duration": "duration",
    "count": "integer",
    "number": "number, 0 to 100",
    "instant": "instant",
    "window": "instant or duration",
    "text": "string",
}


def reference_markdown() -> str:
    """The profile reference (``docs/profiles.md``), generated from :data:`KEYS`."""
    lines = [
        "# Profile reference",
        "",
        "<!-- Generated from sessionfaker.profile.KEYS by `sessionfaker profiles reference`;"
        " a test keeps it in sync. -->",
        "",
        "A profile is a TOML file (YAML and JSON are accepted too). Every key is optional:",
        "a missing key takes its default, or the value of the profile named by `extends`.",
        "`--set KEY=VALUE` on the command line overrides one key, with the same checks.",
        "",
        "Durations are written `7d`, `12h`, `30m`, `90s`, `250ms`, combinations such as",
        "`1h30m`, or ISO 8601 (`P7D`, `PT30M`). Instants are ISO 8601 (`2026-11-01T00:00:00Z`;",
        "no zone means UTC) or epoch milliseconds. Weights are relative: `{ a = 3, b = 1 }`",
        "gives a three times as often as b; a name left out of a table has weight 0. A",
        "profile that `extends` another inherits its weight tables and changes only the",
        "names it lists.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        "| `extends` | string | none | Name of a built-in profile, or a path (relative to "
        "this file), whose values this profile starts from. |",
    ]
    for k in KEYS:
        if k.kind == "weights":
            default = (
                "the vocabulary's shares"
                if not k.default
                else "`{ " + ", ".join(f"{a} = {b}" for a, b in k.default.items()) + " }`"
            )
        elif k.default == "":
            default = "none"
        else:
            default = f"`{k.default}`"
        meaning = k.doc
        if k.choices:
            meaning += " Names: " + ", ".join(f"`{c}`" for c in k.choices) + "."
        lines.append(f"| `{k.path}` | {_KIND_DOC[k.kind]} | {default} | {meaning} |")
    lines += [
        "",
        "Checks made when a profile loads (each fails with one line naming the file, the key",
        "and the value, and exit code 2): syntax, unknown keys (with the closest known key",
        "suggested), unknown names in weight tables, negative or all-zero weights, rates",
        "outside [0, 1], malformed durations and instants, a reference time before the end of",
        "the creation window, a status that no creation time in the window can produce,",
        "weights whose sum overflows or that vanish in it, a lifetime that carries a",
        "timestamp past what a KSUID can encode, a window leaving no room for the activity",
        "id (10 to 40 s before a session, after the KSUID epoch), and `extends` cycles.",
        "",
    ]
    return "\n".join(lines)
