"""The Deduplicate stage end to end: keeper policy, cluster columns, rejects, metrics, runner/order determinism."""
from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import numpy as np
import xxhash
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions

from provmix.pipeline.dedup import DedupConfig, Deduplicate
from provmix.pipeline.dedup.config import VERIFY_SIGNATURE
from provmix.pipeline.dedup.bands import pack_by_partition
from provmix.pipeline.dedup.lsh import BucketPairs
from provmix.pipeline.dedup.transform import SketchDocuments
from provmix.pipeline.dedup.verify import AgreementAtLeast
from provmix.pipeline.stored import without_text
from provmix.pipeline.write import to_table
from provmix.schemas.documents import (
    AI,
    CLUSTER_ID,
    CLUSTER_SIZE,
    CRAWL_DATE,
    DOCUMENT_SCHEMA,
    FIRST_SEEN,
    HUMAN,
    ID,
    KEEPER_ID,
    LABEL,
    LANG,
    STORED_IN,
    STORED_ROW,
    TEXT,
    new_document,
)
from provmix.schemas.rejects import DETAIL, EXACT_DUPLICATE, NEAR_DUPLICATE, REASON, STAGE

SMALL_GRAPHS = DedupConfig(max_rounds=4)  # clusters here are tiny: fewer unrolled rounds keep the tests fast
SIGNATURE_MODE = DedupConfig(max_rounds=4, verify=VERIFY_SIGNATURE)


def _article(rng: random.Random, words: int = 150) -> list[str]:
    return [f"token{rng.randrange(5000)}" for _ in range(words)]


def _edit(words: list[str], position: int) -> str:
    return " ".join(words[:position] + ["EDITED"] + words[position + 1 :])


def _doc(doc_id: str, text: str, **columns: object) -> dict:
    return new_document(**{ID: doc_id, TEXT: text}, **columns)


def _corpus() -> list[dict]:
    rng = random.Random(17)
    exact, near, tie, alone = (_article(rng) for _ in range(4))
    chinese = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(300))
    return [
        # exact duplicates: the human copy wins over the earlier ones
        _doc("a1", " ".join(exact), **{CRAWL_DATE: "2022-05-01T00:00:00Z"}),
        _doc("a2", " ".join(exact).upper(), **{CRAWL_DATE: "2019-03-02T10:00:00+00:00"}),
        _doc("a3", "  " + " ".join(exact), **{LABEL: HUMAN, CRAWL_DATE: "2023-01-01T00:00:00Z"}),
        # near duplicates, nobody human: the earliest date wins; b1 is an exact copy of b4, and b5-b7 differ in
        # their last word only, so they share most bands and fill buckets past max_bucket_size=2
        _doc("b1", _edit(near, 40), **{LABEL: AI, CRAWL_DATE: "2021-01-01T00:00:00Z"}),
        _doc("b2", _edit(near, 90), **{CRAWL_DATE: "2020-06-01T00:00:00"}),
        _doc("b3", _edit(near, 130)),
        _doc("b4", _edit(near, 40)),
        *(_doc(f"b{5 + index}", " ".join(near[:-1] + [word])) for index, word in enumerate("xyz")),
        # same text, no dates, no label: the stable hash of the id decides
        _doc("t1", " ".join(tie)),
        _doc("t2", " ".join(tie)),
        # Chinese near duplicates (character shingles) and a singleton
        _doc("z1", chinese, **{LANG: "zh"}),
        _doc("z2", chinese[:150] + "公" + chinese[151:], **{LANG: "zh"}),
        _doc("s1", " ".join(alone), **{CRAWL_DATE: "2018-01-01T00:00:00Z"}),
        _doc("s1", " ".join(alone), **{CRAWL_DATE: "2018-01-01T00:00:00Z"}),  # the same record read twice
    ]


def _read_rows(out: Path, name: str) -> list[dict]:
    rows = (json.loads(line) for path in out.glob(f"{name}*") for line in path.read_text().splitlines())
    return sorted(rows, key=lambda row: (row[ID], json.dumps(row, sort_keys=True)))


def _stored(docs: list[dict], out: Path) -> list[dict]:
    """``docs`` stored whole in one Parquet file (two row groups), each naming its row there."""
    out.mkdir(parents=True)
    path = out / "stored.parquet"
    with pq.ParquetWriter(path, DOCUMENT_SCHEMA) as writer:
        for half in (docs[: len(docs) // 2], docs[len(docs) // 2 :]):
            writer.write_table(to_table(half, DOCUMENT_SCHEMA))
    return [{**doc, STORED_IN: str(path), STORED_ROW: row} for row, doc in enumerate(docs)]


class _FromStoredTexts(beam.PTransform):
    """Sketch the stored documents (which drops their text), deduplicate: the checkpointed graph's path."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, docs: beam.PCollection):
        sketches = docs | SketchDocuments(self.config, stored=True)
        return sketches.documents | Deduplicate(self.config, sketches)


def _run(docs: list[dict], config: DedupConfig, out: Path, options: PipelineOptions | None = None,
         stored: bool = False) -> tuple:
    """Run the stage (FnApiRunner unless ``options`` say otherwise) on ``docs``, or on them stored and without
    their text; (kept rows, reject rows, result)."""
    pipeline = beam.Pipeline(runner="FnApiRunner") if options is None else beam.Pipeline(options=options)
    if stored:
        docs = _stored(docs, out / "stored")
    result = pipeline | beam.Create(docs) | (_FromStoredTexts(config) if stored else Deduplicate(config))
    for name, pcoll in (("kept", result.documents), ("rejects", result.rejects)):
        _ = (
            pcoll
            | f"Json{name}" >> beam.Map(json.dumps, sort_keys=True)
            | f"Write{name}" >> beam.io.WriteToText(str(out / name))
        )
    run = pipeline.run()
    run.wait_until_finish()
    return _read_rows(out, "kept"), _read_rows(out, "rejects"), run


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {row[ID]: row for row in rows}


def _smallest_id_hash(*ids: str) -> str:
    return min(ids, key=lambda doc_id: xxhash.xxh3_64_intdigest(doc_id.encode()))


def test_keeper_policy_cluster_columns_rejects_and_metrics(tmp_path: Path) -> None:
    kept, rejects_list, run = _run(_corpus(), DedupConfig(max_bucket_size=2, max_rounds=4), tmp_path)
    kept, rejects = _by_id(kept), _by_id(rejects_list)
    assert set(kept) == {"a3", "b2", _smallest_id_hash("t1", "t2"), _smallest_id_hash("z1", "z2"), "s1"}
    assert kept["a3"][CLUSTER_ID] == "a1" and kept["a3"][CLUSTER_SIZE] == 3
    assert kept["a3"][FIRST_SEEN] == "2019-03-02T10:00:00Z"  # the cluster's earliest date, not the keeper's
    assert kept["b2"][KEEPER_ID] == "b2" and kept["b2"][CLUSTER_SIZE] == 7
    assert kept["s1"][CLUSTER_ID] == "s1" and kept["s1"][CLUSTER_SIZE] == 1 and kept["s1"][KEEPER_ID] == "s1"
    assert kept["s1"][FIRST_SEEN] == "2018-01-01T00:00:00Z"
    assert [row[ID] for row in rejects_list].count("s1") == 1
    assert {doc_id: rejects[doc_id][REASON] for doc_id in ("a1", "a2", "b1", "b3", "b4", "s1")} == {
        "s1": EXACT_DUPLICATE,
        "a1": EXACT_DUPLICATE, "a2": EXACT_DUPLICATE, "b1": NEAR_DUPLICATE, "b3": NEAR_DUPLICATE, "b4": NEAR_DUPLICATE,
    }
    assert rejects["b4"][KEEPER_ID] == "b2" and rejects["b4"][CLUSTER_ID] == "b1" and "b2" in rejects["b4"][DETAIL]
    assert all(row[STAGE] == "dedup" for row in rejects.values())
    assert len(kept) + len(rejects_list) == len(_corpus())
    counters = {
        counter.key.metric.name: counter.committed
        for counter in run.metrics().query(MetricsFilter().with_namespace("dedup"))["counters"]
    }
    assert counters["exact_duplicates"] == 4 and counters["near_duplicates"] == 7
    assert counters["clusters"] == 4 and counters["oversized_buckets"] > 0


def test_same_clusters_whatever_the_input_order_and_verification_mode(tmp_path: Path) -> None:
    docs = _corpus()
    shuffled = docs[::-1]
    random.Random(3).shuffle(shuffled)
    first = _run(docs, SMALL_GRAPHS, tmp_path / "first")[:2]
    second = _run(shuffled, SIGNATURE_MODE, tmp_path / "second")[:2]
    assert first == second  # the planted copies are far above the threshold: both modes must find them all


def test_shingle_sets_made_from_stored_texts_give_the_same_clusters(tmp_path: Path) -> None:
    docs = _corpus()
    kept, rejects, _ = _run(docs, SMALL_GRAPHS, tmp_path / "texts")
    stored_kept, stored_rejects, run = _run(docs, SMALL_GRAPHS, tmp_path / "stored", stored=True)
    assert [{k: v for k, v in row.items() if k not in (STORED_IN, STORED_ROW)} for row in stored_kept] == [
        without_text(row) for row in kept]
    assert stored_rejects == rejects and all(TEXT not in row for row in stored_kept)
    counters = {counter.key.metric.name: counter.committed
                for counter in run.metrics().query(MetricsFilter().with_namespace("dedup"))["counters"]}
    assert counters["verified_pairs"] > 0  # the near duplicates were verified on re-made shingle sets


def test_multi_processing_runner_gives_the_same_clusters(tmp_path: Path) -> None:
    docs = _corpus()
    options = PipelineOptions(direct_num_workers=2, direct_running_mode="multi_processing")
    local = _run(docs, SMALL_GRAPHS, tmp_path / "local")[:2]
    distributed = _run(docs, SMALL_GRAPHS, tmp_path / "multi", options=options)[:2]
    assert distributed == local


def test_disabled_stage_passes_documents_through(tmp_path: Path) -> None:
    kept, rejects, _ = _run(_corpus(), DedupConfig(enabled=False), tmp_path)
    assert len(kept) == len(_corpus()) and rejects == []


def _bucket(count: int, seed: int) -> list[str]:
    ids = [f"m{index}" for index in range(count)]
    random.Random(seed).shuffle(ids)
    return ids


def test_oversized_bucket_is_paired_as_a_star_around_its_smallest_id() -> None:
    small = sorted(BucketPairs(max_bucket_size=5).pairs(_bucket(5, 0)))
    assert len(small) == 10 and all(left < right for left, right in small)  # all pairs, each ordered
    star = sorted(BucketPairs(max_bucket_size=5).pairs(_bucket(6, 0)))
    assert star == [("m0", f"m{index}") for index in range(1, 6)]
    assert star == sorted(BucketPairs(max_bucket_size=5).pairs(_bucket(6, 99)))
    assert list(BucketPairs(max_bucket_size=5).pairs(["only"])) == []


def test_a_partition_gives_the_pairs_of_each_of_its_buckets() -> None:
    keys = np.array([1, 1, 2, 2, 2, 3], dtype=np.uint64)
    chunks = [chunk for _, chunk in pack_by_partition(keys, np.array([0, 1, 1, 2, 0, 3]), ["x", "y", "z", "w"], 1)]
    partition = (0, chunks)
    assert sorted(BucketPairs(max_bucket_size=5).process(partition)) == [
        ("x", "y"), ("x", "y"), ("x", "z"), ("y", "z")]


def test_signature_pairs_below_threshold_are_not_similar() -> None:
    low = np.arange(128, dtype=np.uint32)
    high = low.copy()
    high[:30] += 1000  # 98/128 = 0.77 agreement
    assert not AgreementAtLeast(0.8)(low.tobytes(), high.tobytes())
    assert AgreementAtLeast(0.75)(low.tobytes(), high.tobytes())
