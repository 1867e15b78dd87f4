"""Labelled JSONL data sets (``../shared/data`` layout) and group-aware splits."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Iterable, Iterator

import xxhash

# the project's data sets: ``<repo>/../shared/data`` (see its README)
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Rows of a ``.jsonl`` or ``.jsonl.gz`` file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def group_fold(group_id: object, n_folds: int, seed: int = 0) -> int:
    """Deterministic fold of a ``group_id``: rows of one underlying document never straddle folds."""
    return xxhash.xxh64_intdigest(f"{seed}:{group_id}".encode("utf-8")) % n_folds


def split_by_group(rows: Iterable[dict], dev_fraction: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, dev) split by ``group_id`` hash; the dev share is ``dev_fraction`` of groups in expectation."""
    buckets = 1000
    cut = int(round(dev_fraction * buckets))
    train, dev = [], []
    for row in rows:
        (dev if group_fold(row["group_id"], buckets, seed) < cut else train).append(row)
    return train, dev
