"""The in-memory component rounds count exactly the rounds the Beam transform needs, on every graph shape."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest

from bench.cc_rounds import SHAPES, path, rounds_to_converge, star
from provmix.pipeline.dedup.components import ConnectedComponents


def _converges(edges: list, max_rounds: int) -> bool:
    try:
        with beam.Pipeline(runner="FnApiRunner") as pipeline:
            _ = pipeline | beam.Create(edges) | ConnectedComponents(max_rounds=max_rounds, partitions=3)
    except Exception as error:  # noqa: BLE001 - the runner wraps NotConverged
        assert "did not converge" in str(error)
        return False
    return True


def test_the_count_is_the_pipelines_max_rounds_threshold():
    edges = path(40)
    needed = rounds_to_converge(edges)
    assert needed > 2 and _converges(edges, needed) and not _converges(edges, needed - 1)


def test_rounds_grow_with_diameter_not_with_size():
    assert rounds_to_converge(star(2000, random.Random(1))) == 1
    assert rounds_to_converge(path(16)) < rounds_to_converge(path(256)) < rounds_to_converge(path(4096))


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_shape_converges(name):
    assert 1 <= rounds_to_converge(SHAPES[name](60, random.Random(2))) <= 16
