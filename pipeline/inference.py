"""The detect stage as one Beam RunInference model: documents in, the documents with their scores out.

:class:`DetectHandler`'s model is the process's :func:`provmix.pipeline.detect.shared_detectors` and its inference
is :func:`provmix.pipeline.detect.score_documents`, so RunInference and the checkpointed scan's step score alike
with one copy of the models. Imported by the streamed graph only (Beam's inference module imports torch).
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from provmix.pipeline.detect import STAGE, DetectConfig, SharedDetectors, score_documents, shared_detectors
from provmix.pipeline.step import Step, run_step
from provmix.schemas import documents as d

MIN_BATCH = 8  # RunInference batches adaptively between this and detect.batch_size


class DetectHandler(ModelHandler[dict, PredictionResult, SharedDetectors]):
    """The configured detectors as one RunInference model (the ``inference`` of a result is the scored document)."""

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


class ScoredStep(Step):
    """RunInference's results → the scored documents, counted as the detect stage's output."""

    stage = STAGE

    def apply(self, result: PredictionResult) -> Iterable[dict]:
        return [result.inference]


class Scored(NamedTuple):
    documents: beam.PCollection  # scored
    rejects: beam.PCollection
    failed: beam.PCollection  # the documents of the batches that raised under RunInference


class ScoreWithRunInference(beam.PTransform):
    def __init__(self, config: DetectConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, documents: beam.PCollection) -> Scored:
        results, dead_letters = documents | RunInference(DetectHandler(self.config)).with_exception_handling()
        failed = dead_letters.failed_inferences | "FailedBatches" >> beam.FlatMap(lambda item: item[0])
        scored = run_step(results, "Scored", ScoredStep())
        return Scored(scored.documents, scored.rejects, failed)
