"""Verification of candidate pairs: a per-document payload joined in by id, and a similarity test on two payloads.

A document's payload travels once per pair it is in (two CoGroupByKeys keyed by each end of the pair), never to a
central place. Payloads are shingle sets (sorted unique uint32 shingle hashes: the Jaccard is exact up to 32-bit
hash collisions among one pair's few hundred shingles) or MinHash signatures (their agreement estimates it).
Where the texts are stored (:mod:`pipeline.stored`), :class:`StoredShingleSets` makes shingle sets for the
documents of candidate pairs only, from their stored texts, instead of one per document at sketch time.
"""
from __future__ import annotations

from typing import Callable, Iterator

import apache_beam as beam
import numpy as np

from provmix.pipeline.dedup.config import DedupConfig
from provmix.pipeline.dedup.minhash import agreement
from provmix.pipeline.dedup.sketch import shingle_batch
from provmix.pipeline.dedup.text import dedup_text
from provmix.pipeline.packing import pack
from provmix.pipeline.stored import ReadBackText
from provmix.schemas.documents import ID, LANG, STORED_ROW, TEXT

Edge = tuple  # (smaller id, larger id)
_PAIR, _SET = "pair", "payload"
_WANTED, _AT = "wanted", "at"


def edge(left: str, right: str) -> Edge:
    return (left, right) if left < right else (right, left)


def shingle_set(shingles: np.ndarray) -> bytes:
    """A shingle-hash array as the sorted unique set :func:`set_jaccard` reads."""
    return np.unique(shingles).astype(np.uint32).tobytes()


def set_jaccard(left: bytes, right: bytes) -> float:
    a, b = np.frombuffer(left, dtype=np.uint32), np.frombuffer(right, dtype=np.uint32)
    if a.size == 0 and b.size == 0:
        return 1.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared)


class JaccardAtLeast:
    """Two shingle sets are near duplicates when their Jaccard is at least ``threshold``."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, left: bytes, right: bytes) -> bool:
        return set_jaccard(left, right) >= self.threshold


class AgreementAtLeast:
    """Two MinHash signatures are near duplicates when they agree on at least ``threshold`` of their slots."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, left: bytes, right: bytes) -> bool:
        return agreement(np.frombuffer(left, dtype=np.uint32), np.frombuffer(right, dtype=np.uint32)) >= self.threshold


def _attach_left_payload(joined: tuple[str, dict]) -> Iterator[tuple[str, tuple[str, bytes]]]:
    left, parts = joined
    for left_payload in parts[_SET][:1]:
        for right in parts[_PAIR]:
            yield right, (left, left_payload)


class _KeepSimilar(beam.DoFn):
    def __init__(self, similar: Callable[[bytes, bytes], bool]) -> None:
        self.similar = similar

    def process(self, joined: tuple[str, dict]) -> Iterator[Edge]:
        right, parts = joined
        for right_payload in parts[_SET][:1]:
            for left, left_payload in parts[_PAIR]:
                if self.similar(left_payload, right_payload):
                    yield edge(left, right)


class VerifyPairs(beam.PTransform):
    """Candidate pairs → those whose payloads (``(id, bytes)``) pass ``similar``."""

    def __init__(self, payloads: beam.PCollection, similar: Callable[[bytes, bytes], bool]) -> None:
        super().__init__()
        self.payloads = payloads
        self.similar = similar

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        with_left = (
            {_PAIR: pairs, _SET: self.payloads}
            | "JoinLeft" >> beam.CoGroupByKey()
            | "AttachLeft" >> beam.FlatMap(_attach_left_payload)
        )
        return (
            {_PAIR: with_left, _SET: self.payloads}
            | "JoinRight" >> beam.CoGroupByKey()
            | "KeepSimilar" >> beam.ParDo(_KeepSimilar(self.similar))
        )


def _wanted_at(joined: tuple[str, dict]) -> Iterator[tuple[str, bytes]]:
    doc_id, parts = joined
    if parts[_WANTED]:
        for path, row, lang in parts[_AT][:1]:  # a record read twice: one copy (same id, same text)
            yield path, pack({ID: doc_id, STORED_ROW: row, LANG: lang})


class _ShingleSets(beam.DoFn):
    """A batch of documents with their text → ``(id, shingle set)`` each."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def process(self, docs: list[dict]) -> Iterator[tuple[str, bytes]]:
        shingles = shingle_batch([dedup_text(doc[TEXT] or "") for doc in docs], [doc[LANG] for doc in docs],
                                 self.config)
        for doc, values in zip(docs, shingles):
            yield doc[ID], shingle_set(values)


class StoredShingleSets(beam.PTransform):
    """Candidate pairs → ``(id, shingle set)`` of every document in one, made from its stored text; ``locators``
    are ``(id, (stored file, row, lang))`` of every document."""

    def __init__(self, config: DedupConfig, locators: beam.PCollection) -> None:
        super().__init__()
        self.config = config
        self.locators = locators

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        wanted = pairs | "Ends" >> beam.FlatMap(lambda pair: [(pair[0], None), (pair[1], None)])
        return (
            {_WANTED: wanted, _AT: self.locators}
            | "JoinLocators" >> beam.CoGroupByKey()
            | "WantedAt" >> beam.FlatMap(_wanted_at)
            | "ByStoredFile" >> beam.GroupByKey()
            | "ReadBackText" >> beam.ParDo(ReadBackText())
            | "Batch" >> beam.BatchElements(max_batch_size=256)
            | "ShingleSets" >> beam.ParDo(_ShingleSets(self.config))
        )
