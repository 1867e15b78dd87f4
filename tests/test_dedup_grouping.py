"""PartitionedPairs + CollectPartitions: the groups of GroupByKey, batched by partition, whatever the number of
partitions and however the producers' bundles and buffers cut them."""
from __future__ import annotations

import random

import pytest

from provmix.pipeline.dedup.grouping import CollectPartitions, PartitionedPairs, partition_of
from tests.shuffles import assert_read_after_shuffle


class _Identity(PartitionedPairs):
    """Each element is already a ``(key, value)`` pair."""

    def pairs(self, pair: tuple) -> list[tuple]:
        return [pair]


def _pairs(seed: int) -> list[tuple[object, int]]:
    rng = random.Random(seed)
    keys = [f"doc-{i}" for i in range(40)] + [bytes([i, 255 - i]) for i in range(40)]
    return [(rng.choice(keys), rng.randrange(1000)) for _ in range(600)]


def _groups(pairs: list[tuple]) -> dict:
    expected: dict = {}
    for key, value in pairs:
        expected.setdefault(key, []).append(value)
    return expected


def _sorted_groups(partition: tuple[int, dict]) -> list[tuple[int, object, list]]:
    number, groups = partition
    return [(number, key, sorted(values)) for key, values in groups.items()]


@pytest.mark.parametrize("partitions,max_buffered", [(1, 100_000), (3, 100_000), (64, 7), (4096, 1)])
def test_groups_equal_group_by_key_each_under_its_keys_partition(partitions: int, max_buffered: int) -> None:
    pairs = _pairs(seed=partitions)
    expected = [(partition_of(key, partitions), key, sorted(values)) for key, values in _groups(pairs).items()]
    assert_read_after_shuffle(pairs, _Identity(partitions, max_buffered), _sorted_groups, expected,
                              grouping=CollectPartitions())


def test_a_bundle_sends_one_element_per_partition_at_its_end() -> None:
    step, pairs = _Identity(partitions=4, max_buffered=10**9), _pairs(seed=1)
    step.start_bundle()
    assert [out for pair in pairs for out in step.process(pair)] == []
    sent = [windowed.value for windowed in step.finish_bundle()]
    assert sorted(number for number, _ in sent) == [0, 1, 2, 3]
    assert {key: values for _, groups in sent for key, values in groups.items()} == _groups(pairs)
    assert list(step.finish_bundle()) == []  # sent once


def test_a_full_buffer_is_sent_within_the_bundle() -> None:
    step, pairs = _Identity(partitions=4, max_buffered=7), _pairs(seed=2)[:20]
    step.start_bundle()
    sent = [[out for out in step.process(pair)] for pair in pairs]
    assert [i for i, out in enumerate(sent) if out] == [6, 13]  # after the 7th and the 14th pair
    rest = [windowed.value for windowed in step.finish_bundle()]
    merged: dict = {}
    for _, groups in [out for outs in sent for out in outs] + rest:
        for key, values in groups.items():
            merged.setdefault(key, []).extend(values)
    assert merged == _groups(pairs)


def test_partition_is_stable_and_in_range() -> None:
    assert partition_of("doc-1", 16) == partition_of(b"doc-1", 16)
    assert {partition_of(f"doc-{i}", 16) for i in range(1000)} == set(range(16))
