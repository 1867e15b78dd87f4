"""Detect runs the configured detectors through RunInference: every document is scored once, and a batch that
raises is scored again one document at a time, so only the document that broke it is rejected."""
from __future__ import annotations

from typing import Sequence

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.util import assert_that, equal_to

from provmix.detectors import registry
from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.pipeline.detect import STAGE, Detect, DetectConfig
from provmix.pipeline.inference import DetectHandler
from provmix.pipeline.step import DOCUMENTS, REJECTS
from provmix.schemas import documents as d
from provmix.schemas.rejects import STEP_ERROR

POISON = "poison"


class LengthDetector:
    """p(ai) = length / 100 (capped), abstains on empty text, raises on any batch holding a poisoned text."""

    info = ModelInfo(name="length-test", version="1", kind=AI, threshold=0.5)

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        if any(POISON in text for text in texts):
            raise RuntimeError("the model broke on a poisoned text")
        return Scores.build([min(len(text) / 100, 1.0) for text in texts], [not text for text in texts])


def load(argument: str | None) -> LengthDetector:
    return LengthDetector()


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> DetectConfig:
    monkeypatch.setitem(registry.FACTORIES, "length-test", f"{__name__}:load")
    return DetectConfig(detectors=["length-test"], batch_size=8)


def _documents() -> list[dict]:
    texts = ["x" * n for n in range(0, 200, 10)]
    texts[13] = POISON
    return [d.new_document(id=f"doc-{i}", text=text, lang="en") for i, text in enumerate(texts)]


def test_the_handler_appends_one_entry_per_detector(config: DetectConfig) -> None:
    handler = DetectHandler(config)
    (result,) = handler.run_inference([_documents()[5]], handler.load_model())
    assert result.inference[d.DETECTOR_SCORES] == [{
        d.DETECTOR: "length-test", d.VERSION: "1", d.KIND: AI, d.SCORE: 0.5, d.THRESHOLD: 0.5,
        d.HUMAN_THRESHOLD: None}]
    assert handler.batch_elements_kwargs()["max_batch_size"] == 8


def test_a_failed_batch_is_rescored_one_document_at_a_time(config: DetectConfig) -> None:
    documents = _documents()
    expected = {doc[d.ID]: (None if not doc[d.TEXT] else min(len(doc[d.TEXT]) / 100, 1.0))
                for doc in documents if doc[d.TEXT] != POISON}
    pipeline = beam.Pipeline(runner="FnApiRunner")
    result = pipeline | beam.Create(documents, reshuffle=False) | Detect(config)
    scores = result.documents | "Scores" >> beam.Map(lambda doc: (doc[d.ID], doc[d.DETECTOR_SCORES][0][d.SCORE]))
    assert_that(scores, equal_to(list(expected.items())), label=f"Check{DOCUMENTS}")
    rejected = result.rejects | "Why" >> beam.Map(lambda row: (row["id"], row["stage"], row["error_type"]))
    assert_that(rejected, equal_to([("doc-13", STAGE, "RuntimeError")]), label=f"Check{REJECTS}")
    outcome = pipeline.run()
    outcome.wait_until_finish()
    inference = _counters(outcome, f"{STAGE}.inference")
    assert inference["failed_batches_counter"] == 1  # the one batch holding the poisoned text, under RunInference
    assert inference["num_inferences"] <= len(documents) - 1  # its documents were scored by the retry instead
    stage = _counters(outcome, STAGE)
    assert (stage["in"], stage["out"], stage[f"rejected.{STEP_ERROR}"]) == (len(documents), len(documents) - 1, 1)


def _counters(outcome: beam.runners.runner.PipelineResult, namespace: str) -> dict[str, int]:
    """The counters of ``namespace`` summed over the transforms that report them."""
    totals: dict[str, int] = {}
    for metric in outcome.metrics().query(MetricsFilter().with_namespace(namespace))["counters"]:
        totals[metric.key.metric.name] = totals.get(metric.key.metric.name, 0) + metric.committed
    return totals


def test_a_checkpointed_run_does_not_import_run_inference() -> None:
    """Beam's inference module imports torch where it is installed: 213 MB and 1.8 s a process."""
    import subprocess
    import sys

    code = ("import sys; import provmix.pipeline.graph, provmix.pipeline.checkpoint, provmix.pipeline.detect, "
            "provmix.pipeline.cli; heavy = ('apache_beam.ml.inference.base', 'torch'); "
            "loaded = [m for m in heavy if m in sys.modules]; assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)
