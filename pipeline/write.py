"""Writers: deterministic Parquet shards, and the small JSON summaries the manifest is built from.

Rows go to shard ``xxh64(id) % num_shards`` and are sorted within their shard, so the same input gives
byte-identical files whatever the worker count, bundle sizes or input order. Every shard file is written
(empty ones too), first under a temporary name and then renamed, so a reader never sees half a file.

No whole row crosses a shuffle: each bundle spills its rows into per-shard Arrow IPC files under a scratch folder
and only their paths are grouped by shard; each spill is sorted, and a shard is their merge, written a row group at a
time (memory: one batch per spill and one row group, whatever the shard's size). Rows that travelled without their
text (:data:`d.STORED_IN` names the file holding their whole row: late materialisation) are first grouped by that
file, text-free, and get their text back from it one row group at a time.
"""
from __future__ import annotations

import datetime as dt
import heapq
import json
import math
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Sequence

import apache_beam as beam
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue

from provmix.pipeline.packing import pack
from provmix.pipeline.stored import ReadBackText
from provmix.schemas import documents as d
from provmix.schemas import rejects as r

MAX_SHARDS = 100_000


@dataclass(frozen=True)
class WriteConfig:
    num_shards: int = field(default=4, metadata={"help": "Parquet files per output table, at least (large inputs "
                            "get more: input_mb_per_shard)"})
    labels: bool = field(default=True, metadata={"help": "also write labels/ (id, source location, label columns) "
                         "for every labelled document"})
    compression: str = field(default="zstd", metadata={"help": "Parquet compression: zstd, snappy, gzip or none"})
    input_mb_per_shard: int = field(default=1024, metadata={"help": "one more shard per this many MB of input: "
                                    "a table has max(num_shards, input MB / this) files, so that a shard's merge "
                                    "stays one worker's work on any corpus (0: num_shards whatever the input)"})

    def __post_init__(self) -> None:
        if not 1 <= self.num_shards <= MAX_SHARDS:
            raise ValueError(f"write.num_shards must be between 1 and {MAX_SHARDS}")
        if self.input_mb_per_shard < 0:
            raise ValueError("write.input_mb_per_shard must be 0 or more")
        if self.compression not in ("zstd", "snappy", "gzip", "none"):
            raise ValueError("write.compression must be zstd, snappy, gzip or none")

    def for_input(self, input_bytes: int) -> "WriteConfig":
        """This config with the shard count for ``input_bytes`` of input (see ``input_mb_per_shard``)."""
        if not self.input_mb_per_shard:
            return self
        by_size = math.ceil(input_bytes / (self.input_mb_per_shard * 2**20))
        return replace(self, num_shards=min(MAX_SHARDS, max(self.num_shards, by_size)))


def shard_of(row_id: str, num_shards: int) -> int:
    return xxhash.xxh64_intdigest(row_id.encode("utf-8", "surrogatepass")) % num_shards


# ids are unique among documents; rejects rows for one record id are ordered by where and why (missing: "")
_SORT_COLUMNS = (d.ID, r.STAGE, r.REASON, r.MIX, r.DETAIL)
ROW_GROUP_ROWS = 1024 * 1024  # pyarrow's default row group length: a shard below it and ROW_GROUP_BYTES is one group
ROW_GROUP_BYTES = 128 * 2**20  # Arrow bytes of rows pending before a row group is written
MERGE_BATCH_ROWS = 128  # rows read from each sorted spill file at a time (its record batches are this long)


def shard_path(directory: str, shard: int, num_shards: int) -> str:
    return FileSystems.join(directory, f"part-{shard:05d}-of-{num_shards:05d}.parquet")


def make_dirs(path: str) -> None:
    """Create directory ``path`` unless it exists; safe when several workers race to create it."""
    if FileSystems.exists(path):
        return
    try:
        FileSystems.mkdirs(path)
    except IOError:
        if not FileSystems.exists(path):
            raise


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


def to_table(rows: Sequence[dict], schema: pa.Schema) -> pa.Table:
    """``rows`` projected on ``schema``'s columns (missing ones None), as an Arrow table, a column at a time; ISO
    strings fill timestamp columns."""
    columns = []
    for field in schema:
        values = [row.get(field.name) for row in rows]
        if pa.types.is_timestamp(field.type):
            values = [parse_timestamp(value) if isinstance(value, str) else value for value in values]
        columns.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def sort_key(row: dict) -> tuple:
    return tuple(row.get(name) or "" for name in _SORT_COLUMNS)


def write_rows(path: str, rows: Iterable[dict], schema: pa.Schema, compression: str) -> int:
    """Write ``rows`` (projected on ``schema``) to ``path`` atomically, in :func:`sort_key` order; returns the row
    count."""
    return write_merged(path, [to_table(sorted(rows, key=sort_key), schema).to_batches()], schema, compression)


def _keyed_rows(batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[tuple, pa.RecordBatch, int, float]]:
    """(sort key, batch, row, the row's share of the batch's bytes) of every row of ``batches``."""
    for batch in batches:
        keys = [batch.column(name).to_pylist() for name in _SORT_COLUMNS if name in batch.schema.names]
        row_bytes = batch.nbytes / max(batch.num_rows, 1)
        for row in range(batch.num_rows):
            yield tuple(column[row] or "" for column in keys), batch, row, row_bytes


class _RowGroup:
    """Rows picked from sorted batches, written as one row group (one ``take`` over the batches they come from) once
    :data:`ROW_GROUP_ROWS` rows or :data:`ROW_GROUP_BYTES` bytes are pending."""

    def __init__(self, out: pq.ParquetWriter, schema: pa.Schema) -> None:
        self.out, self.schema = out, schema
        self.batches: dict[int, tuple[int, pa.RecordBatch]] = {}  # id(batch) → (rows before it, batch)
        self.picked: list[int] = []  # rows in order, as indexes into the batches concatenated
        self.held, self.bytes = 0, 0.0  # rows of the batches, bytes of the picked rows

    def add(self, batch: pa.RecordBatch, row: int, row_bytes: float) -> None:
        entry = self.batches.get(id(batch))
        if entry is None:
            entry = self.batches[id(batch)] = (self.held, batch)
            self.held += batch.num_rows
        self.picked.append(entry[0] + row)
        self.bytes += row_bytes
        if len(self.picked) >= ROW_GROUP_ROWS or self.bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.picked:
            batches = [batch for _, batch in self.batches.values()]
            table = pa.Table.from_batches(batches).take(pa.array(self.picked, type=pa.int64()))
            table = table.cast(self.schema)  # Parquet renames list items "element"
            self.out.write_table(table, row_group_size=table.num_rows)
        self.batches, self.picked, self.held, self.bytes = {}, [], 0, 0.0


def write_merged(path: str, sources: Sequence[Iterable[pa.RecordBatch]], schema: pa.Schema,
                 compression: str) -> int:
    """Merge ``sources`` (each a stream of batches in :func:`sort_key` order) into ``path`` atomically, a row group
    at a time, so memory holds one batch per source and one row group; returns the row count. An empty shard has
    no row group at all (a zero-row group breaks readers that size their batches by the first group, such as
    Hugging Face ``datasets``)."""
    rows = 0
    with atomic_create(path) as sink:
        with pq.ParquetWriter(sink, schema, compression=None if compression == "none" else compression) as out:
            group = _RowGroup(out, schema)
            for _, batch, row, row_bytes in heapq.merge(*map(_keyed_rows, sources), key=lambda item: item[0]):
                group.add(batch, row, row_bytes)
                rows += 1
            group.flush()
    return rows


class SpillShards(beam.DoFn):
    """Rows → spill files of at most ``rows_per_file`` rows of one shard each, sorted, under ``scratch``; outputs
    ``(shard, spill path)``. Rows are buffered per shard within a bundle only.

    A spill is an uncompressed Arrow IPC stream of :data:`MERGE_BATCH_ROWS`-row batches: it lives until its shard
    is merged, and writing and reading it back costs about 1.4 µs a document row against 20 µs for snappy Parquet
    (1.9 KB a row on disk against 1.1 KB; docs/performance.md, thirteenth round)."""

    def __init__(self, scratch: str, schema: pa.Schema, num_shards: int, rows_per_file: int = 1024) -> None:
        self.scratch = scratch
        self.schema = schema
        self.num_shards = num_shards
        self.rows_per_file = rows_per_file

    def start_bundle(self) -> None:
        self.pending: dict[int, list[dict]] = {}

    def process(self, row: dict) -> Iterator[tuple[int, str]]:
        shard = shard_of(row[d.ID], self.num_shards)
        rows = self.pending.setdefault(shard, [])
        rows.append(row)  # projected by to_table
        if len(rows) >= self.rows_per_file:
            yield self._spill(shard)

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for shard in sorted(self.pending):
            yield GlobalWindows.windowed_value(self._spill(shard))

    def _spill(self, shard: int) -> tuple[int, str]:
        path = FileSystems.join(self.scratch, f"{shard:05d}-{uuid.uuid4().hex}.arrows")
        table = to_table(sorted(self.pending.pop(shard), key=sort_key), self.schema)
        with FileSystems.create(path) as sink, ipc.new_stream(sink, table.schema) as out:
            out.write_table(table, max_chunksize=MERGE_BATCH_ROWS)
        return shard, path


def _spilled_batches(path: str) -> Iterator[pa.RecordBatch]:
    """The record batches of a spill file, one at a time."""
    with FileSystems.open(path) as source:
        yield from ipc.open_stream(source)


class WriteParquetShards(beam.PTransform):
    """Rows → ``directory/part-SSSSS-of-NNNNN.parquet``; outputs (path, rows) per shard.

    ``scratch`` holds the spill files while the shards are written. With ``stored``, every row names the file its
    whole row is stored in (:data:`d.STORED_IN`) and ``schema``'s text is read back from there.
    """

    def __init__(self, directory: str, schema: pa.Schema, config: WriteConfig, scratch: str,
                 stored: bool = False) -> None:
        super().__init__()
        self.directory = directory
        self.schema = schema
        self.config = config
        self.scratch = scratch
        self.stored = stored and d.TEXT in schema.names

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        n, schema = self.config.num_shards, self.schema
        if self.stored:
            names = [*schema.names, d.STORED_ROW]
            rows = (
                rows
                | "ByStoredFile" >> beam.Map(lambda row: (row[d.STORED_IN], pack(project(row, names))))
                | "GroupByStoredFile" >> beam.GroupByKey()
                | "ReadBackText" >> beam.ParDo(ReadBackText())
            )
        spills = rows | "Spill" >> beam.ParDo(SpillShards(self.scratch, schema, n))
        every_shard = rows.pipeline | "AllShards" >> beam.Create([(s, None) for s in range(n)], reshuffle=False)
        directory, compression = self.directory, self.config.compression

        def write_shard(item: tuple) -> tuple[str, int]:
            shard, grouped = item
            spilled = sorted(grouped["spills"])
            path = shard_path(directory, shard, n)
            written = path, write_merged(path, [_spilled_batches(spill) for spill in spilled], schema, compression)
            if spilled:
                FileSystems.delete(spilled)
            return written

        return (
            {"spills": spills, "shard": every_shard}
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
