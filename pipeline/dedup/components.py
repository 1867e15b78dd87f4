"""Connected components of the duplicate graph with large-star / small-star (Kiveris et al., SoCC 2014).

Every round groups the edge list twice, by node (:class:`GroupIntoPartitions`: batches of nodes per shuffle element);
the rounds are unrolled to ``max_rounds`` (a Beam graph is static) and a final step checks that the edges form
stars around each component's smallest id — the algorithm's fixed point — and fails the pipeline with
:class:`NotConverged` otherwise. Rounds after convergence pass stars through unchanged.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from provmix.pipeline.dedup.config import NAMESPACE
from provmix.pipeline.dedup.grouping import GroupIntoPartitions
from provmix.pipeline.dedup.verify import Edge, edge


class NotConverged(RuntimeError):
    """The component rounds ran out before the graph became a set of stars."""


def _both_directions(pair: Edge) -> Iterator[tuple[str, str]]:
    left, right = pair
    yield left, right
    yield right, left


def _to_larger(pair: Edge) -> tuple[str, str]:
    left, right = pair
    return (right, left) if left < right else (left, right)


class _StarStep(beam.DoFn):
    """Shared metrics: ``cc_changed_nodes`` and the ``cc_rounds`` distribution (its max = last active round)."""

    def __init__(self, round_number: int) -> None:
        self.round_number = round_number
        self.changed = Metrics.counter(NAMESPACE, "cc_changed_nodes")
        self.rounds = Metrics.distribution(NAMESPACE, "cc_rounds")

    def _record_change(self) -> None:
        self.changed.inc()
        self.rounds.update(self.round_number)


class LargeStar(_StarStep):
    """Link every neighbour larger than the node to the smallest id of the node's closed neighbourhood."""

    def process(self, element: tuple[str, Iterable[str]]) -> Iterator[Edge]:
        node, neighbours = element
        neighbours = set(neighbours)
        smallest = min(min(neighbours), node)
        larger = [other for other in neighbours if other > node]
        if smallest != node and larger:
            self._record_change()
        yield from (edge(other, smallest) for other in larger)


class SmallStar(_StarStep):
    """Link the node and its smaller neighbours to the smallest of them (input: smaller neighbours only)."""

    def process(self, element: tuple[str, Iterable[str]]) -> Iterator[Edge]:
        node, smaller = element
        smaller = set(smaller)
        smallest = min(smaller)
        if len(smaller) > 1:
            self._record_change()
        yield from (edge(other, smallest) for other in smaller | {node} if other != smallest)


class _Roots(beam.DoFn):
    """Read each node's component root off a star graph, or fail if the graph is not yet a set of stars."""

    def __init__(self, max_rounds: int) -> None:
        self.max_rounds = max_rounds

    def process(self, element: tuple[str, Iterable[str]]) -> Iterator[tuple[str, str]]:
        node, neighbours = element
        neighbours = set(neighbours)
        smaller = [other for other in neighbours if other < node]
        if not smaller:
            yield node, node
        elif len(neighbours) == 1:
            yield node, smaller[0]
        else:
            raise NotConverged(
                f"connected components did not converge in max_rounds={self.max_rounds} (node {node!r} still has "
                f"{len(neighbours)} neighbours); raise dedup max_rounds"
            )


class ConnectedComponents(beam.PTransform):
    """Undirected edges ``(a, b)`` → ``(node, root)`` for every node on an edge, root = its component's smallest id."""

    def __init__(self, max_rounds: int, partitions: int) -> None:
        super().__init__()
        self.max_rounds = max_rounds
        self.partitions = partitions

    def expand(self, edges: beam.PCollection) -> beam.PCollection:
        partitions = self.partitions
        for number in range(1, self.max_rounds + 1):
            edges = (
                edges
                | f"Round{number}/Large/Both" >> beam.FlatMap(_both_directions)
                | f"Round{number}/Large/Group" >> GroupIntoPartitions(partitions)
                | f"Round{number}/Large/Star" >> beam.ParDo(LargeStar(number))
                | f"Round{number}/Small/ToLarger" >> beam.Map(_to_larger)
                | f"Round{number}/Small/Group" >> GroupIntoPartitions(partitions)
                | f"Round{number}/Small/Star" >> beam.ParDo(SmallStar(number))
            )
        return (
            edges
            | "Final/Both" >> beam.FlatMap(_both_directions)
            | "Final/Group" >> GroupIntoPartitions(partitions)
            | "Final/Roots" >> beam.ParDo(_Roots(self.max_rounds))
        )
