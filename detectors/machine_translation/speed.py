"""Scoring throughput of an MT detector on one core: ``python -m provmix.detectors.machine_translation.speed``.

Scores labelled rows in pipeline-sized batches (single-threaded: fastText predicts on the calling thread) and
prints documents per second of CPU time and of wall time, with the mean document length.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from typing import Sequence

from provmix.detectors.machine_translation.corpus import read_rows
from provmix.detectors.machine_translation.train import DATA_DIR
from provmix.detectors.registry import load_detector

BATCH = 512


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.machine_translation.speed", description=__doc__.split("\n")[0])
    parser.add_argument("--data", action="append", help="labelled JSONL(.gz) (default: WMT23)")
    parser.add_argument("--detector", default="mt-default")
    parser.add_argument("--limit", type=int, default=20000, help="rows to score")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    rows = list(itertools.islice(read_rows(args.data or [DATA_DIR / "wmt23.jsonl.gz"]), args.limit))
    texts, langs = [r["text"] for r in rows], [r["lang"] for r in rows]
    detector = load_detector(args.detector)
    detector.score(texts[:BATCH], langs[:BATCH])  # warm-up
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(texts), BATCH):
        detector.score(texts[start : start + BATCH], langs[start : start + BATCH])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    mean_chars = sum(map(len, texts)) / max(len(texts), 1)
    print(f"{len(texts)} docs, mean {mean_chars:.0f} chars: {len(texts) / cpu:.0f} docs/s CPU, {len(texts) / wall:.0f} docs/s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
