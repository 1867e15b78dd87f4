"""Connected components of the duplicate graph with large-star / small-star (Kiveris et al., SoCC 2014).

Every round groups the edge list twice, by node, in batches of nodes per shuffle element
(:func:`~provmix.pipeline.dedup.grouping.CollectPartitions`); each star step reads a partition's neighbourhoods and
emits its edges already grouped by partition for the next grouping
(:class:`~provmix.pipeline.dedup.grouping.PartitionedPairs`), so a round is two shuffles and two steps. The rounds are
unrolled to ``max_rounds`` (a Beam graph is static) and a final step checks that the edges form stars around each
component's smallest id — the algorithm's fixed point — and fails the pipeline with :class:`NotConverged`
otherwise. Rounds after convergence pass stars through unchanged.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from provmix.pipeline.dedup.config import NAMESPACE
from provmix.pipeline.dedup.grouping import CollectPartitions, Partition, PartitionedPairs
from provmix.pipeline.dedup.verify import Edge, edge


class NotConverged(RuntimeError):
    """The component rounds ran out before the graph became a set of stars."""


def _both_directions(pair: Edge) -> Iterator[tuple[str, str]]:
    """Large-star's input: every edge under both of its nodes (``(node, neighbour)``)."""
    left, right = pair
    yield left, right
    yield right, left


def _under_larger_node(pair: Edge) -> Iterator[tuple[str, str]]:
    """Small-star's input: an edge under its larger node (an :func:`edge` holds the smaller node first)."""
    smaller, larger = pair
    yield larger, smaller


class BothDirections(PartitionedPairs):
    """The edge list → large-star's first input."""

    def pairs(self, pair: Edge) -> Iterator[tuple[str, str]]:
        return _both_directions(pair)


def large_star(node: str, neighbours: set[str]) -> tuple[bool, list[Edge]]:
    """Link every neighbour larger than the node to the smallest id of the node's closed neighbourhood; also
    whether that changed the graph."""
    smallest = min(min(neighbours), node)
    larger = [other for other in neighbours if other > node]
    return smallest != node and bool(larger), [edge(other, smallest) for other in larger]


def small_star(node: str, smaller: set[str]) -> tuple[bool, list[Edge]]:
    """Link the node and its smaller neighbours (the only ones it is given) to the smallest of them; also whether
    that changed the graph."""
    smallest = min(smaller)
    return len(smaller) > 1, [edge(other, smallest) for other in smaller | {node} if other != smallest]


class StarStep(PartitionedPairs):
    """One star step (:func:`large_star` or :func:`small_star`) over a partition's neighbourhoods (``(partition,
    {node: [neighbours]})``), its edges as the next step's ``(node, neighbour)`` input by ``next_input``. Metrics:
    ``cc_changed_nodes`` and the ``cc_rounds`` distribution (its max = last active round)."""

    def __init__(self, star: Callable[[str, set[str]], tuple[bool, list[Edge]]], round_number: int, partitions: int,
                 next_input: Callable[[Edge], Iterable[tuple[str, str]]]) -> None:
        super().__init__(partitions)
        self.star = star
        self.round_number = round_number
        self.next_input = next_input
        self.changed = Metrics.counter(NAMESPACE, "cc_changed_nodes")
        self.rounds = Metrics.distribution(NAMESPACE, "cc_rounds")

    def pairs(self, partition: Partition) -> Iterator[tuple[str, str]]:
        for node, neighbours in partition[1].items():
            changed, edges = self.star(node, set(neighbours))
            if changed:
                self.changed.inc()
                self.rounds.update(self.round_number)
            for pair in edges:
                yield from self.next_input(pair)


class _Roots(beam.DoFn):
    """Read each node's component root off a star graph (a partition's neighbourhoods at a time), or fail if the
    graph is not yet a set of stars."""

    def __init__(self, max_rounds: int) -> None:
        self.max_rounds = max_rounds

    def process(self, partition: Partition) -> Iterator[tuple[str, str]]:
        for node, neighbours in partition[1].items():
            neighbours = set(neighbours)
            smaller = [other for other in neighbours if other < node]
            if not smaller:
                yield node, node
            elif len(neighbours) == 1:
                yield node, smaller[0]
            else:
                raise NotConverged(
                    f"connected components did not converge in max_rounds={self.max_rounds} (node {node!r} still "
                    f"has {len(neighbours)} neighbours); raise dedup max_rounds"
                )


class ConnectedComponents(beam.PTransform):
    """Undirected edges ``(a, b)`` → ``(node, root)`` for every node on an edge, root = its component's smallest id."""

    def __init__(self, max_rounds: int, partitions: int) -> None:
        super().__init__()
        self.max_rounds = max_rounds
        self.partitions = partitions

    def expand(self, edges: beam.PCollection) -> beam.PCollection:
        partitions = self.partitions
        ends = edges | "Both" >> beam.ParDo(BothDirections(partitions))
        for number in range(1, self.max_rounds + 1):
            ends = (
                ends
                | f"Round{number}/Large/Group" >> CollectPartitions()
                | f"Round{number}/Large/Star" >> beam.ParDo(StarStep(large_star, number, partitions, _under_larger_node))
                | f"Round{number}/Small/Group" >> CollectPartitions()
                | f"Round{number}/Small/Star" >> beam.ParDo(StarStep(small_star, number, partitions, _both_directions))
            )
        return (
            ends
            | "Final/Group" >> CollectPartitions()
            | "Final/Roots" >> beam.ParDo(_Roots(self.max_rounds))
        )
