"""GroupByKey for many small values: the same ``(key, values)`` groups, shuffled as a few large batches.

A Beam runner pays a fixed cost for every element that crosses a shuffle, whatever its size: in the Python SDK
tens of microseconds, far more than the work on a graph edge. Dedup shuffles every edge once per
connected-components step, so the step before the shuffle is a :class:`PartitionedPairs`: it groups its ``(key,
value)`` pairs by the key's partition (a hash of the key) itself and emits ``(partition, {key: [values]})``
elements, at most one per partition per bundle; :func:`CollectPartitions` merges them (a ``CombinePerKey``, which
runners lift before the shuffle) and the step after it reads a partition's groups itself: no element per key on
either side. (The LSH band entries, 16 per document, go one step further: :mod:`pipeline.dedup.bands` packs them as
arrays.) The price is memory: a bundle's values, and then one partition's, are held together (about ``entries /
partitions`` of them, which ``DedupConfig.partitions`` bounds).
"""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator

import apache_beam as beam
import xxhash

from provmix.pipeline.buffering import MAX_BUFFERED, BundleBuffer

Groups = dict  # key → list of values
Partition = tuple  # (partition, Groups)


def partition_of(key: str | bytes, partitions: int) -> int:
    """A stable partition for ``key`` (the same on every worker and run)."""
    return xxhash.xxh3_64_intdigest(key if isinstance(key, bytes) else key.encode()) % partitions


def _merge(into: Groups, groups: Groups) -> Groups:
    for key, values in groups.items():
        into.setdefault(key, []).extend(values)
    return into


class _MergeGroups(beam.CombineFn):
    """One partition's groups, merged from the producers' partial groups."""

    def create_accumulator(self) -> Groups:
        return {}

    def add_input(self, groups: Groups, partial: Groups) -> Groups:
        return _merge(groups, partial)

    def merge_accumulators(self, accumulators: Iterable[Groups]) -> Groups:
        merged: Groups = {}
        for groups in accumulators:
            _merge(merged, groups)
        return merged

    def extract_output(self, groups: Groups) -> Groups:
        return groups


class PartitionedPairs(BundleBuffer):
    """A step whose ``(key, value)`` pairs (:meth:`pairs` of each element) leave grouped by the key's partition:
    ``(partition, {key: [values]})`` elements for :func:`CollectPartitions`, a bundle's at a time
    (:class:`BundleBuffer`)."""

    def __init__(self, partitions: int, max_buffered: int = MAX_BUFFERED) -> None:
        super().__init__(max_buffered)
        self.partitions = partitions

    def pairs(self, element: object) -> Iterable[tuple[Hashable, object]]:
        raise NotImplementedError

    def clear(self) -> None:
        self._buffer: dict[int, Groups] = {}

    def hold(self, element: object) -> int:
        partitions, buffer, held = self.partitions, self._buffer, 0
        for key, value in self.pairs(element):
            buffer.setdefault(partition_of(key, partitions), {}).setdefault(key, []).append(value)
            held += 1
        return held

    def flush(self) -> Iterator[Partition]:
        buffer = self._buffer
        self.clear()
        yield from buffer.items()


def CollectPartitions() -> beam.PTransform:
    """The partial groups of a :class:`PartitionedPairs` → ``(partition, {key: [values]})``, one element per
    partition, for a step that reads a partition's groups itself (LSH buckets, the connected-components rounds)."""
    return beam.CombinePerKey(_MergeGroups())
