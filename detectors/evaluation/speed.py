"""Throughput of a detector on one core: ``python -m provmix.detectors.ai_text.speed [--detector SPEC] [--data FILE]``.

Reports documents per CPU-second (process time, so other load on the machine does not count against it) and
per wall-clock second, over the English texts of the data, normalisation and abstain checks included.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from provmix.detectors.ai_text.fit import default_data_files, load_rows
from provmix.detectors.registry import load_detector


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.ai_text.speed", description=__doc__)
    parser.add_argument("--detector", default="ai-default")
    parser.add_argument("--data", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    rows = [r for r in load_rows(args.data or default_data_files()) if r.get("lang") == "en"][: args.limit]
    texts, langs = [r["text"] for r in rows], [r["lang"] for r in rows]
    detector = load_detector(args.detector)
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(texts), args.batch_size):
        detector.score(texts[start : start + args.batch_size], langs[start : start + args.batch_size])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    chars = sum(map(len, texts)) / max(len(texts), 1)
    print(f"{args.detector}: {len(texts)} docs (mean {chars:.0f} chars): {len(texts) / cpu:.0f} docs/CPU-s, "
          f"{len(texts) / wall:.0f} docs/s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
