"""Exact verification of candidate pairs: the Jaccard of their shingle-hash sets, joined in by id.

A document's shingle set travels once per pair it is in (two CoGroupByKeys keyed by each end of the pair), never
to a central place. Sets are sorted unique uint32 shingle hashes, so the Jaccard is exact up to 32-bit hash
collisions among one pair's few hundred shingles.
"""
from __future__ import annotations

from typing import Iterator

import apache_beam as beam
import numpy as np

Edge = tuple  # (smaller id, larger id)
_PAIR, _SET = "pair", "set"


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


def _attach_left_set(joined: tuple[str, dict]) -> Iterator[tuple[str, tuple[str, bytes]]]:
    left, parts = joined
    for left_set in parts[_SET][:1]:
        for right in parts[_PAIR]:
            yield right, (left, left_set)


class _KeepSimilar(beam.DoFn):
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def process(self, joined: tuple[str, dict]) -> Iterator[Edge]:
        right, parts = joined
        for right_set in parts[_SET][:1]:
            for left, left_set in parts[_PAIR]:
                if set_jaccard(left_set, right_set) >= self.threshold:
                    yield edge(left, right)


class ExactJaccard(beam.PTransform):
    """Candidate pairs → those whose shingle sets (``(id, set bytes)``) have Jaccard >= ``threshold``."""

    def __init__(self, shingle_sets: beam.PCollection, threshold: float) -> None:
        super().__init__()
        self.shingle_sets = shingle_sets
        self.threshold = threshold

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        with_left = (
            {_PAIR: pairs, _SET: self.shingle_sets}
            | "JoinLeft" >> beam.CoGroupByKey()
            | "AttachLeft" >> beam.FlatMap(_attach_left_set)
        )
        return (
            {_PAIR: with_left, _SET: self.shingle_sets}
            | "JoinRight" >> beam.CoGroupByKey()
            | "KeepSimilar" >> beam.ParDo(_KeepSimilar(self.threshold))
        )


