"""Peak memory against corpus size: ``provmix run`` on generated JSONL shards of growing size, every runner.

``python -m bench memory --shards DIR [DIR…] [--detectors ''] [--config bench/memory.yaml] [--runs 1]
[--out bench/results/memory.json]``

Each ``DIR`` is a ``python -m bench generate`` output; its ``jsonl/*.jsonl.gz`` files are the input. Every run is
a fresh process (:func:`bench.e2e.measure`) whose whole process tree (the runner and its SDK workers) is sampled
for resident memory; a row reports the peak of the tree's total and of its largest single process (one worker),
and the growth per 1,000 documents between the smallest and the largest shard (a straight-line extrapolation,
labelled as such wherever it is quoted).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench.e2e import RUNNERS, measure

CONFIG = Path(__file__).with_name("memory.yaml")
DEFAULT_DETECTORS = "default"  # --detectors value that leaves the configured (shipped) detectors on


def shard_inputs(shard_dir: Path) -> tuple[str, int]:
    """The JSONL input pattern of a generated shard directory and its document count."""
    meta = json.loads((shard_dir / "generate.json").read_text())
    return str(shard_dir / "jsonl" / "*.jsonl.gz"), int(meta["docs"])


def memory_rows(shard_dirs: list[Path], detectors: str, runs: int, work: Path, config: Path | None = CONFIG,
                runners: dict[str, list[str]] = RUNNERS) -> list[dict]:
    """One row per (shard, runner): documents, docs/s/core (median), peak tree and per-process RSS (max)."""
    rows = []
    for shard_dir in shard_dirs:
        pattern, docs = shard_inputs(shard_dir)
        for runner, extra in runners.items():
            print(f"bench memory: {docs} docs, {runner}", file=sys.stderr)
            chosen = [] if detectors == DEFAULT_DETECTORS else ["--detectors", detectors]
            results = [measure(["--input", pattern, "--output", str(work / "out"), "--overwrite", *chosen,
                                *(["--config", str(config)] if config else []), *extra], work)
                       for _ in range(runs)]
            rows.append({"docs": docs, "runner": runner, "detectors": detectors or "none", "runs": runs,
                         "config": str(config) if config else "default",
                         "docs_per_cpu_s": round(statistics.median(docs / r["cpu_s"] for r in results), 1),
                         "wall_s": round(statistics.median(r["wall_s"] for r in results), 1),
                         "peak_tree_mb": max(r["peak_tree_mb"] for r in results),
                         "peak_process_mb": max(r["peak_process_mb"] for r in results),
                         "input": pattern})
    return rows


def growth(rows: list[dict]) -> dict[str, float]:
    """Per runner and detector set: MB of peak tree RSS per 1,000 more documents, smallest to largest shard."""
    slopes = {}
    for key in sorted({(r["runner"], r["detectors"]) for r in rows}):
        mine = sorted((r for r in rows if (r["runner"], r["detectors"]) == key), key=lambda r: r["docs"])
        if len(mine) > 1 and mine[-1]["docs"] > mine[0]["docs"]:
            rise = mine[-1]["peak_tree_mb"] - mine[0]["peak_tree_mb"]
            slopes[f"{key[0]} (detectors: {key[1]})"] = round(1000 * rise / (mine[-1]["docs"] - mine[0]["docs"]), 1)
    return slopes


def table(rows: list[dict]) -> str:
    lines = ["| docs | runner | detectors | docs/s/core | wall s | peak RSS MB, process tree | peak RSS MB, largest "
             "process |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['docs']} | {r['runner']} | {r['detectors']} | {r['docs_per_cpu_s']:.0f} | {r['wall_s']:.0f} |"
              f" {r['peak_tree_mb']:.0f} | {r['peak_process_mb']:.0f} |" for r in rows]
    lines += [f"growth, {name}: {slope} MB per 1,000 documents" for name, slope in growth(rows).items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench memory", description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="+", required=True, help="`bench generate` output directories")
    parser.add_argument("--detectors", default="", help=f"detector specs for every run (default: none; {DEFAULT_DETECTORS!r}: the shipped ones)")
    parser.add_argument("--config", type=lambda value: Path(value) if value else None, default=CONFIG,
                        help=f"run configuration (default: {CONFIG.name}; '': provmix's defaults)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--runner", choices=sorted(RUNNERS), action="append", help="default: every runner")
    parser.add_argument("--out", type=Path, default=Path("bench/results/memory.json"))
    args = parser.parse_args(argv)
    runners = {name: RUNNERS[name] for name in args.runner} if args.runner else RUNNERS
    with tempfile.TemporaryDirectory(prefix="provmix-memory-") as tmp:
        rows = memory_rows(args.shards, args.detectors, args.runs, Path(tmp), args.config, runners)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "growth_mb_per_1k_docs": growth(rows)}, indent=2))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
