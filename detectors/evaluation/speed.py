"""Throughput of any detector spec on one core: ``python -m provmix.detectors.evaluation.speed --detector SPEC``.

Scores labelled rows in pipeline-sized batches after one warm-up batch and reports documents per CPU-second
(process time, so other load on the machine does not count against it) and per wall-clock second, normalisation
and abstain checks included. Without ``--data`` the rows follow the detector's kind: English AI-text and human web
rows for an AI detector, WMT23 for an MT detector.
"""
from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from typing import Sequence

from provmix.detectors.base import AI, Detector
from provmix.detectors.registry import load_detector
from provmix.detectors.training.data import read_jsonl


def default_rows(detector: Detector) -> tuple[list[Path], str | None]:
    """The data files and language a detector of this kind is timed on when ``--data`` is not given."""
    if detector.info.kind == AI:
        from provmix.detectors.training.ai_text.fit import default_data_files

        return default_data_files(), "en"
    from provmix.detectors.training.machine_translation.train import DATA_DIR

    return [DATA_DIR / "wmt23.jsonl.gz"], None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.evaluation.speed", description=__doc__)
    parser.add_argument("--detector", default="ai-default", help="registry spec (default ai-default)")
    parser.add_argument("--data", nargs="+", type=Path, help="labelled JSONL(.gz) files")
    parser.add_argument("--lang", help="score only rows of this language")
    parser.add_argument("--limit", type=int, default=5000, help="rows to score")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    detector = load_detector(args.detector)
    paths, lang = (args.data, args.lang) if args.data else default_rows(detector)
    lang = args.lang or lang
    rows = (row for path in paths for row in read_jsonl(path) if lang is None or row.get("lang") == lang)
    batch = [(r["text"], r.get("lang")) for r in itertools.islice(rows, args.limit)]
    texts, langs = [text for text, _ in batch], [row_lang for _, row_lang in batch]
    detector.score(texts[: args.batch_size], langs[: args.batch_size])  # warm-up
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
