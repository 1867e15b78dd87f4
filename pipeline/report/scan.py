"""One streaming pass over a run's Parquet outputs, reading only the columns the report plots.

Files are read a record batch at a time, so memory stays bounded by the batch size and the number of
distinct languages, labels and cluster sizes, never by the number of documents.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import CompressionTypes, FileSystems

from provmix.schemas import documents as d

BATCH_ROWS = 65_536
SCORE_COLUMNS = (d.P_AI, d.P_MT)
SCORE_BINS = np.linspace(0.0, 1.0, 21)


def part_files(folder: str) -> list[str]:
    """The ``part-*.parquet`` files directly under ``folder`` (none when it does not exist)."""
    pattern = FileSystems.join(folder, "part-*.parquet")
    matches = FileSystems.match([pattern])[0].metadata_list
    return sorted(m.path for m in matches)


def iter_batches(paths: Sequence[str], columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """Record batches of ``columns`` from every file; a column a file lacks comes back as nulls."""
    for path in paths:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as source:
            parquet = pq.ParquetFile(source)
            present = [c for c in columns if c in parquet.schema_arrow.names]
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=present):
                arrays = [batch.column(c) if c in present else pa.nulls(batch.num_rows) for c in columns]
                yield pa.RecordBatch.from_arrays(arrays, names=list(columns))


@dataclass
class MixTally:
    """Documents and tokens of one mix per (language, label)."""

    cells: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, batch: pa.RecordBatch) -> None:
        table = pa.Table.from_batches([batch]).select([d.LANG, d.LABEL, d.N_TOKENS])
        table = table.set_column(0, d.LANG, pc.fill_null(table[d.LANG].cast(pa.string()), d.UNKNOWN))
        table = table.set_column(1, d.LABEL, pc.fill_null(table[d.LABEL].cast(pa.string()), d.UNKNOWN))
        grouped = table.group_by([d.LANG, d.LABEL]).aggregate([([], "count_all"), (d.N_TOKENS, "sum")])
        for row in grouped.to_pylist():
            cell = self.cells[(row[d.LANG], row[d.LABEL])]
            cell[0] += row["count_all"]
            cell[1] += row[f"{d.N_TOKENS}_sum"] or 0

    def by_language(self) -> dict[str, tuple[int, int]]:
        """(documents, tokens) per language."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (lang, _), (docs, tokens) in self.cells.items():
            out[lang][0] += docs
            out[lang][1] += tokens
        return {lang: (docs, tokens) for lang, (docs, tokens) in out.items()}

    def human_share(self) -> tuple[float | None, float | None]:
        """Share of human documents and of human tokens in the mix."""
        docs = tokens = human_docs = human_tokens = 0
        for (_, label), (n, t) in self.cells.items():
            docs, tokens = docs + n, tokens + t
            if label == d.HUMAN:
                human_docs, human_tokens = human_docs + n, human_tokens + t
        return (human_docs / docs if docs else None, human_tokens / tokens if tokens else None)


@dataclass
class ScoreHistograms:
    """Counts of each detector score in :data:`SCORE_BINS`, per label; null scores are counted apart."""

    counts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    missing: Counter = field(default_factory=Counter)  # (label, score column) → documents without that score

    def add(self, batch: pa.RecordBatch) -> None:
        labels = pc.fill_null(batch.column(d.LABEL).cast(pa.string()), d.UNKNOWN)
        for label in pc.unique(labels).to_pylist():
            mask = pc.equal(labels, label)
            for column in SCORE_COLUMNS:
                scores = pc.filter(batch.column(column).cast(pa.float64()), mask)
                values = pc.drop_null(scores).to_numpy(zero_copy_only=False)
                self.missing[(label, column)] += len(scores) - len(values)
                per_label = self.counts.setdefault(label, {c: np.zeros(len(SCORE_BINS) - 1, int)
                                                           for c in SCORE_COLUMNS})
                per_label[column] += np.histogram(np.clip(values, 0.0, 1.0), bins=SCORE_BINS)[0]


@dataclass
class ClusterSizes:
    """Duplicate clusters per size, counted at their keeper (``id == keeper_id``): once each, in constant memory.

    This holds whether a folder carries every member of a cluster or only its keeper.
    """

    counts: Counter = field(default_factory=Counter)

    def add(self, batch: pa.RecordBatch) -> None:
        is_keeper = pc.equal(batch.column(d.ID).cast(pa.string()), batch.column(d.KEEPER_ID).cast(pa.string()))
        sizes = pc.filter(batch.column(d.CLUSTER_SIZE).cast(pa.int64()), pc.fill_null(is_keeper, False))
        for row in pc.value_counts(pc.drop_null(sizes)).to_pylist():
            self.counts[row["values"]] += row["counts"]

    def clusters_by_size(self) -> dict[int, int]:
        return dict(sorted(self.counts.items()))

    def binned(self) -> list[tuple[str, int, int]]:
        """(size range, clusters, documents) over power-of-two size bins: 1, 2, 3–4, 5–8, …"""
        bins: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for size, clusters in self.counts.items():
            upper = 1 << max(size - 1, 0).bit_length()  # the smallest power of two >= size
            bins[upper][0] += clusters
            bins[upper][1] += clusters * size
        return [(str(upper) if upper <= 2 else f"{upper // 2 + 1}–{upper}", n, docs)
                for upper, (n, docs) in sorted(bins.items())]


@dataclass
class RunScan:
    """Everything the report reads from the Parquet outputs."""

    mixes: dict[str, MixTally]
    scores: ScoreHistograms
    clusters: ClusterSizes
    scores_source: str  # the folder (relative to the run) the scores and clusters were read from


def mix_folder(name: str) -> tuple[str, ...]:
    """Path parts of a mix: always mix/<name>/ (pipeline.graph.Layout)."""
    return ("mix", name)


def scan_run(run_dir: str, mix_names: Sequence[str]) -> RunScan:
    """Tally every mix; histogram scores and cluster sizes over labels/ (every document), else the primary mix."""
    mixes = {}
    for name in mix_names:
        tally = MixTally()
        files = part_files(FileSystems.join(run_dir, *mix_folder(name)))
        for batch in iter_batches(files, [d.LANG, d.LABEL, d.N_TOKENS]):
            tally.add(batch)
        mixes[name] = tally
    labelled: tuple[str, ...] = ("labels",)
    files = part_files(FileSystems.join(run_dir, *labelled))
    if not files and mix_names:
        labelled = mix_folder(mix_names[0])
        files = part_files(FileSystems.join(run_dir, *labelled))
    scores, clusters = ScoreHistograms(), ClusterSizes()
    for batch in iter_batches(files, [d.ID, d.LABEL, *SCORE_COLUMNS, d.KEEPER_ID, d.CLUSTER_SIZE]):
        scores.add(batch)
        clusters.add(batch)
    return RunScan(mixes, scores, clusters, "/".join(labelled) + "/")
