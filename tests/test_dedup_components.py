"""Connected components in Beam (large-star / small-star) against a union-find reference on known graphs."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.dedup.components import ConnectedComponents, NotConverged


def _reference_roots(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            node = parent[node]
        return node

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return sorted((node, find(node)) for node in parent)


def _ids(count: int, prefix: str, rng: random.Random) -> list[str]:
    ids = [f"{prefix}{index:04d}" for index in range(count)]
    rng.shuffle(ids)  # so that the path does not follow id order
    return ids


def _graphs() -> dict[str, list[tuple[str, str]]]:
    rng = random.Random(5)
    chain = _ids(12, "c", rng)
    star = _ids(30, "s", rng)
    path = _ids(400, "p", rng)
    cycle = _ids(9, "y", rng)
    return {
        "chains": [(chain[i], chain[i + 1]) for i in range(5)] + [(chain[i], chain[i + 1]) for i in range(6, 11)],
        "star": [(star[0], leaf) for leaf in star[1:]] + [(star[5], star[6])],
        "long_path": [(path[i], path[i + 1]) for i in range(len(path) - 1)],
        "cycle_plus_duplicates": [(cycle[i], cycle[(i + 1) % 9]) for i in range(9)] + [(cycle[1], cycle[0])] * 3,
    }


def test_components_match_union_find_on_chains_stars_cycles_and_a_long_path() -> None:
    edges = [pair for graph in _graphs().values() for pair in graph]  # disjoint id prefixes: one pipeline
    assert len({root for _, root in _reference_roots(edges)}) == 5
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        roots = pipeline | beam.Create(edges) | ConnectedComponents(max_rounds=16, partitions=7)
        assert_that(roots, equal_to(_reference_roots(edges)))


def test_a_long_path_needs_several_rounds_and_fails_loudly_without_them() -> None:
    edges = _graphs()["long_path"]
    with pytest.raises(Exception, match="did not converge in max_rounds=2"):
        with beam.Pipeline(runner="FnApiRunner") as pipeline:
            _ = pipeline | beam.Create(edges) | ConnectedComponents(max_rounds=2, partitions=7)
    assert issubclass(NotConverged, RuntimeError)
