"""Detect: every configured detector scores every document (scores only; the label stage decides).

Per-detector results land in ``detector_scores`` (null score = abstained; ``threshold`` and ``human_threshold``:
the detector's operating points for that document) and nowhere else: the label stage combines them into
``p_ai`` / ``p_mt`` (``label.combine``).

Both scans score with :func:`score_documents` on the process's :func:`shared_detectors`: the streamed graph through
Beam RunInference (:mod:`provmix.pipeline.inference`; Beam batches, shares the model and reports inference
metrics; a batch that fails there is scored again one document at a time, so only the document that broke it is
rejected), and the checkpointed scan, which scores a whole input file inside one DoFn, from :class:`DetectStep`.
RunInference is imported only by the streamed graph: Beam's inference module imports torch where it is installed
(213 MB and 1.8 s per process, measured), which the default, checkpointed run does not need.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Sequence

import apache_beam as beam

from provmix.detectors.base import Detector
from provmix.pipeline.step import BatchStep, StageResult, run_batch_step
from provmix.schemas import documents as d

STAGE = "detect"


@dataclass(frozen=True)
class DetectConfig:
    detectors: list = field(default_factory=lambda: ["ai-default", "mt-default"], metadata={
        "help": "registry specs of the detectors that score every document (each writes one detector_scores entry)"})
    options: dict = field(default_factory=dict, metadata={
        "help": "detector spec → keyword options for its factory (device, batch_size, …)"})
    batch_size: int = field(default=256, metadata={"help": "documents per scoring batch"})

    def __post_init__(self) -> None:
        if self.batch_size <= 0:
            raise ValueError("detect.batch_size must be positive")
        unknown = set(self.options) - set(self.detectors)
        if unknown:
            raise ValueError(f"detect.options names detectors that are not configured: {sorted(unknown)}")


def load_configured(config: DetectConfig) -> list[Detector]:
    from provmix.detectors.registry import load_detector

    return [load_detector(spec, **config.options.get(spec, {})) for spec in config.detectors]


def check_configured(config: DetectConfig) -> None:
    """Check every configured spec and its options without loading a model (what the launcher does)."""
    from provmix.detectors.registry import check_spec

    for spec in config.detectors:
        check_spec(spec, config.options.get(spec, {}))


class SharedDetectors:
    """The loaded detectors of one config, shared by every scoring DoFn of a worker process (its threads, both
    scan paths and the step that records them for the manifest), so a process holds one copy of each model.
    ``lock`` serialises their use (a Hugging Face fast tokenizer is not thread-safe, and one accelerator runs one
    batch at a time anyway)."""

    def __init__(self, detectors: list[Detector]) -> None:
        self.detectors = detectors
        self.lock = threading.Lock()

    def models(self) -> list[dict]:
        """What the manifest records of these detectors (the job's own account of what it loaded)."""
        return [detector.info.as_dict() for detector in self.detectors]


_CURRENT: dict[str, SharedDetectors] = {}  # at most one entry: the config this process scores with
_LOADING = threading.Lock()


def shared_detectors(config: DetectConfig) -> SharedDetectors:
    """This process's detectors for ``config``, loaded once (another config, or retrained model files, whose
    fingerprints are part of the key, replace them)."""
    from provmix.detectors.registry import spec_fingerprint

    key = json.dumps([config.detectors, config.options, [spec_fingerprint(spec) for spec in config.detectors]],
                     sort_keys=True, default=str)
    with _LOADING:
        if key not in _CURRENT:
            _CURRENT.clear()  # drop the old models before loading the new ones
            _CURRENT[key] = SharedDetectors(load_configured(config))
        return _CURRENT[key]


def score_documents(records: Sequence[dict], shared: SharedDetectors) -> list[dict]:
    """``records`` with one ``detector_scores`` entry per detector appended, in the configured order."""
    texts = [r[d.TEXT] for r in records]
    langs = [r[d.LANG] for r in records]
    results = []
    with shared.lock:
        for detector in shared.detectors:
            scores = detector.score(texts, langs)
            results.append((detector.info, scores.values(), *scores.thresholds(detector.info)))
    scored = []
    for i, record in enumerate(records):
        entries = list(record[d.DETECTOR_SCORES])
        for info, values, thresholds, human in results:
            entries.append({d.DETECTOR: info.name, d.VERSION: info.version, d.KIND: info.kind, d.SCORE: values[i],
                            d.THRESHOLD: thresholds[i], d.HUMAN_THRESHOLD: human[i]})
        scored.append({**record, d.DETECTOR_SCORES: entries})
    return scored


class DetectStep(BatchStep):
    """The detect step inside the checkpointed scan (and for a failed RunInference batch, one document at a time)."""

    stage = STAGE

    def __init__(self, config: DetectConfig) -> None:
        self.config = config

    def start(self) -> None:
        self.shared = shared_detectors(self.config)

    def apply_batch(self, records: Sequence[dict]) -> Sequence[dict]:
        return score_documents(records, self.shared)


class Detect(beam.PTransform):
    """The detect stage on streamed documents: RunInference, with a one-by-one retry of failed batches."""

    def __init__(self, config: DetectConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, documents: beam.PCollection) -> StageResult:
        from provmix.pipeline.inference import ScoreWithRunInference

        scored = documents | "RunInference" >> ScoreWithRunInference(self.config)
        retried = run_batch_step(scored.failed, "ScoreOneByOne", DetectStep(self.config), min_batch=1, max_batch=1)
        return StageResult((scored.documents, retried.documents) | "AllScored" >> beam.Flatten(),
                           (scored.rejects, retried.rejects) | "AllRejects" >> beam.Flatten())
