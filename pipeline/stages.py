"""The stage list, as data: what each stage is called, which config section it reads, which columns it reads and
writes, and whether it is a pure function of one record.

The per-record prefix (:data:`PER_RECORD`) is run by both paths of the graph from this one list: streamed record
by record (:func:`pipeline.graph.scan`) or a whole input file at a time inside the checkpointed scan
(:class:`pipeline.checkpoint.ScanFile`). :func:`check_columns` proves at graph-build time that every column a stage
reads was written by a stage before it. Adding a per-record stage is one entry here and one module.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from provmix.schemas import documents as d

if TYPE_CHECKING:
    import apache_beam as beam

    from provmix.pipeline.options import RunConfig
    from provmix.pipeline.step import Step

_DATES = (d.CRAWL_DATE, d.HTTP_DATE, d.LAST_MODIFIED)


@dataclass(frozen=True)
class Stage:
    """One stage of the graph. Per-record stages also say how to build their composite transform and their step."""

    name: str  # metrics namespace, reject ``stage``, manifest ``stages_run`` entry
    section: str | None  # the RunConfig section it is configured by
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    transform: Callable[["RunConfig"], "beam.PTransform"] | None = None  # per-record stages only
    step: Callable[["RunConfig"], "Step"] | None = None  # the per-record body of ``transform``
    batch_size: Callable[["RunConfig"], int] | None = None  # None: the step takes one record at a time

    @property
    def per_record(self) -> bool:
        return self.step is not None


def _built(module: str, name: str, section: str) -> Callable[["RunConfig"], object]:
    """A factory of ``provmix.pipeline.<module>.<name>(config.<section>)``, imported when first called (the stage
    list is read by the graph, the checkpoint and the CLI; only a worker that runs a stage imports it)."""

    def build(config: "RunConfig") -> object:
        return getattr(importlib.import_module(f"provmix.pipeline.{module}"), name)(getattr(config, section))

    return build


READ = Stage("read", "read", reads=(), writes=(
    d.ID, d.URL, d.SOURCE_FILE, d.SOURCE_OFFSET, d.RECORD_ID, *_DATES, d.CONTENT_TYPE, d.CHARSET, d.CRAWL_ID,
    d.SOURCE, d.DOMAIN, *d.TRANSIENT_COLUMNS))
PER_RECORD: tuple[Stage, ...] = (
    Stage("extract", "extract", reads=(*d.TRANSIENT_COLUMNS, d.CONTENT_TYPE, d.CHARSET, d.URL, d.DOMAIN),
          writes=(d.TEXT, d.N_TOKENS, d.DOMAIN, d.CHARSET, d.HTML_SIGNALS),
          transform=_built("extract", "Extract", "extract"), step=_built("extract", "ExtractStep", "extract")),
    Stage("language", "language", reads=(d.TEXT,), writes=(d.LANG, d.LANG_SCORE),
          transform=_built("language", "IdentifyLanguage", "language"),
          step=_built("language", "IdentifyLanguageStep", "language"), batch_size=lambda config: 256),
    Stage("detect", "detect", reads=(d.TEXT, d.LANG), writes=(d.DETECTOR_SCORES,),
          transform=_built("detect", "Detect", "detect"), step=_built("detect", "DetectStep", "detect"),
          batch_size=lambda config: config.detect.batch_size),
)
GLOBAL: tuple[Stage, ...] = (
    Stage("url_language_siblings", None, reads=(d.URL, d.LANG), writes=(d.EVIDENCE,)),
    Stage("label", "label", reads=(d.SOURCE, d.DETECTOR_SCORES, d.EVIDENCE, d.HTML_SIGNALS, d.LANG, *_DATES),
          writes=(d.LABEL, d.LABEL_CONFIDENCE, d.EVIDENCE, d.P_AI, d.P_MT, d.P_HUMAN)),
    Stage("dedup", "dedup", reads=(d.ID, d.TEXT, d.URL, d.LABEL, d.CRAWL_DATE),
          writes=(d.CLUSTER_ID, d.CLUSTER_SIZE, d.KEEPER_ID, d.FIRST_SEEN)),
    Stage("label", "label", reads=(d.FIRST_SEEN, d.CLUSTER_SIZE),
          writes=(d.LABEL, d.LABEL_CONFIDENCE, d.EVIDENCE, d.P_AI, d.P_MT, d.P_HUMAN)),
    Stage("human_floor", "mixes", reads=(d.LABEL, d.P_HUMAN, d.N_TOKENS, d.LANG, d.SOURCE, d.DOMAIN, d.FIRST_SEEN,
                                         d.CRAWL_DATE), writes=()),
    Stage("write", "write", reads=(d.ID,), writes=()),
)
STAGES: tuple[Stage, ...] = (READ, *PER_RECORD, *GLOBAL)


class StageListError(ValueError):
    """The declared stage list is inconsistent (a programming error, caught when the graph is built)."""


def check_columns(stages: Sequence[Stage]) -> None:
    """Every column a stage reads must be written by an earlier stage."""
    written: set[str] = set()
    for stage in stages:
        missing = sorted(set(stage.reads) - written)
        if missing:
            raise StageListError(f"stage {stage.name!r} reads {', '.join(missing)} before any stage writes it")
        written.update(stage.writes)


def stage_names(stages: Sequence[Stage] = STAGES) -> tuple[str, ...]:
    """Stage names in order, each once."""
    return tuple(dict.fromkeys(stage.name for stage in stages))
