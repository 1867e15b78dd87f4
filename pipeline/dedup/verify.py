"""Verification of candidate pairs: a per-document payload joined in by id, and a similarity test on two payloads.

A document's payload travels once per pair it is in (two CoGroupByKeys keyed by each end of the pair), never to a
central place. Payloads are shingle sets (sorted unique uint32 shingle hashes: the Jaccard is exact up to 32-bit
hash collisions among one pair's few hundred shingles) or MinHash signatures (their agreement estimates it).
"""
from __future__ import annotations

from typing import Callable, Iterator

import apache_beam as beam
import numpy as np

from provmix.pipeline.dedup.minhash import agreement

Edge = tuple  # (smaller id, larger id)
_PAIR, _SET = "pair", "payload"


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


