"""GroupIntoPartitions: the groups of GroupByKey, whatever the number of partitions."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.dedup.grouping import GroupIntoPartitions, partition_of


def _pairs(seed: int) -> list[tuple[object, int]]:
    rng = random.Random(seed)
    keys = [f"doc-{i}" for i in range(40)] + [bytes([i, 255 - i]) for i in range(40)]
    return [(rng.choice(keys), rng.randrange(1000)) for _ in range(600)]


def _sorted_groups(groups: tuple[object, list]) -> tuple[object, list]:
    key, values = groups
    return key, sorted(values)


@pytest.mark.parametrize("partitions", [1, 3, 64, 4096])
def test_groups_equal_group_by_key(partitions: int) -> None:
    pairs = _pairs(seed=partitions)
    expected = {}
    for key, value in pairs:
        expected.setdefault(key, []).append(value)
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        grouped = (
            pipeline
            | beam.Create(pairs)
            | beam.Reshuffle()  # several bundles: accumulators from different bundles are merged
            | GroupIntoPartitions(partitions)
            | beam.Map(_sorted_groups)
        )
        assert_that(grouped, equal_to([(key, sorted(values)) for key, values in expected.items()]))


def test_partition_is_stable_and_in_range() -> None:
    assert partition_of("doc-1", 16) == partition_of(b"doc-1", 16)
    assert {partition_of(f"doc-{i}", 16) for i in range(1000)} == set(range(16))
