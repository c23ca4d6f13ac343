"""sessionfaker.dask on a local cluster of two worker processes: the
partitions, wherever they are made, are the single-process run."""

from __future__ import annotations

import doctest
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from .conftest import in_ci, profile

if importlib.util.find_spec("distributed") is None:
    if in_ci():
        pytest.fail("dask[distributed] is part of the test extra; CI must have it")
    pytest.skip("needs the dask extra", allow_module_level=True)

import pandas
from distributed import Client, LocalCluster, get_task_stream

from sessionfaker import dask as sfdask
from sessionfaker.errors import InvalidArgument
from sessionfaker.generator import Generator
from sessionfaker.sinks import read_parquet

N = 7_000
SIZE = 1_500


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        # The scheduler's HTTP server starts even without a dashboard, on
        # dashboard_address or else port 8787: port 0 is a free one.
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _workers_used(stream: Any) -> set[str]:
    return {t["worker"] for t in stream.data}


def test_the_cluster_has_two_worker_processes(client: Client) -> None:
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2


@pytest.mark.parametrize("as_strings", [False, True])
def test_ndjson_partitions_put_together_are_the_single_process_bytes(
    client: Client, tmp_path: Path, as_strings: bool
) -> None:
    p = profile("b2b")
    with get_task_stream(client) as stream:
        paths = sfdask.write_ndjson(
            str(tmp_path / "run"),
            p,
            N,
            seed=8,
            start=13,
            partition_size=SIZE,
            int64_as_string=as_strings,
        )
    assert [Path(x).name for x in paths] == [f"part-{i:05d}.ndjson" for i in range(5)]
    joined = b"".join(Path(x).read_bytes() for x in paths)
    assert joined == b"".join(Generator(p, 8).ndjson(13, N, int64_as_string=as_strings))
    assert _workers_used(stream) <= set(client.scheduler_info()["workers"])
    assert _workers_used(stream)


def test_parquet_partitions_read_back_as_the_run(client: Client, tmp_path: Path) -> None:
    p = profile("default")
    paths = sfdask.write_parquet(str(tmp_path / "pq"), p, 4_000, seed=2, partition_size=SIZE)
    assert len(paths) == 3
    sessions = [s for path in paths for s in read_parquet(path)]
    assert sessions == list(Generator(p, 2).generate(0, 4_000))


def test_delayed_writes_run_when_computed(client: Client, tmp_path: Path) -> None:
    p = profile("default")
    tasks = sfdask.write_ndjson(
        str(tmp_path / "later"), p, 100, seed=1, partition_size=40, compute=False
    )
    assert not (tmp_path / "later" / "part-00000.ndjson").exists()
    paths = client.compute(tasks, sync=True)
    assert b"".join(Path(x).read_bytes() for x in paths) == b"".join(Generator(p, 1).ndjson(0, 100))


def test_a_bag_holds_the_sessions_in_order(client: Client) -> None:
    p = profile("support")
    bag = sfdask.sessions_bag(p, N, seed=5, start=100, partition_size=SIZE)
    assert bag.npartitions == 5
    assert bag.compute() == list(Generator(p, 5).generate(100, N))


def test_a_dataframe_is_indexed_by_session_number(client: Client) -> None:
    p = profile("edge-cases")
    df = sfdask.sessions_dataframe(p, N, seed=5, start=100, partition_size=SIZE)
    assert df.npartitions == 5
    assert df.divisions == (100, 1600, 3100, 4600, 6100, N + 99)
    frame = df.compute()
    expected = list(Generator(p, 5).generate(100, N))
    assert list(frame.index) == list(range(100, 100 + N))
    assert str(frame["created_at"].dtype) == "int64"
    for k in (100, 1599, 1600, N + 99):
        row, s = frame.loc[k], expected[k - 100]
        assert row["id"] == s["id"]
        assert row["created_at"] == s["created_at"]
        for nested in ("actor", "latest_activity", "tasks"):
            text = row[nested]
            assert (None if pandas.isna(text) else orjson.loads(text)) == s[nested]
    assert df["status"].value_counts().compute().sum() == N


def test_bad_partitions_are_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"partition_size must be >= 1 \(0\)"):
        sfdask.partitions(0, 10, 0)
    with pytest.raises(InvalidArgument, match="count >= 0"):
        sfdask.sessions_bag(profile("default"), -1)


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(sfdask, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted >= 3
