"""A producer step, a shuffle and its reader run on the in-process runner, the input spread over several bundles:
what the tests of the steps that group or pack their own output per bundle (``BundleBuffer``) check."""
from __future__ import annotations

from typing import Callable, Iterable

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to


def assert_read_after_shuffle(elements: list, producer: beam.DoFn, read: Callable[[object], Iterable],
                              expected: list, grouping: beam.PTransform | None = None) -> None:
    """``elements`` → several bundles → ``producer`` → ``grouping`` (default GroupByKey) → ``read`` (a FlatMap)
    gives ``expected``, in any order."""
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        found = (
            pipeline
            | beam.Create(elements)
            | beam.Reshuffle()  # several bundles: a partition's chunks (or partial groups) come from several
            | beam.ParDo(producer)
            | (grouping or beam.GroupByKey())
            | beam.FlatMap(read)
        )
        assert_that(found, equal_to(expected))
