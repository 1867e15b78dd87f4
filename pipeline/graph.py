"""The provmix Beam graph: one composite transform per stage, every rejects output collected.

``inputs ─► Read ─► Extract ─► IdentifyLanguage ─► Detect ─► SketchTexts ─► UrlLanguageSiblings
─► Label (provisional) ─► Deduplicate ─► Label ─► documents/
─► HumanFloor (per mix) ─► Write (mix/, rejected/, labels/) + tallies and floor reports``

``provmix mix`` (:mod:`provmix.pipeline.remix`) reruns only :func:`build_mixes` on a finished run's ``documents/``.

The provisional label pass lets the dedup keeper prefer human documents; the final pass sees the cluster's
``first_seen``. Scoring stages never drop; Deduplicate and HumanFloor drop, with reasons. SketchTexts is the last
stage that reads the text: with a work directory the text then stays in the checkpoints and the writers read it
back (:mod:`provmix.pipeline.stored`).
"""
from __future__ import annotations

from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa

from provmix.pipeline.checkpoint import CheckpointedScan
from provmix.pipeline.dedup import Deduplicate
from provmix.pipeline.dedup.transform import SketchDocuments
from provmix.pipeline.detect import DetectConfig, shared_detectors
from provmix.pipeline.floor import HumanFloor
from provmix.pipeline.label import PROVISIONAL_LABEL, Label, UrlLanguageSiblings
from provmix.pipeline.manifest import Tally
from provmix.pipeline.options import RunConfig
from provmix.pipeline.read import ReadInputs
from provmix.pipeline.stages import PER_RECORD, STAGES as DECLARED, check_columns, stage_names
from provmix.pipeline.write import WriteConfig, WriteJsonList, WriteParquetShards, write_json
from provmix.schemas.documents import DOCUMENT_SCHEMA, LABELS_SCHEMA, MIX, MIX_SCHEMA
from provmix.schemas.rejects import REJECT_SCHEMA

STAGES = stage_names()
_TITLES = {"extract": "Extract", "language": "IdentifyLanguage", "detect": "Detect"}  # Beam labels, kept stable


@dataclass(frozen=True)
class Layout:
    """Where one run writes, under a staging directory that the runner commits when the run succeeded."""

    root: str

    def path(self, *parts: str) -> str:
        from apache_beam.io.filesystems import FileSystems

        return FileSystems.join(self.root, *parts)

    @property
    def run(self) -> str:
        """What the launch knew (config, models, versions, start time), for ``provmix finalize``."""
        return self.path("_run.json")

    @property
    def tally(self) -> str:
        return self.path("_tally.json")

    @property
    def inputs(self) -> str:
        return self.path("_inputs.json")

    @property
    def written(self) -> str:
        return self.path("_written.json")

    @property
    def floor(self) -> str:
        return self.path("_floor.json")

    @property
    def models(self) -> str:
        """The configured detectors as a worker loaded them (the launcher only checks their specs)."""
        return self.path("_models.json")


SCRATCH = "_scratch"  # the writers' spill files while the shards are written


@dataclass(frozen=True)
class Writers:
    """The Parquet writers of one run: a table under ``layout`` from its path parts, spilling under ``_scratch``."""

    layout: Layout
    config: WriteConfig
    stored: bool = False  # the documents travel without their text, which is read back from their stored files

    def __call__(self, schema: pa.Schema, *parts: str) -> WriteParquetShards:
        return WriteParquetShards(self.layout.path(*parts), schema, self.config, self.layout.path(SCRATCH, *parts),
                                  self.stored)


def scan(p: beam.Pipeline, config: RunConfig, sources: dict[str, list[str]], work: str | None,
         version: str) -> tuple[beam.PCollection, list[beam.PCollection], beam.PCollection]:
    """The per-record stages (read, extract, language, detect) → (documents, rejects, per-file accounting).

    With a ``work`` directory each input file is scanned whole into a checkpoint (``pipeline.checkpoint``), so a
    rerun after a kill redoes only the unfinished files; without one the stages stream record by record.
    """
    sources = {source: patterns for source, patterns in sources.items() if patterns}
    if work:
        scans = [p | f"Scan[{source}]" >> CheckpointedScan(patterns, config, source, work, version)
                 for source, patterns in sources.items()]
        documents = [s.documents for s in scans] | "AllDocuments" >> beam.Flatten()
        inputs = [s.inputs for s in scans] | "AllInputs" >> beam.Flatten()
        return documents, [s.rejects for s in scans], inputs
    reads = [p | f"Read[{source}]" >> ReadInputs(patterns, config.read, source)
             for source, patterns in sources.items()]
    records = [r.records for r in reads] | "AllRecords" >> beam.Flatten()
    inputs = [r.inputs for r in reads] | "AllInputs" >> beam.Flatten()
    documents, rejects = records, [r.failures for r in reads]
    for stage in PER_RECORD:
        result = documents | _TITLES[stage.name] >> stage.transform(config)
        documents = result.documents
        rejects.append(result.rejects)
    return documents, rejects, inputs


DOCUMENTS_DIR = "documents"  # every labelled document (text included) as the floor saw it: what remix reads


def build(p: beam.Pipeline, config: RunConfig, sources: dict[str, list[str]], layout: Layout,
          work: str | None = None, version: str = "", input_bytes: int = 0) -> list[str]:
    """Add the whole run to ``p``; ``sources`` maps a document source (crawl, reference…) to its patterns, whose
    files hold ``input_bytes`` (they set the shard count, :meth:`WriteConfig.for_input`).

    Returns the names of the mixes written, primary first.
    """
    check_columns(DECLARED)
    documents, rejects, inputs = scan(p, config, sources, work, version)
    sketches = documents | "SketchTexts" >> SketchDocuments(config.dedup, stored=bool(work))
    # with a work directory the text stays in the checkpoints; the writers read it back (late materialisation)
    documents = sketches.documents | "UrlLanguageSiblings" >> UrlLanguageSiblings()
    provisional = documents | "ProvisionalLabel" >> Label(config.label, namespace=PROVISIONAL_LABEL)
    deduplicated = provisional.documents | "Deduplicate" >> Deduplicate(config.dedup, sketches)
    labelled = deduplicated.documents | "Label" >> Label(config.label, after_dedup=True)
    rejects += [provisional.rejects, deduplicated.rejects, labelled.rejects]
    writers = Writers(layout, config.write.for_input(input_bytes), stored=bool(work))
    written = (labelled.documents | "WriteDocuments" >> writers(DOCUMENT_SCHEMA, DOCUMENTS_DIR)
               | "TagDocuments" >> beam.Map(lambda pr: [DOCUMENTS_DIR, *pr]))
    inputs | "WriteInputs" >> WriteJsonList(layout.inputs)
    models = p | "Models" >> beam.Create([layout.models], reshuffle=False)
    models | "WriteModels" >> beam.Map(_write_models, config.detect)
    return build_mixes(labelled.documents, rejects, config, writers, [written])


def _write_models(path: str, detect: DetectConfig) -> None:
    write_json(path, shared_detectors(detect).models())


def build_mixes(labelled: beam.PCollection, rejects: list[beam.PCollection], config: RunConfig, writers: Writers,
                written: list[beam.PCollection]) -> list[str]:
    """The floor of every mix on labelled documents, and every output after it (mix/, rejected/, labels/,
    tallies, floor reports); ``rejects`` and ``written`` hold what earlier stages rejected and wrote."""
    layout = writers.layout
    floor = labelled | "HumanFloor" >> HumanFloor(config.mixes)
    mixes = floor.mixes
    mix_names = [mix.name for mix in config.mixes]
    all_rejects = [*rejects, floor.rejects] | "AllRejects" >> beam.Flatten()
    written = written + [
        mixes[name]
        | f"Name[{name}]" >> beam.Map(lambda doc, n=name: {**doc, MIX: n})
        | f"WriteMix[{name}]" >> writers(MIX_SCHEMA, "mix", name)  # mix/<name>/ however many mixes there are
        | f"Tag[{name}]" >> beam.Map(lambda pr, n=name: [f"mix:{n}", *pr])
        for name in mix_names
    ]
    written.append(all_rejects | "WriteRejected" >> writers(REJECT_SCHEMA, "rejected") | "TagRejected" >> beam.Map(
        lambda pr: ["rejected", *pr]))
    if config.write.labels:
        written.append(labelled | "WriteLabels" >> writers(LABELS_SCHEMA, "labels") | "TagLabels" >> beam.Map(
            lambda pr: ["labels", *pr]))
    written | "AllWritten" >> beam.Flatten() | "WriteWritten" >> WriteJsonList(layout.written)
    (mixes, all_rejects) | "Tally" >> Tally(layout.tally)
    floor.reports | "WriteFloor" >> WriteJsonList(layout.floor)
    return mix_names
