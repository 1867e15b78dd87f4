"""Writers: deterministic Parquet shards, and the small JSON summaries the manifest is built from.

Rows go to shard ``xxh64(id) % num_shards`` and are sorted within their shard, so the same input gives
byte-identical files whatever the worker count, bundle sizes or input order. Every shard file is written
(empty ones too), first under a temporary name and then renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystems import FileSystems

from provmix.schemas import documents as d
from provmix.schemas import rejects as r


@dataclass(frozen=True)
class WriteConfig:
    num_shards: int = field(default=4, metadata={"help": "Parquet files per output table; pick so that each holds "
                            "well under a worker's memory"})
    labels: bool = field(default=True, metadata={"help": "also write labels/ (id, source location, label columns) "
                         "for every labelled document"})
    compression: str = field(default="zstd", metadata={"help": "Parquet compression: zstd, snappy, gzip or none"})

    def __post_init__(self) -> None:
        if not 1 <= self.num_shards <= 100_000:
            raise ValueError("write.num_shards must be between 1 and 100000")
        if self.compression not in ("zstd", "snappy", "gzip", "none"):
            raise ValueError("write.compression must be zstd, snappy, gzip or none")


def shard_of(row_id: str, num_shards: int) -> int:
    return xxhash.xxh64_intdigest(row_id.encode("utf-8", "surrogatepass")) % num_shards


def _sort_key(row: dict) -> tuple:
    # ids are unique among documents; rejects rows for one record id are ordered by where and why
    return (row.get(d.ID) or "", row.get(r.STAGE) or "", row.get(r.REASON) or "", row.get(r.MIX) or "",
            row.get(r.DETAIL) or "")


def shard_path(directory: str, shard: int, num_shards: int) -> str:
    return FileSystems.join(directory, f"part-{shard:05d}-of-{num_shards:05d}.parquet")


@contextmanager
def atomic_create(path: str) -> Iterator:
    """A sink for ``path`` that readers only see whole: written under a temporary name, then renamed."""
    temporary = path + ".inprogress"
    with FileSystems.create(temporary) as sink:
        yield sink
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([temporary], [path])


def project(row: dict, names: Sequence[str]) -> dict:
    """``row`` cut to the columns ``names`` (missing ones None)."""
    return {name: row.get(name) for name in names}


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """An ISO-8601 date or time (as the stages carry dates) as an aware UTC datetime; naive values are UTC."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def to_table(rows: Iterable[dict], schema: pa.Schema) -> pa.Table:
    """``rows`` projected on ``schema``'s columns, as an Arrow table; ISO strings fill timestamp columns."""
    dates = [f.name for f in schema if pa.types.is_timestamp(f.type)]
    projected = [project(row, schema.names) for row in rows]
    for row in projected:
        for name in dates:
            if isinstance(row[name], str):
                row[name] = parse_timestamp(row[name])
    return pa.Table.from_pylist(projected, schema=schema)


def write_rows(path: str, rows: Iterable[dict], schema: pa.Schema, compression: str) -> int:
    """Write ``rows`` (projected on ``schema``) to ``path`` atomically; returns the row count. An empty shard has
    no row group at all (a zero-row group breaks readers that size their batches by the first group, such as
    Hugging Face ``datasets``)."""
    table = to_table(sorted(rows, key=_sort_key), schema)
    with atomic_create(path) as sink:
        with pq.ParquetWriter(sink, table.schema, compression=None if compression == "none" else compression) as out:
            if table.num_rows:
                out.write_table(table)
    return table.num_rows


class WriteParquetShards(beam.PTransform):
    """Rows → ``directory/part-SSSSS-of-NNNNN.parquet``; outputs (path, rows) per shard."""

    def __init__(self, directory: str, schema: pa.Schema, config: WriteConfig) -> None:
        super().__init__()
        self.directory = directory
        self.schema = schema
        self.config = config

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        n, names = self.config.num_shards, self.schema.names
        # projected before the shuffle: only the written columns travel (labels/ and rejected/ carry no text)
        keyed = rows | "KeyByShard" >> beam.Map(lambda row: (shard_of(row[d.ID], n), project(row, names)))
        every_shard = rows.pipeline | "AllShards" >> beam.Create(range(n)) | beam.Map(lambda s: (s, None))
        directory, schema, compression = self.directory, self.schema, self.config.compression

        def write_shard(item: tuple) -> tuple[str, int]:
            shard, grouped = item
            path = shard_path(directory, shard, n)
            return path, write_rows(path, grouped["rows"], schema, compression)

        return (
            {"rows": keyed, "shard": every_shard}
            | "GroupShards" >> beam.CoGroupByKey()
            | "WriteShard" >> beam.Map(write_shard)
        )


def write_json(path: str, value: object) -> None:
    with atomic_create(path) as sink:
        sink.write(json.dumps(value, sort_keys=True, indent=1, default=str).encode("utf-8"))


def read_json(path: str) -> object:
    with FileSystems.open(path) as source:
        return json.loads(source.read().decode("utf-8"))


class WriteJsonList(beam.PTransform):
    """A (small) PCollection gathered into one sorted JSON list file."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def expand(self, items: beam.PCollection) -> beam.PCollection:
        path = self.path
        return (
            items
            | "Gather" >> beam.combiners.ToList()
            | "Write" >> beam.Map(lambda values: write_json(path, sorted(values, key=lambda v: json.dumps(v, sort_keys=True, default=str))))
        )
