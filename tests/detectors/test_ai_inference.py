"""The RunInference ModelHandler in a tiny FnApiRunner pipeline."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import apache_beam as beam  # noqa: E402
from apache_beam.ml.inference.base import RunInference  # noqa: E402
from apache_beam.testing.util import assert_that  # noqa: E402

from provmix.detectors.inference import DetectorModelHandler  # noqa: E402
from tests.detectors.tiny_models import build_classifier, sentence  # noqa: E402


def test_run_inference_scores_and_abstains(tmp_path):
    folder = build_classifier(tmp_path / "classifier")
    elements = [(sentence(30, k), "en") for k in range(5)] + [("", "en")]
    handler = DetectorModelHandler(f"hf-classifier:{folder}", {"batch_size": 2}, max_batch_size=4)

    def check(results):
        assert len(results) == len(elements)
        by_text = {r.example[0]: r.inference for r in results}
        assert by_text[""] is None
        assert all(0.0 <= by_text[text] <= 1.0 for text, _ in elements if text)
        assert {r.model_id for r in results} == {f"hf-classifier:{folder}"}

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        results = pipeline | beam.Create(elements) | RunInference(handler)
        assert_that(results, check)
