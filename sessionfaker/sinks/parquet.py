"""Parquet (the ``parquet`` extra): nested fields are JSON text in columns of
Arrow's ``arrow.json`` type, which Parquet stores as ``JSON`` logical-type
strings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import InputError, require_extra
from ..schema import Structure, load_structure
from .base import Writer, no_int64_as_string


def _pyarrow() -> Any:
    require_extra("parquet", "pyarrow.parquet", "the parquet format")
    return require_extra("parquet", "pyarrow", "the parquet format")


def arrow_schema(structure: Structure | None = None) -> Any:
    """The Arrow schema of a sessions table: nested fields as ``arrow.json`` text."""
    pa = _pyarrow()
    s = structure or load_structure()
    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
    }
    return pa.schema(
        [
            pa.field(f.name, pa.json_(pa.string()) if f.nested else types[f.type], f.nullable)
            for f in s.fields
        ],
        metadata={"sessionfaker.nested": "json"},
    )


class ParquetWriter(Writer):
    """A Parquet file, one row group per ``row_group_size`` sessions."""

    name = "parquet"
    suffix = ".parquet"

    def __init__(
        self,
        stream: IO[bytes],
        *,
        row_group_size: int = 16384,
        int64_as_string: bool = False,
        **kw: Any,
    ) -> None:
        no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)
        self.pa = _pyarrow()
        self.schema = arrow_schema(self.structure)
        self.batch_size = row_group_size
        self._writer: Any = None

    def open(self) -> None:
        self._writer = self.pa.parquet.ParquetWriter(self.stream, self.schema, compression="zstd")

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        pa = self.pa
        columns = []
        for f, ftype in zip(self.structure.fields, self.schema.types, strict=True):
            values = [s[f.name] for s in sessions]
            if f.nested:
                values = [None if v is None else orjson.dumps(v).decode() for v in values]
            columns.append(pa.array(values, type=ftype))
        self._writer.write_batch(
            pa.record_batch(columns, schema=self.schema), row_group_size=self.batch_size
        )

    def close(self) -> None:
        self._writer.close()


def read_parquet(
    source: str | Path | IO[bytes], structure: Structure | None = None
) -> Iterator[dict[str, Any]]:
    """The sessions of a Parquet file written by :class:`ParquetWriter`, in order."""
    pa = _pyarrow()
    s = structure or load_structure()
    nested = [f.name for f in s.fields if f.nested]
    try:
        pf = pa.parquet.ParquetFile(source)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{source}: not a Parquet file ({exc})") from None
    missing = [n for n in s.names if n not in pf.schema_arrow.names]
    if missing:
        raise InputError(f"{source}: missing columns {', '.join(missing)}")
    for batch in pf.iter_batches(batch_size=4096, columns=list(s.names)):
        for row in batch.to_pylist():
            for name in nested:
                v = row[name]
                if v is not None:
                    row[name] = orjson.loads(v)
            yield row
