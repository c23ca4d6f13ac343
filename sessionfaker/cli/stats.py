from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError, require_extra
from ..profile import Profile
from ..reader import read_records, source_label
from ..stats import (
    DEFAULT_ALPHA,
    DURATIONS,
    OTHER,
    PERCENTILES,
    PLOT_SUFFIXES,
    QuantityTest,
    Stats,
    compare_with_profile,
    describe,
    plot_stats,
)
from ..timeutil import parse_now
from .common import (
    UsageError,
    errors,
    input_format_option,
    now_option,
    profile_option,
    resolve_profile,
    seed_option,
)

if TYPE_CHECKING:
    from rich.table import Table

    from ..measures import RealismReport, ShareReport
    from ..stats import Comparison, Report

BAR_WIDTH = 30
_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@profile_option("Compare the file with this built-in profile or profile file.", default=None)
@now_option(
    "Reference time for age and activity gap "
    "(default: the latest created_at, last_active_at or updated_at in the file)."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report as JSON (schema: docs/stats.md)."
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    metavar="FILE.png|FILE.svg",
    help="Also draw the distributions to an image (needs the 'plot' extra).",
)
@seed_option("Seed of the sample drawn from --profile.")
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_ALPHA,
    show_default=True,
    help="Family-wise significance level of the comparison (Holm).",
)
@input_format_option
def stats(
    file: str,
    profile_ref: str | None,
    now: str | None,
    as_json: bool,
    plot: str | None,
    seed: str,
    alpha: float,
    fmt: str | None,
) -> None:
    """Report what the sessions in FILE look like.

    FILE is NDJSON, a JSON array, Clerk's {"data": [...]}, or the CSV or
    Parquet that generate writes; - reads stdin.
    The report: status distribution, actor, organisation and activity rates,
    device and task mixes, percentiles of lifetime, abandon time, age and
    activity gap, sessions and clients per user, and rule violations by rule.
    With --profile, each quantity is tested against a sample the profile
    generates (chi-square for shares, Kolmogorov-Smirnov for durations and
    per-user counts) and significant differences are flagged.
    """
    now_ms = parse_now_option(now)
    profile: Profile | None = resolve_profile(profile_ref, None, ()) if profile_ref else None
    with errors():
        if not as_json:
            require_extra("stats", "rich", "the terminal report", hint=" (or use --json)")
        if plot is not None:
            if not plot.lower().endswith(PLOT_SUFFIXES):
                raise UsageError(f"--plot: expected a .png or .svg file name ({plot!r})")
            require_extra("plot", "matplotlib", "--plot")
        try:
            report = describe(read_records(file, fmt), source=source_label(file), now=now_ms)
        except InputError as exc:
            raise UsageError(str(exc)) from None
        if profile is not None:
            compare_with_profile(report, profile, seed=seed, alpha=alpha)
        if plot is not None:
            plot_stats(report, plot)
            click.echo(f"wrote {plot}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        render(report)


def parse_now_option(now: str | None) -> int | None:
    if now is None:
        return None
    try:
        return parse_now(now)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None


# ---------------------------------------------------------------- rendering


def human(ms: float) -> str:
    """A duration in its largest unit, to one decimal: ``7d``, ``4.6d``, ``18.1h``, ``250ms``.

    >>> human(604_800_000), human(397_440_000), human(65_000), human(-250)
    ('7d', '4.6d', '1.1m', '-250ms')
    """
    sign = "-" if ms < 0 else ""
    size = abs(ms)
    for unit, length in _UNITS:
        if size >= length:
            text = f"{size / length:.1f}".removesuffix(".0")
            return f"{sign}{text}{unit}"
    return f"{sign}{round(size)}ms"


def _pct(share: float) -> str:
    return f"{share:.1%}"


def _bar(share: float) -> str:
    eighths = round(share * BAR_WIDTH * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])


def render(report: Stats) -> None:
    """Print the report as rich tables with bar charts."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        # Piped or captured: no terminal to fit, so do not squeeze the tables.
        console.width = max(console.width, 100)
    d = report.to_dict()
    n = d["sessions"]
    whence = "the latest timestamp in the file" if d["reference_time_from"] == "data" else "--now"
    console.print(
        f"[bold]{escape(report.source)}[/bold]: {n:,} sessions; reference time "
        f"{d['reference_time']} ({whence})"
    )
    console.print(_bars("status", d["status"], hide_zero=(OTHER,)))
    console.print(_rates(d))
    console.print(_bars("actor kinds", d["actor"]["kinds"]))
    console.print(_bars("devices", d["activity"]["devices"]))
    console.print(f"IPv6 share of IP addresses: {_pct(d['activity']['ipv6_rate'])}")
    console.print(_bars("task keys of pending sessions", d["tasks"]["keys"], "tasks"))
    console.print(_bars("tasks per pending session", d["tasks"]["per_session"]))
    console.print(_durations(d))
    console.print("  " + "; ".join(f"{k} = {v}" for k, v in DURATIONS.items()))
    console.print(_users(d))
    console.print(_realism(_new_table("realism (sessionfaker.measures)"), d["realism"]))
    v = d["violations"]
    if v["total"]:
        console.print(_violations(v))
    else:
        console.print("rule violations: none")
    if report.comparison is not None:
        c = report.comparison
        console.print(_comparison(c))
        flagged = c.significant
        console.print(
            f"[bold red]significant differences: {', '.join(flagged)}[/bold red]"
            if flagged
            else "no significant difference"
        )


def _new_table(title: str) -> Table:
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        min_width=len(title),
    )


def _bars(
    title: str,
    table: Mapping[str, Any],
    unit: str = "sessions",
    hide_zero: tuple[str, ...] = (),
) -> Table:
    t = _new_table(f"{title} (of {table['total']:,})")
    t.add_column("value")
    t.add_column(unit, justify="right")
    t.add_column("share", justify="right")
    t.add_column("", no_wrap=True)
    for key, count in table["counts"].items():
        if key in hide_zero and count == 0:
            continue
        share = table["shares"][key]
        t.add_row(key, f"{count:,}", _pct(share), f"[cyan]{_bar(share)}[/cyan]")
    return t


def _rates(d: Report) -> Table:
    rates = _new_table("rates (of all sessions)")
    rates.add_column("")
    rates.add_column("sessions", justify="right")
    rates.add_column("share", justify="right")
    rates.add_column("", no_wrap=True)
    rates.add_column("distinct", justify="right")
    for label, part, distinct in (
        ("actor", d["actor"], d["actor"]["distinct_subjects"]),
        ("organisation", d["organization"], d["organization"]["distinct"]),
        ("activity", d["activity"], None),
    ):
        rates.add_row(
            label,
            f"{part['sessions']:,}",
            _pct(part["rate"]),
            f"[cyan]{_bar(part['rate'])}[/cyan]",
            "" if distinct is None else f"{distinct:,}",
        )
    return rates


def _durations(d: Report) -> Table:
    durations = _new_table("durations")
    durations.add_column("", no_wrap=True)
    durations.add_column("n", justify="right")
    for name, _ in PERCENTILES:
        durations.add_column(name, justify="right")
    for name in DURATIONS:
        entry = d["durations_ms"][name]
        p = entry["percentiles"]
        cells = [human(p[k]) for k, _ in PERCENTILES] if p else ["-"] * len(PERCENTILES)
        durations.add_row(name, f"{entry['count']:,}", *cells)
    return durations


def _users(d: Report) -> Table:
    users = _new_table(f"users ({d['users']['distinct']:,} distinct)")
    users.add_column("")
    for name, _ in PERCENTILES:
        users.add_column(name, justify="right")
    users.add_column("mean", justify="right")
    per_user = d["users"]
    for label, p in (
        ("sessions_per_user", per_user["sessions_per_user"]),
        ("clients_per_user", per_user["clients_per_user"]),
    ):
        cells = [f"{p[k]:g}" for k, _ in (*PERCENTILES, ("mean", 0))] if p else ["-"] * 9
        users.add_row(label.replace("_", " "), *cells)
    return users


def _violations(v: Mapping[str, Any]) -> Table:
    rules = _new_table(f"rule violations ({v['sessions']:,} sessions break rules)")
    rules.add_column("rule")
    rules.add_column("violations", justify="right")
    for rule, count in v["by_rule"].items():
        rules.add_row(rule, f"{count:,}")
    return rules


def _comparison(c: Comparison) -> Table:
    """The tests against the profile: each quantity, both sides, its p-values."""
    from rich.markup import escape

    t = _new_table(
        f"against {escape(c.profile)} ({c.expected.sessions:,} generated sessions, "
        f"seed {c.seed}; p-values Holm-adjusted, alpha {c.alpha:g})"
    )
    for col in ("quantity", "of", "file", "profile", "test", "p", "adj. p", ""):
        t.add_column(
            col,
            justify="right" if col in ("file", "profile", "p", "adj. p") else "left",
            no_wrap=col == "quantity",
        )
    for r in c.tests:
        what, file_cell, profile_cell = _summary(r)
        verdict = (
            "[bold red]differs[/bold red]"
            if r.significant
            else ("[dim]" + (r.note or "skipped") + "[/dim]" if r.p_value is None else "ok")
        )
        t.add_row(
            r.quantity,
            what,
            file_cell,
            profile_cell,
            {"chi-square": "chi²", "kolmogorov-smirnov": "KS"}.get(r.test, "-"),
            _p(r.p_value),
            _p(r.p_adjusted),
            verdict,
        )
    return t


def _realism(t: Table, r: RealismReport) -> Table:
    """The realism measures as rows of ``t``: measure, value, what it counts."""
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("of")
    shares: tuple[tuple[str, ShareReport, str], ...] = (
        ("clients changing device or browser", r["client_devices"], "clients"),
        ("IP addresses in more than one place", r["ip_places"], "addresses"),
        ("cities not in the vocabulary", r["unknown_cities"], "cities"),
        ("actors created in the last 30 minutes", r["late_actors"], "actor sessions"),
        ("users signed up inside the window", r["new_users"], "users"),
        ("expired with updated_at = expire_at", r["expired_at_expiry"], "expired"),
    )
    for label, share, unit in shares:
        t.add_row(label, _pct(share["value"]), f"{share['part']:,} of {share['whole']:,} {unit}")
    density, live = r["recent_density"], r["live_per_user"]
    t.add_row(
        f"creation density, last {density['days']:g} days",
        f"{density['value']:.2f}x",
        f"the mean of {density['window_days']:.1f} days",
    )
    t.add_row(
        "live sessions per user, max",
        f"{live['max']:,}",
        f"p50 {live['quantiles']['p50']}, p99 {live['quantiles']['p99']} of {live['keys']:,} users",
    )
    return t


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<1e-12" if p < 1e-12 else (f"{p:.3g}" if p < 0.001 else f"{p:.3f}")


def _summary(r: QuantityTest) -> tuple[str, str, str]:
    """What to show of each side: the share that moved most, or the middle."""
    o, e = r.observed, r.expected
    if r.test == "kolmogorov-smirnov" or "median" in o or "median" in e:
        if r.quantity.startswith("users."):
            return "mean", f"{o.get('mean', 0):g}", f"{e.get('mean', 0):g}"
        return "median", human(o.get("median", 0)), human(e.get("median", 0))
    if set(o) == {"with", "without"}:
        return "", _pct(o["with"]), _pct(e["with"])
    if not o:
        return "", "-", "-"
    key = max(o, key=lambda k: abs(o[k] - e.get(k, 0.0)))
    return key, _pct(o[key]), _pct(e.get(key, 0.0))
