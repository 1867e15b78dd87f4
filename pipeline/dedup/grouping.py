"""GroupByKey and CoGroupByKey for many small values: the same groups, shuffled as a few large batches.

A Beam runner pays a fixed cost for every element that crosses a shuffle, whatever its size: in the Python SDK
tens of microseconds, far more than the work on an LSH band entry or a graph edge. Dedup shuffles 16 band
entries per document and every edge once per connected-components step, so :class:`GroupIntoPartitions` sends
``(partition, batch)`` elements instead, ``partition`` a hash of the key. It is a ``CombinePerKey``: runners
lift it (each bundle pre-combines its values per partition before the shuffle), so a bundle sends at most one
element per partition. The price is memory: one partition's values are held together, about
``entries / partitions`` of them, which ``DedupConfig.partitions`` bounds. Whole documents never go through it.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator, Mapping

import apache_beam as beam
import xxhash

Groups = dict  # key → list of values


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


def _groups(partition: tuple[int, Groups]) -> Iterator[tuple[Hashable, list]]:
    yield from partition[1].items()


class GroupIntoPartitions(beam.PTransform):
    """``(key, value)`` → ``(key, [values])``, like ``GroupByKey``, shuffled in ``partitions`` batches."""

    def __init__(self, partitions: int) -> None:
        super().__init__()
        self.partitions = partitions

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        partitions = self.partitions
        return (
            pairs
            | "KeyPartition" >> beam.Map(lambda pair: (partition_of(pair[0], partitions), pair))
            | "Collect" >> beam.CombinePerKey(_CollectGroups())
            | "Groups" >> beam.FlatMap(_groups)
        )


def _tagged(tag: str):
    return lambda pair: (pair[0], (tag, pair[1]))


def _by_tag(tags: tuple[str, ...]):
    def split(group: tuple[Hashable, list]) -> tuple[Hashable, dict[str, list]]:
        key, values = group
        parts: dict[str, list] = {tag: [] for tag in tags}
        for tag, value in values:
            parts[tag].append(value)
        return key, parts

    return split


class CoGroupIntoPartitions(beam.PTransform):
    """``{tag: (key, value) PCollection}`` → ``(key, {tag: [values]})``, like ``CoGroupByKey``, shuffled in
    ``partitions`` batches (every tag present, empty where a key has no values of it)."""

    def __init__(self, partitions: int) -> None:
        super().__init__()
        self.partitions = partitions

    def expand(self, tagged: Mapping[str, beam.PCollection]) -> beam.PCollection:
        tags = tuple(sorted(tagged))
        return (
            [tagged[tag] | f"Tag[{tag}]" >> beam.Map(_tagged(tag)) for tag in tags]
            | "Flatten" >> beam.Flatten()
            | "Group" >> GroupIntoPartitions(self.partitions)
            | "ByTag" >> beam.Map(_by_tag(tags))
        )
