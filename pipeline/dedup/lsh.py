"""LSH banding and candidate verification: band keys → buckets → verified duplicate pairs (graph edges)."""
from __future__ import annotations

from itertools import combinations
from typing import Iterable, Iterator

import apache_beam as beam
import numpy as np
import xxhash
from apache_beam.metrics import Metrics

from pipeline.dedup.config import NAMESPACE, DedupConfig
from pipeline.dedup.minhash import EMPTY, agreement
from pipeline.dedup.verify import Edge, ExactJaccard, edge

BucketMember = tuple  # (doc id, signature bytes)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One 8-byte key per band (xxh3 of the band's slots, seeded with the band index); none for empty sets."""
    if signature[0] == EMPTY and np.all(signature == EMPTY):
        return []
    return [
        xxhash.xxh3_64_digest(signature[band * rows : (band + 1) * rows].tobytes(), seed=band)
        for band in range(bands)
    ]


def star_edges(ids: Iterable[str]) -> Iterator[Edge]:
    """Every id linked to the smallest one (two passes, nothing materialised): exact-duplicate groups."""
    centre = min(ids)
    yield from (edge(centre, other) for other in ids if other != centre)


class VerifyBucket(beam.DoFn):
    """Compare the members of one LSH bucket and emit the pairs whose signatures agree on >= min_agreement slots.

    Buckets of at most ``max_bucket_size`` members are compared pairwise. A larger bucket (boilerplate, a
    hot key) is compared as a star: every member against the bucket's anchor, its smallest id, only — linear
    work instead of quadratic, the same result in every input order, and counted in ``oversized_buckets``.
    """

    def __init__(self, min_agreement: float, max_bucket_size: int) -> None:
        self.min_agreement = min_agreement
        self.max_bucket_size = max_bucket_size
        self.oversized = Metrics.counter(NAMESPACE, "oversized_buckets")
        self.candidates = Metrics.counter(NAMESPACE, "candidate_pairs")

    def process(self, bucket: tuple[bytes, Iterable[BucketMember]]) -> Iterator[Edge]:
        _, members = bucket
        size, anchor = 0, None
        for member in members:
            size += 1
            if anchor is None or member[0] < anchor[0]:
                anchor = member
        if size < 2:
            return
        if size <= self.max_bucket_size:
            pairs = combinations(sorted(members), 2)
        else:
            self.oversized.inc()
            pairs = ((anchor, member) for member in members if member[0] != anchor[0])
        yield from self._verified(pairs)

    def _verified(self, pairs: Iterable[tuple[BucketMember, BucketMember]]) -> Iterator[Edge]:
        compared = 0
        for (left_id, left_sig), (right_id, right_sig) in pairs:
            compared += 1
            left = np.frombuffer(left_sig, dtype=np.uint32)
            right = np.frombuffer(right_sig, dtype=np.uint32)
            if left_id != right_id and agreement(left, right) >= self.min_agreement:
                yield edge(left_id, right_id)
        self.candidates.inc(compared)


_VERIFIED_PAIRS = Metrics.counter(NAMESPACE, "verified_pairs")


def _band_entries(member: BucketMember, bands: int, rows: int) -> Iterator[tuple[bytes, BucketMember]]:
    for key in band_keys(np.frombuffer(member[1], dtype=np.uint32), bands, rows):
        yield key, member


def _count_pair(pair: Edge) -> Edge:
    _VERIFIED_PAIRS.inc()
    return pair


class NearDuplicateEdges(beam.PTransform):
    """``(id, signature bytes)`` → the unique verified pairs ``(smaller id, larger id)``.

    With ``shingle_sets`` (``(id, set bytes)``, see :mod:`pipeline.dedup.verify`) the bucket pairs that pass
    ``config.min_agreement()`` are kept by their exact shingle-set Jaccard; without, by signature agreement.
    """

    def __init__(self, config: DedupConfig, shingle_sets: beam.PCollection | None = None) -> None:
        super().__init__()
        self.config = config
        self.shingle_sets = shingle_sets

    def expand(self, members: beam.PCollection) -> beam.PCollection:
        config = self.config
        pairs = (
            members
            | "BandKeys" >> beam.FlatMap(_band_entries, config.bands, config.rows)
            | "Buckets" >> beam.GroupByKey()
            | "Candidates" >> beam.ParDo(VerifyBucket(config.min_agreement(), config.max_bucket_size))
            | "UniquePairs" >> beam.Distinct()
        )
        if self.shingle_sets is not None:
            pairs = pairs | "ExactJaccard" >> ExactJaccard(self.shingle_sets, config.threshold)
        return pairs | "CountPairs" >> beam.Map(_count_pair)
