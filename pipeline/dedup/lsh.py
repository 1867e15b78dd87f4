"""LSH banding and candidate verification: band keys → buckets → verified duplicate pairs (graph edges)."""
from __future__ import annotations

from itertools import combinations
from typing import Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from provmix.pipeline.dedup.bands import BandChunk, BandEntries, buckets
from provmix.pipeline.dedup.config import NAMESPACE, DedupConfig
from provmix.pipeline.dedup.verify import (
    AgreementAtLeast,
    Edge,
    JaccardAtLeast,
    StoredShingleSets,
    VerifyPairs,
    edge,
)


def star_edges(ids: Iterable[str]) -> Iterator[Edge]:
    """Every id linked to the smallest one (two passes, nothing materialised): exact-duplicate groups and
    oversized LSH buckets."""
    centre = min(ids)
    yield from (edge(centre, other) for other in ids if other != centre)


class BucketPairs(beam.DoFn):
    """A partition's band entries (``(partition, [chunks])``: :class:`~provmix.pipeline.dedup.bands.BandEntries`,
    grouped) → the candidate pairs ``(smaller id, larger id)`` of each of its buckets (:meth:`pairs`).

    Buckets of at most ``max_bucket_size`` ids give every pair. A larger bucket (boilerplate, a hot key) gives
    a star: every id paired with the bucket's anchor, its smallest id, only — linear work instead of quadratic,
    the same result in every input order, and counted in ``oversized_buckets``. Only ids travel through the
    bucket shuffle; :class:`VerifyPairs` joins in what the check needs.
    """

    def __init__(self, max_bucket_size: int) -> None:
        self.max_bucket_size = max_bucket_size
        self.oversized = Metrics.counter(NAMESPACE, "oversized_buckets")
        self.candidates = Metrics.counter(NAMESPACE, "candidate_pairs")

    def process(self, partition: tuple[int, Iterable[BandChunk]]) -> Iterator[Edge]:
        for ids in buckets(partition[1]):
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
            | "Buckets" >> beam.GroupByKey()
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
