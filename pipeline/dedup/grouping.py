"""GroupByKey for many small values: the same ``(key, values)`` groups, shuffled as a few large batches.

A Beam runner pays a fixed cost for every element that crosses a shuffle, whatever its size: in the Python SDK
tens of microseconds, far more than the work on an LSH band entry or a graph edge. Dedup shuffles 16 band
entries per document and every edge once per connected-components step, so the step before the shuffle emits
each value under its key's partition (:func:`keyed`, ``partition`` a hash of the key), :func:`CollectPartitions`
sends ``(partition, {key: [values]})`` elements, and the step after it reads a partition's groups itself: no
element per key on either side. It is a ``CombinePerKey``: runners lift it (each bundle pre-combines its values
per partition before the shuffle), so a bundle sends at most one element per partition. The price is memory: one
partition's values are held together, about ``entries / partitions`` of them, which ``DedupConfig.partitions``
bounds.
"""
from __future__ import annotations

from typing import Hashable, Iterable

import apache_beam as beam
import xxhash

Groups = dict  # key → list of values
Keyed = tuple  # a value under its key's partition: (partition, (key, value))


def partition_of(key: str | bytes, partitions: int) -> int:
    """A stable partition for ``key`` (the same on every worker and run)."""
    return xxhash.xxh3_64_intdigest(key if isinstance(key, bytes) else key.encode()) % partitions


class _CollectGroups(beam.CombineFn):
    """Values gathered per key: the accumulator is the partition's groups."""

    def create_accumulator(self) -> Groups:
        return {}

    def add_input(self, groups: Groups, pair: tuple[Hashable, object]) -> Groups:
        key, value = pair
        groups.setdefault(key, []).append(value)
        return groups

    def merge_accumulators(self, accumulators: Iterable[Groups]) -> Groups:
        merged: Groups = {}
        for groups in accumulators:
            for key, values in groups.items():
                merged.setdefault(key, []).extend(values)
        return merged

    def extract_output(self, groups: Groups) -> Groups:
        return groups


def keyed(key: str | bytes, value: object, partitions: int) -> Keyed:
    """``(key, value)`` as :class:`CollectPartitions` takes it: under its key's partition."""
    return partition_of(key, partitions), (key, value)


def CollectPartitions() -> beam.PTransform:
    """``(partition, (key, value))`` (from :func:`keyed`) → ``(partition, {key: [values]})``, for a step that reads
    a partition's groups itself (LSH buckets, the connected-components rounds)."""
    return beam.CombinePerKey(_CollectGroups())
