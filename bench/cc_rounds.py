"""Connected-components rounds against cluster diameter: the dedup star steps run in memory, round by round.

``python -m bench.cc_rounds [--sizes 10 100 1000 10000 100000] [--seed 0] [--out bench/results/cc_rounds.json]``

Each round applies :func:`pipeline.dedup.components.large_star` then :func:`small_star` (the star steps the pipeline
runs, called directly on grouped neighbour lists), until the edges form stars around each component's smallest id
— the fixed point the pipeline's final step checks. Graph shapes: a path with ids in order along it (diameter
n - 1), the same path with shuffled ids, a balanced binary tree (diameter ~2 log2 n), a star (diameter 2) and a
chain of cliques of 5 (near-duplicate families linked one to the next). The count is the number of rounds that
changed something, i.e. what ``max_rounds`` must cover; every extra unrolled round costs two shuffles of the edges.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable

from provmix.pipeline.dedup.components import large_star, small_star
from provmix.pipeline.dedup.verify import Edge, edge

Graph = list[Edge]


def _ids(count: int, rng: random.Random | None) -> list[str]:
    ids = [f"d{index:08d}" for index in range(count)]
    if rng:
        rng.shuffle(ids)
    return ids


def path(count: int, rng: random.Random | None = None) -> Graph:
    ids = _ids(count, rng)
    return [edge(a, b) for a, b in zip(ids, ids[1:])]


def binary_tree(count: int, rng: random.Random | None = None) -> Graph:
    ids = _ids(count, rng)
    return [edge(ids[child], ids[(child - 1) // 2]) for child in range(1, count)]


def star(count: int, rng: random.Random | None = None) -> Graph:
    ids = _ids(count, rng)
    return [edge(ids[0], other) for other in ids[1:]]


def clique_chain(count: int, rng: random.Random | None = None, size: int = 5) -> Graph:
    ids = _ids(count, rng)
    families = [ids[start:start + size] for start in range(0, count, size)]
    edges = [edge(a, b) for family in families for i, a in enumerate(family) for b in family[i + 1:]]
    return edges + [edge(left[-1], right[0]) for left, right in zip(families, families[1:])]


SHAPES: dict[str, Callable[[int, random.Random | None], Graph]] = {
    "path, ids in order": path, "path, ids shuffled": path, "binary tree, ids shuffled": binary_tree,
    "star, ids shuffled": star, "chain of 5-cliques, ids shuffled": clique_chain,
}


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return groups


def _is_stars(edges: Graph) -> bool:
    """Every node has a single neighbour smaller than itself, which is a root (no smaller neighbour)."""
    smaller = _grouped([(big, small) for small, big in edges])
    return all(len(set(parents)) == 1 and parents[0] not in smaller for parents in smaller.values())


def rounds_to_converge(edges: Graph, limit: int = 64) -> int:
    """Large-star + small-star rounds until ``edges`` are stars (the pipeline's DoFns, in memory)."""
    for number in range(limit + 1):
        if _is_stars(edges):
            return number
        both = [(a, b) for a, b in edges] + [(b, a) for a, b in edges]
        large = {e for node, nbrs in _grouped(both).items() for e in large_star(node, set(nbrs))[1]}
        to_larger = [(b, a) if a < b else (a, b) for a, b in large]
        edges = sorted({e for node, nbrs in _grouped(to_larger).items() for e in small_star(node, set(nbrs))[1]})
    raise RuntimeError(f"no convergence in {limit} rounds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cc_rounds", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/cc_rounds.json"))
    args = parser.parse_args(argv)
    rows = []
    for name, shape in SHAPES.items():
        for size in args.sizes:
            rng = None if name == "path, ids in order" else random.Random(args.seed)
            rows.append({"shape": name, "nodes": size, "rounds": rounds_to_converge(shape(size, rng))})
            print(json.dumps(rows[-1]), file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print("| shape | " + " | ".join(f"{size:,} nodes" for size in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for name in SHAPES:
        print(f"| {name} | " + " | ".join(str(r["rounds"]) for r in rows if r["shape"] == name) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
