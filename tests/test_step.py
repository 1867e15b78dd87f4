"""The step interface: rejections and failures go to the dead-letter output, never kill the job."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.step import BatchStep, Reject, Step, run_batch_step, run_step


class Shout(Step):
    stage = "shout"

    def apply(self, record: dict):
        if record["id"] == "boom":
            raise ValueError("exploded")
        if record["id"] == "short":
            raise Reject("too_short", "2 chars")
        yield {**record, "text": record["id"].upper()}


class Pairs(BatchStep):
    stage = "pairs"

    def apply_batch(self, records):
        if any(r["id"] == "poison" for r in records):
            raise RuntimeError("the whole batch dies")
        return [Reject("odd_one") if r["id"] == "odd" else {**r, "batched": True} for r in records]


def test_step_routes_rejections_and_errors_with_reasons() -> None:
    with beam.Pipeline(runner="FnApiRunner") as p:
        docs = p | beam.Create([{"id": i} for i in ("a", "boom", "short", "poison", "odd", "b")])
        first = run_step(docs, "Shout", Shout())
        second = run_batch_step(first.documents, "Pairs", Pairs(), min_batch=6, max_batch=6)
        assert_that(
            first.rejects | beam.Map(lambda r: (r["id"], r["stage"], r["reason"], r["error_type"], r["outcome"])),
            equal_to([("boom", "shout", "step_error", "ValueError", "rejected"),
                      ("short", "shout", "too_short", None, "rejected")]),
            label="StepRejects",
        )
        # the poisoned batch is retried record by record: only the culprit is rejected
        assert_that(
            second.rejects | beam.Map(lambda r: (r["id"], r["reason"])),
            equal_to([("poison", "step_error"), ("odd", "odd_one")]),
            label="BatchRejects",
        )
        assert_that(second.documents | beam.Map(lambda r: (r["id"], r["text"], r["batched"])),
                    equal_to([("a", "A", True), ("b", "B", True)]), label="Kept")
