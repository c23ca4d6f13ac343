"""What a sessions file looks like, and whether it looks like a profile.

:func:`describe` reads sessions (NDJSON, a JSON array or Clerk's
``{"data": [...]}``) into :class:`Stats`: the status distribution, actor,
organisation and activity rates, the device and task mixes, percentiles of
four durations, sessions and clients per user, and rule violations by rule.
Durations that need a reference time (age, activity gap) use ``now`` when
given, else the latest ``created_at``, ``last_active_at`` or ``updated_at``
in the data.

:func:`compare_with_profile` asks whether the sessions could have come from
a profile. What a profile asks for is whatever the generator makes of it, so
the comparison draws a reference sample from the profile (at the file's
reference time, with a fixed seed) and runs two-sample tests: chi-square on
each categorical share, Kolmogorov-Smirnov on each duration and on the
per-user counts. Each test has a p-value; a difference is significant when
its Holm-adjusted p-value is below ``alpha`` (a family-wise error rate).

The steps are modules: :mod:`.tally` counts, :mod:`.report` chooses the
reference time, :mod:`.significance` tests, :mod:`.plot` draws, and
:mod:`.schema` types the ``--json`` document and derives its JSON Schema.

>>> from sessionfaker import generate, load_profile
>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> st = describe(enumerate(generate(p, 300, seed=1), 1))
>>> st.sessions, st.now_from, sum(st.sample.statuses.values())
(300, 'data', 300)
"""

from __future__ import annotations

from .plot import PLOT_SUFFIXES, plot_stats
from .report import Stats, describe, describe_file, finish, percentiles
from .schema import DURATIONS, PERCENTILES, REPORT_SCHEMA, SCHEMA_ID, QuantityTest, Report
from .significance import (
    DEFAULT_ALPHA,
    MIN_REFERENCE,
    Comparison,
    compare,
    compare_with_profile,
    holm,
)
from .tally import OTHER, Sample, collect

__all__ = [
    "DEFAULT_ALPHA",
    "DURATIONS",
    "MIN_REFERENCE",
    "OTHER",
    "PERCENTILES",
    "PLOT_SUFFIXES",
    "REPORT_SCHEMA",
    "SCHEMA_ID",
    "Comparison",
    "QuantityTest",
    "Report",
    "Sample",
    "Stats",
    "collect",
    "compare",
    "compare_with_profile",
    "describe",
    "describe_file",
    "finish",
    "holm",
    "percentiles",
    "plot_stats",
]
