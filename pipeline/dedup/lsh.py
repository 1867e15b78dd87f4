"""LSH banding and candidate verification: band keys → buckets → verified duplicate pairs (graph edges)."""
from __future__ import annotations

from itertools import combinations
from typing import Iterable, Iterator

import apache_beam as beam
import numpy as np
import xxhash
from apache_beam.metrics import Metrics

from provmix.pipeline.dedup.config import NAMESPACE, DedupConfig
from provmix.pipeline.dedup.grouping import CollectPartitions, PartitionedPairs
from provmix.pipeline.dedup.minhash import EMPTY
from provmix.pipeline.dedup.verify import (
    AgreementAtLeast,
    Edge,
    JaccardAtLeast,
    StoredShingleSets,
    VerifyPairs,
    edge,
)

SignedId = tuple  # (doc id, signature bytes)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One 8-byte key per band (xxh3 of the band's slots, seeded with the band index); none for empty sets."""
    if signature[0] == EMPTY and np.all(signature == EMPTY):
        return []
    return [
        xxhash.xxh3_64_digest(signature[band * rows : (band + 1) * rows].tobytes(), seed=band)
        for band in range(bands)
    ]


def star_edges(ids: Iterable[str]) -> Iterator[Edge]:
    """Every id linked to the smallest one (two passes, nothing materialised): exact-duplicate groups and
    oversized LSH buckets."""
    centre = min(ids)
    yield from (edge(centre, other) for other in ids if other != centre)


class BucketPairs(beam.DoFn):
    """A partition of LSH buckets (``(partition, {band key: [ids]})`` from :func:`CollectPartitions`) → the
    candidate pairs ``(smaller id, larger id)`` of each bucket (:meth:`pairs`).

    Buckets of at most ``max_bucket_size`` ids give every pair. A larger bucket (boilerplate, a hot key) gives
    a star: every id paired with the bucket's anchor, its smallest id, only — linear work instead of quadratic,
    the same result in every input order, and counted in ``oversized_buckets``. Only ids travel through the
    bucket shuffle; :class:`VerifyPairs` joins in what the check needs.
    """

    def __init__(self, max_bucket_size: int) -> None:
        self.max_bucket_size = max_bucket_size
        self.oversized = Metrics.counter(NAMESPACE, "oversized_buckets")
        self.candidates = Metrics.counter(NAMESPACE, "candidate_pairs")

    def process(self, partition: tuple[int, dict[bytes, list[str]]]) -> Iterator[Edge]:
        for ids in partition[1].values():
            yield from self.pairs(ids)

    def pairs(self, ids: list[str]) -> Iterator[Edge]:
        """The candidate pairs of one bucket."""
        if len(ids) < 2:
            return
        if len(ids) <= self.max_bucket_size:
            pairs = combinations(sorted(set(ids)), 2)  # sorted: each pair is already (smaller, larger)
        else:
            self.oversized.inc()
            pairs = star_edges(ids)
        count = 0
        for pair in pairs:
            count += 1
            yield pair
        self.candidates.inc(count)


_VERIFIED_PAIRS = Metrics.counter(NAMESPACE, "verified_pairs")


class BandEntries(PartitionedPairs):
    """A signed document → ``(band key, id)`` for each of its bands, grouped by partition."""

    def __init__(self, bands: int, rows: int, partitions: int) -> None:
        super().__init__(partitions)
        self.bands = bands
        self.rows = rows

    def pairs(self, member: SignedId) -> Iterator[tuple[bytes, str]]:
        doc_id, signature = member
        for key in band_keys(np.frombuffer(signature, dtype=np.uint32), self.bands, self.rows):
            yield key, doc_id


def _count_pair(pair: Edge) -> Edge:
    _VERIFIED_PAIRS.inc()
    return pair


class NearDuplicateEdges(beam.PTransform):
    """``(id, signature bytes)`` → the unique verified pairs ``(smaller id, larger id)``.

    Candidate pairs share an LSH bucket. With ``shingle_sets`` (``(id, set bytes)``, see
    :mod:`pipeline.dedup.verify`), or ``locators`` to make them from the stored texts of candidates, a candidate
    is kept by the exact Jaccard of the two sets; without, by the agreement of the two signatures. Either way
    ``config.threshold`` decides.
    """

    def __init__(self, config: DedupConfig, shingle_sets: beam.PCollection | None = None,
                 locators: beam.PCollection | None = None) -> None:
        super().__init__()
        self.config = config
        self.shingle_sets = shingle_sets
        self.locators = locators  # instead of shingle_sets: where each text is stored (StoredShingleSets)

    def expand(self, members: beam.PCollection) -> beam.PCollection:
        config = self.config
        candidates = (
            members
            | "BandKeys" >> beam.ParDo(BandEntries(config.bands, config.rows, config.partitions))
            | "Buckets" >> CollectPartitions()
            | "Candidates" >> beam.ParDo(BucketPairs(config.max_bucket_size))
            | "UniquePairs" >> beam.Distinct()
        )
        shingle_sets = self.shingle_sets
        if self.locators is not None:
            shingle_sets = candidates | "StoredShingleSets" >> StoredShingleSets(config, self.locators)
        if shingle_sets is not None:
            verified = candidates | "ExactJaccard" >> VerifyPairs(shingle_sets, JaccardAtLeast(config.threshold))
        else:
            verified = candidates | "SignatureAgreement" >> VerifyPairs(members, AgreementAtLeast(config.threshold))
        return verified | "CountPairs" >> beam.Map(_count_pair)
