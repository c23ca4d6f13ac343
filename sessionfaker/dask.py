"""Sessions on a Dask cluster: one run, partitioned by index range.

The run ``[start, start + count)`` is cut into partitions of
``partition_size`` sessions. Since session ``k`` depends only on the seed,
the profile and ``k``, each partition can be made on any worker, and the
partitions in order are the single-process run, byte for byte. Needs the
``dask`` extra: ``pip install 'sessionfaker[dask]'``.

Work goes to Dask's current scheduler: with a ``distributed.Client``
connected to a cluster, to its workers. Output paths may be local (shared by
the workers, e.g. NFS) or any fsspec URL the workers can write
(``s3://bucket/run``, with s3fs installed there).

>>> from sessionfaker.profile import load_profile
>>> p = load_profile(now="2026-11-01T00:00:00Z")
>>> bag = sessions_bag(p, 10, seed=1, partition_size=4)
>>> bag.npartitions, bag.count().compute(scheduler="sync")
(3, 10)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import InvalidArgument, MissingExtraError

try:
    import dask
    import dask.bag
    import dask.dataframe
    import fsspec
    import pandas
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingExtraError("dask", exc.name or "dask", "sessionfaker.dask") from None

import orjson

from .generator import Generator
from .profile import Profile
from .runs import UNIT, units
from .schema import Field, Structure, load_structure
from .sinks.ndjson import write_ndjson as write_ndjson_stream
from .sinks.parquet import ParquetWriter

__all__ = [
    "partitions",
    "sessions_bag",
    "sessions_dataframe",
    "write_ndjson",
    "write_parquet",
]


def partitions(start: int, count: int, partition_size: int = UNIT) -> list[tuple[int, int]]:
    """``(first, n)`` of each partition of the run, in order.

    >>> partitions(10, 25, 10)
    [(10, 10), (20, 10), (30, 5)]
    """
    if start < 0 or count < 0:
        raise InvalidArgument(f"expected start >= 0 and count >= 0 ({start}, {count})")
    if partition_size < 1:
        raise InvalidArgument(f"partition_size must be >= 1 ({partition_size})")
    return list(units(start, count, partition_size))


def sessions_bag(
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    partition_size: int = UNIT,
) -> dask.bag.Bag:
    """A bag of the session dicts of the run, one partition per index range."""
    parts = [
        dask.delayed(_sessions, pure=True)(profile, seed, first, n)
        for first, n in partitions(start, count, partition_size)
    ]
    return dask.bag.from_delayed(parts)


def sessions_dataframe(
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    partition_size: int = UNIT,
    structure: Structure | None = None,
) -> dask.dataframe.DataFrame:
    """A dataframe of the run, indexed by session number, one partition per
    index range. Objects and arrays (``actor``, ``latest_activity``,
    ``tasks``) are JSON text, as in the Parquet and CSV outputs."""
    s = structure or load_structure()
    parts = partitions(start, count, partition_size)
    if not parts:
        return dask.dataframe.from_pandas(_frame(profile, seed, s, (start, 0)), npartitions=1)
    divisions = [first for first, _ in parts] + [parts[-1][0] + parts[-1][1] - 1]
    return dask.dataframe.from_map(
        _Frame(profile, seed, s),
        parts,
        meta=_frame(profile, seed, s, (start, 0)),
        divisions=divisions,
        enforce_metadata=False,
    )


def write_ndjson(
    path: str,
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    partition_size: int = UNIT,
    int64_as_string: bool = False,
    compute: bool = True,
) -> list[str] | list[Any]:
    """Write the run as NDJSON files ``part-00000.ndjson``, ... under
    ``path``, one per partition; they concatenate to the single-process
    output. Returns the paths (the delayed writes when ``compute`` is false).
    """
    return _write(
        path,
        ".ndjson",
        lambda f, first, n: _ndjson_part(f, profile, seed, first, n, int64_as_string),
        partitions(start, count, partition_size),
        compute,
    )


def write_parquet(
    path: str,
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    partition_size: int = UNIT,
    compute: bool = True,
) -> list[str] | list[Any]:
    """Write the run as Parquet files ``part-00000.parquet``, ... under
    ``path``, one per partition, in the schema of ``generate --format
    parquet``. Returns the paths (the delayed writes when ``compute`` is false).
    """
    return _write(
        path,
        ".parquet",
        lambda f, first, n: ParquetWriter(f).write_all(Generator(profile, seed).generate(first, n)),
        partitions(start, count, partition_size),
        compute,
    )


# -- the tasks


def _sessions(profile: Profile, seed: int | str, first: int, n: int) -> list[dict[str, Any]]:
    return list(Generator(profile, seed).generate(first, n))


def _ndjson_part(
    f: Any, profile: Profile, seed: int | str, first: int, n: int, int64_as_string: bool
) -> int:
    return write_ndjson_stream(
        f, profile, seed, start=first, count=n, int64_as_string=int64_as_string
    )


def _write(
    path: str,
    suffix: str,
    fill: Callable[[Any, int, int], int],
    parts: list[tuple[int, int]],
    compute: bool,
) -> list[str] | list[Any]:
    fs, root = fsspec.core.url_to_fs(path)
    fs.makedirs(root, exist_ok=True)
    names = [f"{path.rstrip('/')}/part-{i:05d}{suffix}" for i in range(len(parts))]
    tasks = [
        dask.delayed(_write_part, pure=False)(name, fill, first, n)
        for name, (first, n) in zip(names, parts, strict=True)
    ]
    if not compute:
        return tasks
    return list(dask.compute(*tasks))


def _write_part(name: str, fill: Callable[[Any, int, int], int], first: int, n: int) -> str:
    with fsspec.open(name, "wb") as f:
        fill(f, first, n)
    return name


class _Frame:
    """Makes one partition's pandas frame (a class, so Dask can name it)."""

    def __init__(self, profile: Profile, seed: int | str, structure: Structure) -> None:
        self.profile = profile
        self.seed = seed
        self.structure = structure

    def __call__(self, part: tuple[int, int]) -> pandas.DataFrame:
        return _frame(self.profile, self.seed, self.structure, part)


def _frame(
    profile: Profile, seed: int | str, structure: Structure, part: tuple[int, int]
) -> pandas.DataFrame:
    first, n = part
    sessions = Generator(profile, seed, structure=structure).generate(first, n) if n else []
    rows = list(sessions)
    index = pandas.RangeIndex(first, first + n)
    columns = {f.name: _column(f, (s[f.name] for s in rows), index) for f in structure.fields}
    return pandas.DataFrame(columns, index=index)


def _column(f: Field, values: Iterable[Any], index: pandas.RangeIndex) -> pandas.Series:
    if f.nested:
        texts = [None if v is None else orjson.dumps(v).decode() for v in values]
        return pandas.Series(texts, dtype=object, index=index)
    dtype = {
        "integer": "Int64" if f.nullable else "int64",
        "number": "float64",
        "boolean": "boolean",
    }.get(f.type, object)
    return pandas.Series(list(values), dtype=dtype, index=index)
