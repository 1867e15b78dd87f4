"""provmix.pipeline.checkpoint: a checkpointed scan equals the graph's per-record stages, and resumes only unfinished shards."""
from __future__ import annotations

import json
import os
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.checkpoint import (
    DOCUMENTS_SUFFIX,
    DONE_SUFFIX,
    CheckpointedScan,
    ScanFile,
    ShardStore,
    config_digest,
    shard_key,
)
from provmix.pipeline.detect import Detect
from provmix.pipeline.extract import Extract
from provmix.pipeline.language import IdentifyLanguage
from provmix.pipeline.options import RunConfig, build_section
from provmix.pipeline.read import ReadInputs
from provmix.pipeline.write import WriteJsonList, read_json
from provmix.schemas import documents as d
from tests.reliability.corpus import CASES, FUZZ_CONFIG, write_corpus

CONFIG = build_section(RunConfig, FUZZ_CONFIG, "config")
VERSION = "test"


def _graph_stages(p: beam.Pipeline, pattern: str):
    read = p | ReadInputs([pattern], CONFIG.read, d.SOURCE_CRAWL)
    extracted = read.records | Extract(CONFIG.extract)
    languages = extracted.documents | IdentifyLanguage(CONFIG.language)
    detected = languages.documents | Detect(CONFIG.detect)
    rejects = (read.failures, extracted.rejects, languages.rejects, detected.rejects) | beam.Flatten()
    return detected.documents, rejects, read.inputs


def _checkpointed(p: beam.Pipeline, pattern: str, root: str):
    return p | CheckpointedScan([pattern], CONFIG, d.SOURCE_CRAWL, root, VERSION)


def _collect(build, out: Path, *args) -> dict[str, list]:
    with beam.Pipeline(runner="FnApiRunner") as p:
        for name, pcoll in zip(("documents", "rejects", "inputs"), build(p, *args)):
            pcoll | f"Write{name}" >> WriteJsonList(str(out / f"{name}.json"))
    return {name: read_json(str(out / f"{name}.json")) for name in ("documents", "rejects", "inputs")}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("checkpoint") / "in"
    write_corpus(directory)
    return directory


@pytest.fixture(scope="module")
def reference(corpus: Path) -> dict[str, list]:
    out = corpus.parent / "graph"
    out.mkdir()
    return _collect(_graph_stages, out, str(corpus / "*"))


def test_checkpointed_scan_equals_the_graph_stages(corpus: Path, reference: dict) -> None:
    out, root = corpus.parent / "scan", corpus.parent / "work"
    out.mkdir()
    scanned = _collect(_checkpointed, out, str(corpus / "*"), str(root))
    for document in scanned["documents"]:  # each names the checkpoint row that holds it whole
        stored = pq.read_table(document.pop(d.STORED_IN)).slice(document.pop(d.STORED_ROW), 1).to_pylist()[0]
        assert stored[d.ID] == document[d.ID] and stored[d.TEXT] == document[d.TEXT]
    scanned["documents"].sort(key=lambda document: json.dumps(document, sort_keys=True, default=str))
    assert scanned == reference
    assert len(list(root.glob("*" + DONE_SUFFIX))) == len(CASES)
    assert len(reference["documents"]) > 0 and len(reference["rejects"]) > 0


def _metadata(path: Path):
    (match,) = FileSystems.match([str(path)])
    return match.metadata_list[0]


def _loaded(store: ShardStore, key: str) -> tuple[list[dict], list[dict], dict]:
    documents, rejects, account = store.load(key)
    return list(documents), list(rejects), account


def test_resume_scans_only_unfinished_shards(corpus: Path, tmp_path: Path) -> None:
    files = [corpus / case.name for case in CASES[:4]]
    scan = ScanFile(CONFIG, d.SOURCE_CRAWL, str(tmp_path), config_digest(CONFIG, VERSION))
    scan.setup()
    keys = [next(scan.process(_metadata(f))) for f in files]
    store = ShardStore(str(tmp_path))
    finished = [_loaded(store, k) for k in keys]
    # a kill while shard 1 was being written: its documents file is cut and its marker missing
    os.remove(store.path(keys[1], DONE_SUFFIX))
    Path(store.path(keys[1], DOCUMENTS_SUFFIX)).write_bytes(b"PAR1 cut")
    scanned = []
    original = scan.scan
    scan.scan = lambda metadata: scanned.append(metadata.path) or original(metadata)
    assert [next(scan.process(_metadata(f))) for f in files] == keys
    assert scanned == [str(files[1])]
    assert [_loaded(store, k) for k in keys] == finished


def test_key_follows_file_and_config(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"text": "x" * 200}) + "\n")
    digest = config_digest(CONFIG, VERSION)
    before = shard_key(_metadata(path), digest)
    assert shard_key(_metadata(path), digest) == before
    other = build_section(RunConfig, {**FUZZ_CONFIG, "extract": {"min_text_chars": 5}}, "config")
    assert shard_key(_metadata(path), config_digest(other, VERSION)) != before
    assert shard_key(_metadata(path), config_digest(CONFIG, "other-version")) != before
    written = dict(FUZZ_CONFIG, write={"num_shards": 7})  # global sections do not invalidate shards
    assert config_digest(build_section(RunConfig, written, "config"), VERSION) == digest
    path.write_text(json.dumps({"text": "y" * 300}) + "\n")
    assert shard_key(_metadata(path), digest) != before


def test_key_follows_the_detector_model_files(tmp_path: Path) -> None:
    """A retrained model (same spec, new files) must not replay checkpoints scored by the old one."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.safetensors").write_bytes(b"old")
    config = build_section(RunConfig, {"detect": {"detectors": [f"hf-classifier:{model}"]}}, "config")
    before = config_digest(config, VERSION)
    assert config_digest(config, VERSION) == before
    (model / "weights.safetensors").write_bytes(b"retrained")
    assert config_digest(config, VERSION) != before


def test_a_file_is_scanned_and_stored_a_chunk_at_a_time(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """A file larger than a chunk becomes several row groups; scanning whole or in chunks stores the same rows."""
    import pyarrow.parquet as pq

    from provmix.pipeline import checkpoint

    path = corpus / CASES[0].name
    whole = ScanFile(CONFIG, d.SOURCE_CRAWL, str(tmp_path / "whole"), config_digest(CONFIG, VERSION))
    whole.setup()
    key = next(whole.process(_metadata(path)))
    monkeypatch.setattr(checkpoint, "CHUNK_RECORDS", 2)
    chunked = ScanFile(CONFIG, d.SOURCE_CRAWL, str(tmp_path / "chunked"), config_digest(CONFIG, VERSION))
    chunked.setup()
    assert next(chunked.process(_metadata(path))) == key
    stored = ShardStore(str(tmp_path / "chunked"))
    documents = pq.ParquetFile(stored.path(key, DOCUMENTS_SUFFIX))
    sizes = [documents.metadata.row_group(i).num_rows for i in range(documents.num_row_groups)]
    assert len(sizes) > 1 and max(sizes) <= 2
    assert _loaded(stored, key) == _loaded(ShardStore(str(tmp_path / "whole")), key)
