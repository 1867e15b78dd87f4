"""CollectPartitions: the groups of GroupByKey, batched by partition, whatever the number of partitions."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.dedup.grouping import CollectPartitions, keyed, partition_of


def _pairs(seed: int) -> list[tuple[object, int]]:
    rng = random.Random(seed)
    keys = [f"doc-{i}" for i in range(40)] + [bytes([i, 255 - i]) for i in range(40)]
    return [(rng.choice(keys), rng.randrange(1000)) for _ in range(600)]


def _sorted_groups(partition: tuple[int, dict]) -> list[tuple[int, object, list]]:
    number, groups = partition
    return [(number, key, sorted(values)) for key, values in groups.items()]


@pytest.mark.parametrize("partitions", [1, 3, 64, 4096])
def test_groups_equal_group_by_key_each_under_its_keys_partition(partitions: int) -> None:
    pairs = _pairs(seed=partitions)
    expected = {}
    for key, value in pairs:
        expected.setdefault(key, []).append(value)
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        grouped = (
            pipeline
            | beam.Create(pairs)
            | beam.Reshuffle()  # several bundles: accumulators from different bundles are merged
            | beam.Map(lambda pair: keyed(pair[0], pair[1], partitions))
            | CollectPartitions()
            | beam.FlatMap(_sorted_groups)
        )
        assert_that(grouped, equal_to([(partition_of(key, partitions), key, sorted(values))
                                       for key, values in expected.items()]))


def test_partition_is_stable_and_in_range() -> None:
    assert partition_of("doc-1", 16) == partition_of(b"doc-1", 16)
    assert {partition_of(f"doc-{i}", 16) for i in range(1000)} == set(range(16))
