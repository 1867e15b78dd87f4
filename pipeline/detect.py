"""Detect: every configured detector scores every document (scores only; the label stage decides).

Per-detector results land in ``detector_scores`` (null score = abstained; ``threshold`` and ``human_threshold``:
the detector's operating points for that document) and nowhere else: the label stage combines them into
``p_ai`` / ``p_mt`` (``label.combine``).

The configured detectors are one RunInference model (:class:`DetectHandler`): the streamed graph runs them through
``RunInference`` (Beam batches, shares the model and reports inference metrics), and the checkpointed scan, which
scores a whole input file inside one DoFn, calls the same handler from :class:`DetectStep`. A batch that fails
under RunInference is scored again one document at a time, so only the document that broke it is rejected.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from provmix.detectors.base import Detector
from provmix.pipeline.step import BatchStep, StageResult, Step, run_batch_step, run_step
from provmix.schemas import documents as d

STAGE = "detect"
MIN_BATCH = 8  # RunInference batches adaptively between this and detect.batch_size


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


class DetectHandler(ModelHandler[dict, PredictionResult, SharedDetectors]):
    """The configured detectors as one RunInference model: a document in, the document with its scores out (the
    ``inference`` of each result). The model is this process's :func:`shared_detectors`, so RunInference, the
    checkpointed scan and the retry of a failed batch all score with one copy."""

    def __init__(self, config: DetectConfig) -> None:
        super().__init__(min_batch_size=MIN_BATCH, max_batch_size=config.batch_size)
        self.config = config

    def load_model(self) -> SharedDetectors:
        return shared_detectors(self.config)

    def run_inference(self, batch: Sequence[dict], model: SharedDetectors,
                      inference_args: dict[str, Any] | None = None) -> Iterable[PredictionResult]:
        return [PredictionResult(record, scored) for record, scored in zip(batch, score_documents(batch, model))]

    def get_num_bytes(self, batch: Sequence[dict]) -> int:
        return sum(len(record[d.TEXT]) for record in batch)  # RunInference's default pickles the whole batch

    def get_metrics_namespace(self) -> str:
        return f"{STAGE}.inference"


class DetectStep(BatchStep):
    """The detect step inside the checkpointed scan (and for a failed batch's documents, one at a time)."""

    stage = STAGE

    def __init__(self, config: DetectConfig) -> None:
        self.handler = DetectHandler(config)

    def start(self) -> None:
        self.shared = self.handler.load_model()

    def apply_batch(self, records: Sequence[dict]) -> Sequence[dict]:
        return [result.inference for result in self.handler.run_inference(records, self.shared)]


class ScoredStep(Step):
    """RunInference's results → the scored documents, counted as the detect stage's output."""

    stage = STAGE

    def apply(self, result: PredictionResult) -> Iterable[dict]:
        return [result.inference]


class Detect(beam.PTransform):
    def __init__(self, config: DetectConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, documents: beam.PCollection) -> StageResult:
        results, failed = documents | "RunInference" >> RunInference(DetectHandler(self.config)) \
            .with_exception_handling()
        retried = run_batch_step(failed.failed_inferences | "FailedBatches" >> beam.FlatMap(lambda item: item[0]),
                                 "ScoreOneByOne", DetectStep(self.config), min_batch=1, max_batch=1)
        scored = run_step(results, "Scored", ScoredStep())
        return StageResult((scored.documents, retried.documents) | "AllScored" >> beam.Flatten(),
                           (scored.rejects, retried.rejects) | "AllRejects" >> beam.Flatten())
