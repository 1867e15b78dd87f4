"""Per-input-shard checkpoints, so a killed run redoes only the shards it had not finished.

The per-record stages (read, extract, language, detect: nearly all of a run's CPU) are a pure function of one
input file and the config, so :class:`ScanFile` runs them for one whole file inside one ``DoFn`` — the same
``Step`` objects the graph uses — and stores the result under ``WORK/<key>``:

    <key>.documents.parquet   documents after Detect (DOCUMENT_SCHEMA)
    <key>.rejects.parquet     read failures and extract/language/detect rejects (REJECT_SCHEMA)
    <key>.account.json        the file's accounting row (records, skipped, error)
    <key>.done                written last; a shard without it is scanned again

Each file is scanned and stored a chunk of records at a time (one Parquet row group each) and replayed a row group
at a time, so neither side holds a whole file. ``key`` hashes the path, size and modification time of the file
with the per-record config sections, the provmix version and a fingerprint of the configured detectors' model
files, so a changed file, config or model is never replayed from a stale checkpoint. Every file is written under a
temporary name and renamed, so a retried or killed worker leaves either nothing or a whole file.
:class:`CheckpointedScan` replays finished shards and scans the rest; its three outputs replace
Read ─► Extract ─► IdentifyLanguage ─► Detect in the graph, and the global stages (dedup, label, floor,
write) run on the replayed rows exactly as on fresh ones, so a resumed run writes the same bytes as an
uninterrupted one.
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable, Iterator, NamedTuple, Sequence

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam import pvalue
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.options import RunConfig
from provmix.pipeline.read import FAILURES, INPUTS, MatchFiles, ReadFile
from provmix.pipeline.stages import PER_RECORD
from provmix.pipeline.step import REJECTS, Step
from provmix.pipeline.write import atomic_create, make_dirs, to_table
from provmix.schemas import documents as d
from provmix.schemas.rejects import REJECT_SCHEMA
from provmix.schemas.version import SCHEMA_VERSION

DOCUMENTS_SUFFIX = ".documents.parquet"
REJECTS_SUFFIX = ".rejects.parquet"
ACCOUNT_SUFFIX = ".account.json"
DONE_SUFFIX = ".done"
PER_RECORD_SECTIONS = ("read", *(stage.section for stage in PER_RECORD))
CHUNK_RECORDS = 1024  # records scanned, and stored as one checkpoint row group, at a time (a multiple of the
# per-record steps' batch sizes, so batches are the same as for a whole file whenever no record is rejected)


def config_digest(config: RunConfig, version: str) -> str:
    """What a shard's scan depends on besides the file: the per-record config sections, the provmix and schema
    versions and the files of every configured detector model (so a resumed run after retraining never mixes old
    and new scores, and a stored checkpoint always has this schema's columns)."""
    from provmix.detectors.registry import spec_fingerprint

    sections = {name: config.as_dict()[name] for name in PER_RECORD_SECTIONS}
    models = [spec_fingerprint(spec) for spec in config.detect.detectors]
    identity = [sections, version, SCHEMA_VERSION, models]
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def shard_key(metadata: FileMetadata, digest: str) -> str:
    identity = [metadata.path, metadata.size_in_bytes, metadata.last_updated_in_seconds, digest]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]


def _write_atomically(path: str, data: bytes) -> None:
    with atomic_create(path) as sink:
        sink.write(data)


def _read_parquet(path: str) -> Iterator[dict]:
    """The rows of ``path``, one row group at a time."""
    with FileSystems.open(path) as source:
        parquet = pq.ParquetFile(source)
        for group in range(parquet.num_row_groups):
            yield from parquet.read_row_group(group).to_pylist()


class ShardStore:
    """The checkpoint files of one run's work directory."""

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, key: str, suffix: str) -> str:
        return FileSystems.join(self.root, key + suffix)

    def is_done(self, key: str) -> bool:
        return FileSystems.exists(self.path(key, DONE_SUFFIX))

    def save(self, key: str, chunks: Iterable["Chunk"]) -> None:
        """Store one shard from its chunks, each a row group, then the accounting row the last chunk carries; the
        ``.done`` marker goes last, so a kill at any point leaves the shard unfinished."""
        make_dirs(self.root)
        with atomic_create(self.path(key, DOCUMENTS_SUFFIX)) as kept_sink, \
                atomic_create(self.path(key, REJECTS_SUFFIX)) as rejected_sink:
            writers = [(pq.ParquetWriter(kept_sink, d.DOCUMENT_SCHEMA, compression="zstd"), d.DOCUMENT_SCHEMA),
                       (pq.ParquetWriter(rejected_sink, REJECT_SCHEMA, compression="zstd"), REJECT_SCHEMA)]
            for chunk in chunks:
                for (writer, schema), rows in zip(writers, (chunk.documents, chunk.rejects)):
                    if rows:
                        writer.write_table(to_table(rows, schema))
                account = chunk.account
            for writer, _ in writers:
                writer.close()
        _write_atomically(self.path(key, ACCOUNT_SUFFIX), json.dumps(account, sort_keys=True).encode())
        _write_atomically(self.path(key, DONE_SUFFIX), key.encode())

    def load(self, key: str) -> tuple[Iterator[dict], Iterator[dict], dict]:
        """The shard's documents and rejects (streamed, one row group at a time) and its accounting row."""
        with FileSystems.open(self.path(key, ACCOUNT_SUFFIX)) as source:
            account = json.loads(source.read().decode())
        return (_read_parquet(self.path(key, DOCUMENTS_SUFFIX)), _read_parquet(self.path(key, REJECTS_SUFFIX)),
                account)


def _split(outputs: Iterable, rejects_tag: str) -> tuple[list, list]:
    kept, rejected = [], []
    for output in outputs:
        if isinstance(output, pvalue.TaggedOutput) and output.tag == rejects_tag:
            rejected.append(output.value)
        else:
            kept.append(output)
    return kept, rejected


def _one_by_one(step: Step, records: list[dict]) -> tuple[list, list]:
    kept, rejected = [], []
    for record in records:
        more_kept, more_rejected = _split(step.process(record), REJECTS)
        kept += more_kept
        rejected += more_rejected
    return kept, rejected


def _batched(step: Step, records: list[dict], size: int) -> tuple[list, list]:
    kept, rejected = [], []
    for start in range(0, len(records), size):
        more_kept, more_rejected = _split(step.process(records[start:start + size]), REJECTS)
        kept += more_kept
        rejected += more_rejected
    return kept, rejected


class Chunk(NamedTuple):
    documents: list[dict]  # after Detect
    rejects: list[dict]  # read failures and step rejects
    account: dict | None  # the file's accounting row, on its last chunk only


class ScanFile(beam.DoFn):
    """One input file → its checkpoint (unless already done); outputs the shard key.

    The file is scanned :data:`CHUNK_RECORDS` records at a time, each chunk one row group of the checkpoint, so
    memory is bounded by the chunk, not by the file (a Common Crawl WARC holds 30–40 thousand records).
    """

    def __init__(self, config: RunConfig, source: str, root: str, digest: str) -> None:
        self.config = config
        self.source = source
        self.root = root
        self.digest = digest

    def setup(self) -> None:
        self.store = ShardStore(self.root)
        self.read = ReadFile(self.config.read, self.source)
        self.read.setup()
        self.steps = [(stage.step(self.config), stage.batch_size(self.config) if stage.batch_size else None)
                      for stage in PER_RECORD]
        for step, _ in self.steps:
            step.setup()

    def process(self, metadata: FileMetadata) -> Iterator[str]:
        key = shard_key(metadata, self.digest)
        if not self.store.is_done(key):
            self.store.save(key, self.scan(metadata))
        yield key

    def scan(self, metadata: FileMetadata) -> Iterator["Chunk"]:
        """The file's records, :data:`CHUNK_RECORDS` at a time, through every per-record step; the last chunk
        carries the file's accounting row, which the reader emits last."""
        records: list[dict] = []
        rejects: list[dict] = []
        account = None
        for output in self.read.process(metadata):
            if not isinstance(output, pvalue.TaggedOutput):
                records.append(output)
            elif output.tag == INPUTS:
                account = output.value
            elif output.tag == FAILURES:
                rejects.append(output.value)
            if len(records) >= CHUNK_RECORDS:
                yield Chunk(*self._steps(records, rejects), None)
                records, rejects = [], []
        yield Chunk(*self._steps(records, rejects), account)

    def _steps(self, records: list[dict], rejects: list[dict]) -> tuple[list[dict], list[dict]]:
        """Run every per-record step on one chunk; ``rejects`` gains theirs."""
        documents = records
        for step, size in self.steps:
            documents, rejected = _one_by_one(step, documents) if size is None else _batched(step, documents, size)
            rejects += rejected
        return documents, rejects


class ScanResult(NamedTuple):
    documents: beam.PCollection  # documents after Detect
    rejects: beam.PCollection  # every reject and failure of the per-record stages
    inputs: beam.PCollection  # one accounting dict per input file


class ReplayShard(beam.DoFn):
    """A finished shard → its documents, each with where its whole row is stored (:data:`d.STORED_IN`,
    :data:`d.STORED_ROW`, so the writers can read the text back after the global stages moved it without it), its
    rejects and its accounting row."""

    def __init__(self, root: str) -> None:
        self.root = root

    def process(self, key: str) -> Iterator:
        store = ShardStore(self.root)
        documents, rejects, account = store.load(key)
        stored_in = store.path(key, DOCUMENTS_SUFFIX)
        for index, document in enumerate(documents):
            yield {**document, d.STORED_IN: stored_in, d.STORED_ROW: index}
        for row in rejects:
            yield pvalue.TaggedOutput(REJECTS, row)
        yield pvalue.TaggedOutput(INPUTS, account)


class CheckpointedScan(beam.PTransform):
    """File patterns → :class:`ScanResult`, scanning only the files without a finished checkpoint in ``root``."""

    def __init__(self, patterns: Sequence[str], config: RunConfig, source: str, root: str, version: str) -> None:
        super().__init__()
        self.patterns = list(patterns)
        self.config = config
        self.source = source
        self.root = root
        self.digest = config_digest(config, version)

    def expand(self, pbegin: beam.pvalue.PBegin) -> ScanResult:
        replayed = (
            pbegin
            | "MatchFiles" >> MatchFiles(self.patterns)
            | "ScanFile" >> beam.ParDo(ScanFile(self.config, self.source, self.root, self.digest))
            | "Replay" >> beam.ParDo(ReplayShard(self.root)).with_outputs(REJECTS, INPUTS, main="documents")
        )
        return ScanResult(replayed.documents, replayed[REJECTS], replayed[INPUTS])
