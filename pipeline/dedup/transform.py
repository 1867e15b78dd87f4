"""``Deduplicate``: exact and MinHash near-duplicate removal as one composite Beam transform.

Documents → sketches (exact key, MinHash signature, shingle set) → exact groups (packed by partition:
:mod:`pipeline.dedup.exact`; star edges, and one representative each goes on to LSH) → LSH buckets (verified pairs) → connected components → per-cluster summary (combiner) →
every document gets its cluster columns; keepers and singletons go on, the others become rejects.

:class:`SketchDocuments` is the only step that reads the text. The graph runs it right after the per-record stages,
so the documents can travel on without their text (late materialisation, :mod:`pipeline.stored`) and
``Deduplicate`` takes its sketches; given documents alone, ``Deduplicate`` sketches them itself.
"""
from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from provmix.pipeline.counters import StageCounter
from provmix.pipeline.dedup.components import ConnectedComponents
from provmix.pipeline.dedup.config import NAMESPACE, VERIFY_EXACT, DedupConfig
from provmix.pipeline.dedup.exact import ExactChunk, ExactEntries, exact_groups
from provmix.pipeline.dedup.keeper import Cluster, Member, SummariseCluster
from provmix.pipeline.dedup.lsh import NearDuplicateEdges, star_edges
from provmix.pipeline.dedup.minhash import Permutations
from provmix.pipeline.dedup.sketch import sketch_texts
from provmix.pipeline.dedup.text import dedup_text, exact_key
from provmix.pipeline.dedup.verify import shingle_set
from provmix.pipeline.packing import pack, unpack
from provmix.pipeline.step import StageResult
from provmix.pipeline.stored import without_text
from provmix.schemas.documents import (
    CLUSTER_ID,
    CLUSTER_SIZE,
    EVIDENCE,
    EXACT_KEY,
    FIRST_SEEN,
    ID,
    KEEPER_ID,
    LANG,
    NAME,
    SOURCE_FILE,
    SOURCE_OFFSET,
    STORED_IN,
    STORED_ROW,
    TEXT,
    URL,
    VALUE,
    WEIGHT,
)
from provmix.schemas.rejects import EXACT_DUPLICATE, NEAR_DUPLICATE, make_reject

STAGE = "dedup"
LABEL_MIX_EVIDENCE = "dedup_cluster_labels"
_REPRESENTATIVES = "representatives"
# CoGroupByKey tags: under 10 characters each, so Beam passes them as data instead of adding a RestoreTags step
_MEMBER, _ROOT, _CLUSTER, _DOC, _ASSIGNMENT = "member", "root", "cluster", "doc", "assigned"


class Sketch(beam.DoFn):
    """A batch of documents → each document with its :data:`EXACT_KEY` (main output; without its text with
    ``drop_text``), the batch's ``(exact keys, ids, signatures)`` on ``signatures`` and, with ``shingle_sets``
    (default: when pairs are verified exactly), ``(id, shingle set)`` on ``shingle_sets``."""

    SIGNATURES = "signatures"
    SHINGLE_SETS = "shingle_sets"

    def __init__(self, config: DedupConfig, shingle_sets: bool | None = None, drop_text: bool = False) -> None:
        self.config = config
        self.shingle_sets = config.verify == VERIFY_EXACT if shingle_sets is None else shingle_sets
        self.drop_text = drop_text

    def setup(self) -> None:
        self.permutations = Permutations.create(self.config.num_perm, self.config.seed)

    def process(self, docs: Sequence[dict]) -> Iterator:
        normalised = [dedup_text(doc.get(TEXT) or "") for doc in docs]
        shingles, sketches = sketch_texts(normalised, [doc.get(LANG) for doc in docs], self.config, self.permutations)
        keys = [exact_key(text) for text in normalised]
        yield pvalue.TaggedOutput(self.SIGNATURES, (keys, [doc[ID] for doc in docs], sketches))
        for doc, key, values in zip(docs, keys, shingles):
            if self.shingle_sets:
                yield pvalue.TaggedOutput(self.SHINGLE_SETS, (doc[ID], shingle_set(values)))
            yield {**(without_text(doc) if self.drop_text else doc), EXACT_KEY: key}


class Sketches(NamedTuple):
    """What deduplication needs of the documents' texts."""

    documents: beam.PCollection  # the documents, each with its EXACT_KEY (and without its text when stored)
    signatures: beam.PCollection | None  # (exact keys, ids, signatures) per batch (exact.SignedBatch); None: dedup off
    shingle_sets: beam.PCollection | None  # (id, shingle set) when pairs are verified exactly, texts not stored
    stored: bool = False  # the texts are stored (STORED_IN): shingle sets are made for candidate pairs only


class SketchDocuments(beam.PTransform):
    """Documents (text included) → :class:`Sketches`; the documents pass unchanged when dedup is off. With
    ``stored`` (their texts are in the files :data:`STORED_IN` names) the documents go on without their text, and
    no shingle set is made here: dedup makes them later from the stored texts of candidate pairs."""

    def __init__(self, config: DedupConfig | None = None, stored: bool = False) -> None:
        super().__init__()
        self.config = config or DedupConfig()
        self.stored = stored

    def expand(self, docs: beam.PCollection) -> Sketches:
        if not self.config.enabled:
            return Sketches(docs | "WithoutText" >> beam.Map(without_text) if self.stored else docs, None, None,
                            self.stored)
        make_sets = self.config.verify == VERIFY_EXACT and not self.stored
        sketched = docs | "Batch" >> beam.BatchElements(max_batch_size=256) | "Sketch" >> beam.ParDo(
            Sketch(self.config, make_sets, drop_text=self.stored)
        ).with_outputs(Sketch.SIGNATURES, Sketch.SHINGLE_SETS, main="documents")
        shingle_sets = sketched[Sketch.SHINGLE_SETS] if make_sets else None
        return Sketches(sketched.documents, sketched[Sketch.SIGNATURES], shingle_sets, self.stored)


class ExactGroup(beam.DoFn):
    """A partition's exact-duplicate groups (``(partition, [chunks])``: :class:`ExactEntries`, grouped) → star
    edges around each group's smallest id, which alone goes on to LSH."""

    def process(self, partition: tuple[int, Iterable[ExactChunk]]) -> Iterator:
        for members in exact_groups(partition[1]):
            representative = min(members)
            yield from star_edges([doc_id for doc_id, _ in members])
            yield pvalue.TaggedOutput(_REPRESENTATIVES, representative)


def _record_order(doc: dict) -> tuple:
    return (doc[EXACT_KEY], *(str(doc.get(column) or "") for column in (URL, SOURCE_FILE, SOURCE_OFFSET)))


class Route(beam.DoFn):
    """A document (packed: :mod:`pipeline.packing`) and its cluster (none: a singleton) → the document with cluster
    columns, or a reject.

    Documents repeating an id (the same record read twice) keep one copy, the first by (exact key, URL, source
    file, offset); the others are exact duplicates of it.
    """

    def __init__(self) -> None:
        self.counters = {
            reason: StageCounter(NAMESPACE, f"{reason}s") for reason in (EXACT_DUPLICATE, NEAR_DUPLICATE)
        }
        self.kept = StageCounter(NAMESPACE, "kept")

    def process(self, joined: tuple[str, dict]) -> Iterator:
        doc_id, parts = joined
        assignments = list(parts[_ASSIGNMENT])
        for copy, doc in enumerate(sorted(map(unpack, parts[_DOC]), key=_record_order)):
            if assignments:
                root, cluster, member = assignments[0]
            else:
                root, cluster, member = doc_id, Cluster.singleton(Member.of(doc, doc[EXACT_KEY])), None
            out = {column: value for column, value in doc.items() if column != EXACT_KEY}  # its last reader
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
            yield root, Member(*member)


def _assign(joined: tuple[str, dict]) -> Iterator[tuple[str, tuple]]:
    root, parts = joined
    (cluster,) = parts[_CLUSTER]
    for member in parts[_MEMBER]:
        yield member.id, (root, cluster, member)


def _locator(doc: dict) -> tuple[str, tuple[str, int, str | None]]:
    return doc[ID], (doc[STORED_IN], doc[STORED_ROW], doc.get(LANG))


def _member(doc: dict) -> tuple[str, tuple]:
    """``(id, its Member's fields)``: every document crosses ``JoinRoots``, and a NamedTuple would be encoded with
    its pickled class each time (twice in the FnApiRunner, whose flatten re-encodes it)."""
    return doc[ID], tuple(Member.of(doc, doc[EXACT_KEY]))


class Deduplicate(beam.PTransform):
    """Exact + near-duplicate removal with the provenance-aware keeper policy; returns a :class:`StageResult`.

    ``sketches`` come from :class:`SketchDocuments` on these documents (earlier in the graph, while they still had
    their text); without them the documents are sketched here.
    """

    def __init__(self, config: DedupConfig | None = None, sketches: Sketches | None = None) -> None:
        super().__init__()
        self.config = config or DedupConfig()
        self.sketches = sketches

    def expand(self, docs: beam.PCollection) -> StageResult:
        config = self.config
        if not config.enabled:
            return StageResult(docs, docs.pipeline | "NoRejects" >> beam.Create([]))
        sketches = self.sketches
        if sketches is None:
            sketches = docs | "SketchDocuments" >> SketchDocuments(config)
            docs = sketches.documents
        exact = (
            sketches.signatures
            | "ExactEntries" >> beam.ParDo(ExactEntries(config.partitions))
            | "ExactGroups" >> beam.GroupByKey()
            | "ExactEdges" >> beam.ParDo(ExactGroup()).with_outputs(_REPRESENTATIVES, main="edges")
        )
        locators = None
        if sketches.stored and config.verify == VERIFY_EXACT:
            locators = docs | "Locators" >> beam.Map(_locator)
        near_edges = (
            exact[_REPRESENTATIVES]
            | "NearDuplicates" >> NearDuplicateEdges(config, sketches.shingle_sets, locators)
        )
        roots = (
            (exact["edges"], near_edges)
            | "AllEdges" >> beam.Flatten()
            | "Components" >> ConnectedComponents(config.max_rounds, config.partitions)
        )
        members = (
            {_MEMBER: docs | "Members" >> beam.Map(_member), _ROOT: roots}
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
            {_DOC: docs | "KeyById" >> beam.Map(lambda doc: (doc[ID], pack(doc))), _ASSIGNMENT: assignments}
            | "JoinDocs" >> beam.CoGroupByKey()
            | "Route" >> beam.ParDo(Route()).with_outputs(STAGE, main="kept")
        )
        return StageResult(routed["kept"], routed[STAGE])
