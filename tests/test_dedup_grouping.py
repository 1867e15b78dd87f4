"""GroupIntoPartitions and CoGroupIntoPartitions: the groups of GroupByKey / CoGroupByKey, whatever the partitions."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from pipeline.dedup.grouping import CoGroupIntoPartitions, GroupIntoPartitions, partition_of


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


def _sorted_parts(joined: tuple[object, dict]) -> tuple[object, dict]:
    key, parts = joined
    return key, {tag: sorted(values) for tag, values in parts.items()}


@pytest.mark.parametrize("partitions", [1, 5, 1024])
def test_cogroups_equal_cogroup_by_key(partitions: int) -> None:
    left, right = _pairs(seed=1)[:300], _pairs(seed=2)[:200]  # keys on one side only as well as on both
    expected: dict = {}
    for tag, pairs in (("left", left), ("right", right)):
        for key, value in pairs:
            expected.setdefault(key, {"left": [], "right": []})[tag].append(value)
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        sides = {"left": pipeline | "Left" >> beam.Create(left), "right": pipeline | "Right" >> beam.Create(right)}
        joined = sides | CoGroupIntoPartitions(partitions) | beam.Map(_sorted_parts)
        assert_that(joined, equal_to([_sorted_parts(item) for item in expected.items()]))
