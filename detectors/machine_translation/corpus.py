"""WMT rows for MT detection: labels, the train/dev/test split by ``group_id``, and balanced training lines."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import xxhash

from provmix.detectors.data import read_jsonl

HUMAN = "human"
HUMAN_TRANSLATION = "human_translation"
MT = "mt"
CLASSES = (HUMAN, HUMAN_TRANSLATION, MT)
TRAIN, DEV, TEST = "train", "dev", "test"
_BUCKETS = 1000
MAX_MT_PER_REFERENCE = 4  # MT rows kept per non-MT row: every source has ~10-15 system outputs


def read_rows(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Rows of every file whose label is one of :data:`CLASSES`."""
    for path in paths:
        for row in read_jsonl(path):
            if row.get("label") in CLASSES:
                yield row


def split_of(group_id: object, dev_fraction: float, test_fraction: float, seed: int) -> str:
    """TRAIN, DEV or TEST for a group: all rows of one underlying document land in the same split."""
    # same value as detectors.data.group_fold would give (it passes a str, which xxhash 4 rejects)
    fold = xxhash.xxh64_intdigest(f"{seed}:{group_id}".encode()) % _BUCKETS / _BUCKETS
    if fold < test_fraction:
        return TEST
    return DEV if fold < test_fraction + dev_fraction else TRAIN


def reference_label(labels: Iterable[str]) -> str | None:
    """The non-MT class p_mt is scored against: originals where the language has them, else human translations."""
    present = set(labels)
    if MT not in present:
        return None
    return HUMAN if HUMAN in present else (HUMAN_TRANSLATION if HUMAN_TRANSLATION in present else None)


def balanced_lines(rows: Sequence[dict], documents: Sequence[Sequence[str]], seed: int) -> list[str]:
    """fastText training lines, every line of a document (its chunks) under the row's label: MT documents capped
    at :data:`MAX_MT_PER_REFERENCE` x the non-MT ones, which are repeated so that MT and non-MT weigh about the
    same; order shuffled deterministically."""
    rng = random.Random(seed)
    by_label: dict[str, list[Sequence[str]]] = {}
    for row, lines in zip(rows, documents):
        by_label.setdefault(row["label"], []).append(lines)
    n_reference = sum(len(v) for k, v in by_label.items() if k != MT)
    mt = by_label.get(MT, [])
    rng.shuffle(mt)
    mt = mt[: MAX_MT_PER_REFERENCE * n_reference]
    repeat = max(1, round(len(mt) / max(n_reference, 1)))
    labelled = [f"__label__{MT} {line}" for lines in mt for line in lines]
    for label, group in sorted(by_label.items()):
        if label != MT:
            labelled += [f"__label__{label} {line}" for lines in group for line in lines] * repeat
    rng.shuffle(labelled)
    return labelled
