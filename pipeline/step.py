"""The one step type every per-record stage is built from.

A :class:`Step` is a ``DoFn`` that turns one record into zero or more records. It never kills the job: a record
it rejects (by raising :class:`Reject`) or fails on (any other exception) goes to the tagged ``rejects`` output
with the stage, reason, detail and exception type. Every step counts what came in, went out and was rejected
in Beam Metrics under its stage name. :class:`BatchStep` does the same for batched work (detectors), falling
back to one record at a time when a batch raises, so one bad record cannot take its batch down with it.

Each step also adds its processing time to the ``micros`` counter, so per-stage throughput can be read from the
run's metrics; what went on and what was rejected also reach the progress lines on local runners
(:mod:`provmix.pipeline.counters`). Stages wrap steps in composite transforms whose ``expand`` returns a
:class:`StageResult`.
"""
from __future__ import annotations

import time
from typing import Iterable, NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from provmix.pipeline.allocator import start_trimming
from provmix.pipeline.collector import tune_collector
from provmix.pipeline.counters import StageCounter
from provmix.schemas.rejects import REJECTED, STEP_ERROR, make_reject

REJECTS = "rejects"
DOCUMENTS = "documents"


class Reject(Exception):
    """Raised inside a step to reject the current record with a specific snake_case reason."""

    def __init__(self, reason: str, detail: str = "", outcome: str = REJECTED) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.outcome = outcome


class StageResult(NamedTuple):
    """What every stage returns: the records that go on, and the ones that stop here (with reasons)."""

    documents: beam.PCollection
    rejects: beam.PCollection


class _Counted:
    """Counters of one stage (under ``namespace``, the stage's name unless it runs twice): records in, out, and
    rejected per reason."""

    def __init__(self, stage: str, namespace: str) -> None:
        self.stage = stage
        self.namespace = namespace
        self.records_in = Metrics.counter(namespace, "in")  # the progress lines show only what went on or stopped
        self.records_out = StageCounter(namespace, "out")
        self.micros = Metrics.counter(namespace, "micros")
        self._rejected: dict[str, StageCounter] = {}

    def rejected(self, reason: str) -> None:
        counter = self._rejected.get(reason)
        if counter is None:
            counter = self._rejected[reason] = StageCounter(self.namespace, f"rejected.{reason}")
        counter.inc()

    def reject_output(self, record: dict, error: BaseException) -> pvalue.TaggedOutput:
        if isinstance(error, Reject):
            reason, detail, outcome, error_type = error.reason, error.detail, error.outcome, None
        else:
            reason, detail, outcome, error_type = STEP_ERROR, str(error), REJECTED, type(error).__name__
        self.rejected(reason)
        row = make_reject(
            record, stage=self.stage, reason=reason, detail=detail, outcome=outcome, error_type=error_type
        )
        return pvalue.TaggedOutput(REJECTS, row)


class Step(beam.DoFn):
    """Per-record work of one stage. Subclasses set ``stage`` and implement :meth:`apply`."""

    stage: str = "step"
    namespace: str | None = None  # the counters' namespace when not ``stage`` (a stage that runs twice)

    def apply(self, record: dict) -> Iterable[dict]:
        raise NotImplementedError

    def start(self) -> None:
        """Load models and other per-worker state (runs once per DoFn instance)."""

    def setup(self) -> None:
        start_trimming()  # once per worker process: every worker runs steps
        tune_collector()
        self.counted = _Counted(self.stage, self.namespace or self.stage)
        self.start()

    def process(self, record: dict) -> Iterable:
        self.counted.records_in.inc()
        started = time.perf_counter_ns()
        try:
            results = list(self.apply(record))
        except Exception as error:  # noqa: BLE001 - every failure becomes a reject row, never a crash
            results = [self.counted.reject_output(record, error)]
        else:
            self.counted.records_out.inc(len(results))
        self.counted.micros.inc((time.perf_counter_ns() - started) // 1000)
        yield from results


class BatchStep(Step):
    """A step that works on batches (lists of records, from ``beam.BatchElements``) and emits records.

    Subclasses implement :meth:`apply_batch`, returning one output record per input record in order, or a
    :class:`Reject` instance in place of a record to reject it. If the whole batch raises, each record is
    retried alone so only the culprit is rejected.
    """

    def apply_batch(self, records: Sequence[dict]) -> Sequence[dict | Reject]:
        raise NotImplementedError

    def apply(self, record: dict) -> Iterable[dict]:
        (result,) = self.apply_batch([record])
        if isinstance(result, Reject):
            raise result
        return [result]

    def process(self, batch: Sequence[dict]) -> Iterable:
        self.counted.records_in.inc(len(batch))
        started = time.perf_counter_ns()
        try:
            results = self.apply_batch(batch)
        except Exception:  # noqa: BLE001 - isolate the record that broke the batch
            for record in batch:
                self.counted.records_in.dec()  # Step.process counts it again
                yield from Step.process(self, record)
            return
        self.counted.micros.inc((time.perf_counter_ns() - started) // 1000)
        for record, result in zip(batch, results):
            if isinstance(result, Reject):
                yield self.counted.reject_output(record, result)
            else:
                self.counted.records_out.inc()
                yield result


def run_step(pcoll: beam.PCollection, label: str, step: Step) -> StageResult:
    """Apply ``step`` to ``pcoll`` and split its main and rejects outputs."""
    out = pcoll | label >> beam.ParDo(step).with_outputs(REJECTS, main=DOCUMENTS)
    return StageResult(out[DOCUMENTS], out[REJECTS])


def run_batch_step(
    pcoll: beam.PCollection, label: str, step: BatchStep, *, min_batch: int = 8, max_batch: int = 256
) -> StageResult:
    """Batch ``pcoll`` (Beam sizes batches adaptively between the bounds) and apply ``step``."""
    batches = pcoll | f"{label}/Batch" >> beam.BatchElements(min_batch_size=min_batch, max_batch_size=max_batch)
    return run_step(batches, label, step)
