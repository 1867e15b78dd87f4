"""Beam RunInference support: any registry detector (``hf-classifier:PATH`` on a GPU, ``binoculars:...``,
``ai-default``) behind a :class:`apache_beam.ml.inference.base.ModelHandler`, so RunInference loads it once per
worker, batches elements and reports inference metrics.

Elements are ``(text, lang)`` tuples; each result is a ``PredictionResult`` whose ``inference`` is the
calibrated probability, or None where the detector abstained.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from provmix.detectors.base import Detector
from provmix.detectors.registry import load_detector


class DetectorModelHandler(ModelHandler[tuple, PredictionResult, Detector]):
    """ModelHandler for ``load_detector(spec, **options)``."""

    def __init__(self, spec: str, options: dict | None = None, min_batch_size: int = 1,
                 max_batch_size: int = 64) -> None:
        super().__init__()
        self.spec = spec
        self.options = dict(options or {})
        self.min_batch_size = min_batch_size
        self.max_batch_size = max_batch_size

    def load_model(self) -> Detector:
        return load_detector(self.spec, **self.options)

    def run_inference(self, batch: Sequence[tuple], model: Detector,
                      inference_args: dict[str, Any] | None = None) -> Iterable[PredictionResult]:
        scores = model.score([text for text, _ in batch], [lang for _, lang in batch])
        return [PredictionResult(example, value, model.info.name) for example, value in zip(batch, scores.values())]

    def batch_elements_kwargs(self) -> dict[str, int]:
        return {"min_batch_size": self.min_batch_size, "max_batch_size": self.max_batch_size}

    def get_metrics_namespace(self) -> str:
        return "provmix_detector"
