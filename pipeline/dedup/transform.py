"""``Deduplicate``: exact and MinHash near-duplicate removal as one composite Beam transform.

Documents → sketches (exact key, MinHash signature, keeper facts) → exact groups (star edges; one representative
each goes on to LSH) → LSH buckets (verified pairs) → connected components → per-cluster summary (combiner) →
every document gets its cluster columns; keepers and singletons go on, the others become rejects.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from provmix.pipeline.counters import StageCounter
from provmix.pipeline.dedup.components import ConnectedComponents
from provmix.pipeline.dedup.config import NAMESPACE, VERIFY_EXACT, DedupConfig
from provmix.pipeline.dedup.keeper import Cluster, Member, SummariseCluster
from provmix.pipeline.dedup.lsh import NearDuplicateEdges, star_edges
from provmix.pipeline.dedup.minhash import Permutations
from provmix.pipeline.dedup.sketch import sketch_texts
from provmix.pipeline.dedup.text import dedup_text, exact_key
from provmix.pipeline.dedup.verify import shingle_set
from provmix.pipeline.step import StageResult
from provmix.schemas.documents import (
    CLUSTER_ID,
    CLUSTER_SIZE,
    EVIDENCE,
    FIRST_SEEN,
    ID,
    KEEPER_ID,
    LANG,
    NAME,
    SOURCE_FILE,
    SOURCE_OFFSET,
    TEXT,
    URL,
    VALUE,
    WEIGHT,
)
from provmix.schemas.rejects import EXACT_DUPLICATE, NEAR_DUPLICATE, make_reject

STAGE = "dedup"
LABEL_MIX_EVIDENCE = "dedup_cluster_labels"
_REPRESENTATIVES = "representatives"
_MEMBER, _ROOT, _CLUSTER, _DOC, _ASSIGNMENT = "member", "root", "cluster", "doc", "assignment"


class Sketch(beam.DoFn):
    """A batch of documents → per document ``(exact key, (id, signature bytes))`` on the main output,
    ``(id, Member)`` on ``members`` and, when pairs are verified exactly, ``(id, shingle set)`` on ``shingle_sets``."""

    MEMBERS = "members"
    SHINGLE_SETS = "shingle_sets"

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def setup(self) -> None:
        self.permutations = Permutations.create(self.config.num_perm, self.config.seed)

    def process(self, docs: Sequence[dict]) -> Iterator:
        normalised = [dedup_text(doc.get(TEXT) or "") for doc in docs]
        shingles, sketches = sketch_texts(normalised, [doc.get(LANG) for doc in docs], self.config, self.permutations)
        for doc, text, values, sketch in zip(docs, normalised, shingles, sketches):
            key = exact_key(text)
            yield key, (doc[ID], sketch.tobytes())
            if self.config.verify == VERIFY_EXACT:
                yield pvalue.TaggedOutput(self.SHINGLE_SETS, (doc[ID], shingle_set(values)))
            yield pvalue.TaggedOutput(self.MEMBERS, (doc[ID], Member.of(doc, key)))


class ExactGroup(beam.DoFn):
    """One exact-duplicate group → star edges around its smallest id, which alone goes on to LSH."""

    def process(self, group: tuple[bytes, Iterable[tuple[str, bytes]]]) -> Iterator:
        _, members = group
        representative = min(members)
        yield from star_edges([doc_id for doc_id, _ in members])
        yield pvalue.TaggedOutput(_REPRESENTATIVES, representative)


def _record_order(doc: dict) -> tuple:
    return tuple(str(doc.get(column) or "") for column in (TEXT, URL, SOURCE_FILE, SOURCE_OFFSET))


class Route(beam.DoFn):
    """A document and its cluster (none: a singleton) → the document with cluster columns, or a reject.

    Documents repeating an id (the same record read twice) keep one copy, the first in content order; the others
    are exact duplicates of it.
    """

    def __init__(self) -> None:
        self.counters = {
            reason: StageCounter(NAMESPACE, f"{reason}s") for reason in (EXACT_DUPLICATE, NEAR_DUPLICATE)
        }
        self.kept = StageCounter(NAMESPACE, "kept")

    def process(self, joined: tuple[str, dict]) -> Iterator:
        doc_id, parts = joined
        assignments = list(parts[_ASSIGNMENT])
        for copy, doc in enumerate(sorted(parts[_DOC], key=_record_order)):
            if assignments:
                root, cluster, member = assignments[0]
            else:
                root, cluster, member = doc_id, Cluster.singleton(Member.of(doc, exact_key=b"")), None
            out = dict(doc)
            out.update(
                {
                    CLUSTER_ID: root,
                    CLUSTER_SIZE: cluster.size,
                    KEEPER_ID: cluster.keeper.id,
                    FIRST_SEEN: cluster.first_seen,
                }
            )
            if cluster.size > 1:
                mix = {NAME: LABEL_MIX_EVIDENCE, VALUE: cluster.label_mix(), WEIGHT: 0.0}  # informational
                out[EVIDENCE] = list(doc.get(EVIDENCE) or []) + [mix]
            is_keeper_id = cluster.keeper.id == doc_id
            if is_keeper_id and copy == 0:
                self.kept.inc()
                yield out
                continue
            reason = EXACT_DUPLICATE if is_keeper_id or member.exact_key == cluster.keeper.exact_key else NEAR_DUPLICATE
            self.counters[reason].inc()
            detail = f"keeper {cluster.keeper.id}; cluster {root} of {cluster.size}"
            yield pvalue.TaggedOutput(STAGE, make_reject(out, stage=STAGE, reason=reason, detail=detail))


_CLUSTERS = Metrics.counter(NAMESPACE, "clusters")


def _count_cluster(element: tuple[str, Cluster]) -> tuple[str, Cluster]:
    _CLUSTERS.inc()
    return element


def _members_with_root(joined: tuple[str, dict]) -> Iterator[tuple[str, Member]]:
    _, parts = joined
    for root in parts[_ROOT]:
        for member in parts[_MEMBER]:
            yield root, member


def _assign(joined: tuple[str, dict]) -> Iterator[tuple[str, tuple]]:
    root, parts = joined
    (cluster,) = parts[_CLUSTER]
    for member in parts[_MEMBER]:
        yield member.id, (root, cluster, member)


class Deduplicate(beam.PTransform):
    """Exact + near-duplicate removal with the provenance-aware keeper policy; returns a :class:`StageResult`."""

    def __init__(self, config: DedupConfig | None = None) -> None:
        super().__init__()
        self.config = config or DedupConfig()

    def expand(self, docs: beam.PCollection) -> StageResult:
        config = self.config
        if not config.enabled:
            return StageResult(docs, docs.pipeline | "NoRejects" >> beam.Create([]))
        sketches = docs | "Batch" >> beam.BatchElements(max_batch_size=256) | "Sketch" >> beam.ParDo(
            Sketch(config)
        ).with_outputs(
            Sketch.MEMBERS, Sketch.SHINGLE_SETS, main="exact"
        )
        shingle_sets = sketches[Sketch.SHINGLE_SETS] if config.verify == VERIFY_EXACT else None
        exact = (
            sketches["exact"]
            | "ExactGroups" >> beam.GroupByKey()
            | "ExactEdges" >> beam.ParDo(ExactGroup()).with_outputs(_REPRESENTATIVES, main="edges")
        )
        near_edges = (
            exact[_REPRESENTATIVES]
            | "NearDuplicates" >> NearDuplicateEdges(config, shingle_sets)
        )
        roots = (
            (exact["edges"], near_edges)
            | "AllEdges" >> beam.Flatten()
            | "Components" >> ConnectedComponents(config.max_rounds, config.partitions)
        )
        members = (
            {_MEMBER: sketches[Sketch.MEMBERS], _ROOT: roots}
            | "JoinRoots" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(_members_with_root)
        )
        clusters = (
            members
            | "Summarise" >> beam.CombinePerKey(SummariseCluster())
            | "CountClusters" >> beam.Map(_count_cluster)
        )
        assignments = (
            {_MEMBER: members, _CLUSTER: clusters}
            | "JoinClusters" >> beam.CoGroupByKey()
            | "Assign" >> beam.FlatMap(_assign)
        )
        routed = (
            {_DOC: docs | "KeyById" >> beam.Map(lambda doc: (doc[ID], doc)), _ASSIGNMENT: assignments}
            | "JoinDocs" >> beam.CoGroupByKey()
            | "Route" >> beam.ParDo(Route()).with_outputs(STAGE, main="kept")
        )
        return StageResult(routed["kept"], routed[STAGE])

