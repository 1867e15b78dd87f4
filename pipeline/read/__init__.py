"""Readers: file patterns → raw document records, failures, and one accounting row per input file.

``ReadInputs`` matches the patterns through Beam FileSystems (local paths, gs://, s3://, hdfs://…), reshuffles
the matched files across workers and streams each file record by record — nothing is read whole into memory.
Every record is accounted for: a document candidate goes on, a broken record or unusable file becomes a
``failed`` rejects row (stage ``read``), and a non-document WARC record (warcinfo, request, …) is counted as
skipped in the file's accounting row.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from provmix.pipeline.counters import StageCounter
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure, MissingFields, SkippedRecord
from provmix.pipeline.read.tabular import iter_jsonl, iter_parquet
from provmix.pipeline.read.warc import iter_warc
from provmix.schemas import documents as d
from provmix.schemas.rejects import EMPTY_FILE, FAILED, UNREADABLE_FILE, UNSUPPORTED_FORMAT, make_reject

STAGE = "read"
_LOG = logging.getLogger("provmix")
FAILURES = "failures"
INPUTS = "inputs"

RecordIterator = Callable[..., Iterator]


class Format(NamedTuple):
    name: str
    records: RecordIterator
    compression: str  # how Beam opens the file: FastWARC detects gzip itself, so WARC bytes go in as stored


FORMATS = {
    "warc": Format("warc", iter_warc, CompressionTypes.UNCOMPRESSED),
    "jsonl": Format("jsonl", iter_jsonl, CompressionTypes.AUTO),
    "parquet": Format("parquet", iter_parquet, CompressionTypes.UNCOMPRESSED),
}
_SUFFIXES = (
    ((".warc", ".warc.gz", ".wet", ".wet.gz", ".wat", ".wat.gz", ".arc", ".arc.gz", ".warc.zst", ".warc.lz4"), "warc"),
    ((".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz"), "jsonl"),
    ((".parquet",), "parquet"),
)


def detect_format(path: str, configured: str = "auto") -> str | None:
    """The reader for ``path``: the configured one, else by file name; None when nothing fits."""
    if configured != "auto":
        return configured
    name = path.lower()
    for suffixes, fmt in _SUFFIXES:
        if name.endswith(suffixes):
            return fmt
    return None


class ReadResult(NamedTuple):
    records: beam.PCollection  # raw document records (document dicts with RAW_CONTENT / RAW_KIND)
    failures: beam.PCollection  # rejects rows with outcome "failed"
    inputs: beam.PCollection  # one accounting dict per input file


def _failure_row(failure: Failure, path: str) -> dict:
    record = {d.ID: failure.record_id or f"{path}@{failure.offset or 0}", d.URL: failure.url,
              d.SOURCE_FILE: path, d.SOURCE_OFFSET: failure.offset, d.RECORD_ID: failure.record_id}
    return make_reject(record, stage=STAGE, reason=failure.reason, detail=failure.detail, outcome=FAILED)


class ReadFile(beam.DoFn):
    """Streams one matched file through its format's record iterator."""

    def __init__(self, config: ReadConfig, source: str) -> None:
        self.config = config
        self.source = source

    def setup(self) -> None:
        self.records = StageCounter(STAGE, "records")  # these two reach the progress lines
        self.failed = StageCounter(STAGE, "failed")
        self.skipped = Metrics.counter(STAGE, "skipped")
        self.files = Metrics.counter(STAGE, "files")

    def process(self, metadata) -> Iterator:
        path, size = metadata.path, metadata.size_in_bytes
        fmt = detect_format(path, self.config.format)
        account = {"path": path, "bytes": size, "format": fmt or "unknown", "records": 0, "skipped": {},
                   "error": None, "warnings": []}
        self.files.inc()
        for item in self._items(path, size, fmt):
            if isinstance(item, MissingFields):
                account["warnings"].append(item.message())
                _LOG.warning("read %s: %s", path, item.message())
                continue
            if isinstance(item, SkippedRecord):
                account["skipped"][item.record_type] = account["skipped"].get(item.record_type, 0) + 1
                self.skipped.inc()
                continue
            account["records"] += 1
            if isinstance(item, Failure):
                self.failed.inc()
                if item.reason in (UNSUPPORTED_FORMAT, UNREADABLE_FILE, EMPTY_FILE):
                    account["error"] = f"{item.reason}: {item.detail}"
                yield pvalue.TaggedOutput(FAILURES, _failure_row(item, path))
            else:
                self.records.inc()
                item[d.SOURCE] = self.source
                yield item
        _LOG.info("read %s: %d records, %d skipped%s", path, account["records"], sum(account["skipped"].values()),
                  f" ({account['error']})" if account["error"] else "")
        yield pvalue.TaggedOutput(INPUTS, account)

    def _items(self, path: str, size: int, fmt: str | None) -> Iterator:
        if fmt is None:
            yield Failure(UNSUPPORTED_FORMAT, "no reader for this file name (use read.format to force one)", 0)
            return
        if size == 0:
            yield Failure(EMPTY_FILE, "0-byte file", 0)
            return
        reader = FORMATS[fmt]
        try:
            stream = FileSystems.open(path, compression_type=reader.compression)
        except Exception as error:  # noqa: BLE001 - any FileSystems backend error means the file is unreadable
            yield Failure(UNREADABLE_FILE, f"{type(error).__name__}: {error}", 0)
            return
        with stream:
            try:
                yield from reader.records(stream, path, self.config)
            except Exception as error:  # noqa: BLE001 - e.g. a corrupt gzip stream under a JSONL reader
                yield Failure(UNREADABLE_FILE, f"stopped reading: {type(error).__name__}: {error}", None)


def _first(metadata: Iterable[FileMetadata]) -> FileMetadata:
    return next(iter(metadata))


class MatchFiles(beam.PTransform):
    """File patterns → the metadata of every matched file, each once, spread across workers."""

    def __init__(self, patterns: Sequence[str]) -> None:
        super().__init__()
        self.patterns = list(patterns)

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Patterns" >> beam.Create(self.patterns)
            | "Match" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
            | "ByPath" >> beam.Map(lambda m: (m.path, m))
            | "OncePerPath" >> beam.CombinePerKey(_first)
            | "Metadata" >> beam.Values()
            | "Spread" >> beam.Reshuffle()
        )


class ReadInputs(beam.PTransform):
    """File patterns → :class:`ReadResult`. ``source`` tags documents as crawl, reference or synthetic."""

    def __init__(self, patterns: Sequence[str], config: ReadConfig, source: str = d.SOURCE_CRAWL) -> None:
        super().__init__()
        self.patterns = list(patterns)
        self.config = config
        self.source = source

    def expand(self, pbegin: beam.pvalue.PBegin) -> ReadResult:
        out = pbegin | "MatchFiles" >> MatchFiles(self.patterns) | "ReadFile" >> beam.ParDo(
            ReadFile(self.config, self.source)).with_outputs(FAILURES, INPUTS, main="records")
        return ReadResult(out.records, out[FAILURES], out[INPUTS])
