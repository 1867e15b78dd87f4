"""Labelled rows for MT detection: labels, the train/dev/test roles of rows, and balanced training lines.

Every non-MT row (human originals, human web text, LLM text) is a negative: ``p_mt`` answers "was this
machine-translated", so LLM text (label ``ai``) trains under the ``human`` class, and post-edited MT is ``mt``.
Rows are split by ``group_id`` hash; whole sources in :data:`HELD_OUT_SOURCES` never train or calibrate (their
false-positive rates are reported as never seen), and whole files passed for calibration only are dev.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import xxhash

from provmix.detectors.training.data import group_fold, read_jsonl

HUMAN = "human"
HUMAN_TRANSLATION = "human_translation"
MT = "mt"
AI = "ai"
CLASSES = (HUMAN, HUMAN_TRANSLATION, MT)  # the fastText classes
LABELS = (*CLASSES, AI)  # the row labels read
ORIGINALS = (HUMAN, AI)  # written in the language: the negatives the threshold holds the false-positive rate on
TRAIN, DEV, TEST = "train", "dev", "test"
_BUCKETS = 1000
MAX_MT_PER_REFERENCE = 4  # MT rows kept per non-MT row: every source has ~10-15 system outputs
MAX_ORIGINALS_PER_SOURCE = 3000  # training rows per (source, language) of originals: no corpus outweighs the rest
# Whole sources kept out of training and calibration: a human web source and LLM sources whose false-positive
# rates are reported as never seen (raidar and chatgpt-detector-bias also carry no group_id to split by).
HELD_OUT_SOURCES = frozenset({"gum-docs", "biscope", "chatgpt-detector-bias", "gum-summaries", "raidar"})
# Domains whose rows may themselves be translations on either side, so neither original nor MT: HC3's
# translation/summary/paraphrase task (ChatGPT translations as ``ai``, WMT reference translations as ``human``).
EXCLUDED_DOMAINS = frozenset({"hc3_si_translation_summary_paraphrase"})


def read_rows(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Rows of every file whose label is one of :data:`LABELS`, outside :data:`EXCLUDED_DOMAINS`."""
    for path in paths:
        for row in read_jsonl(path):
            if row.get("label") in LABELS and row.get("domain") not in EXCLUDED_DOMAINS:
                yield row


def training_label(row: dict) -> str:
    """The fastText class of a row: LLM text is not MT, so it trains as an original."""
    return HUMAN if row["label"] == AI else row["label"]


def split_of(group_id: object, dev_fraction: float, test_fraction: float, seed: int) -> str:
    """TRAIN, DEV or TEST for a group: all rows of one underlying document land in the same split."""
    fold = group_fold(group_id, _BUCKETS, seed) / _BUCKETS
    if fold < test_fraction:
        return TEST
    return DEV if fold < test_fraction + dev_fraction else TRAIN


def role_of(row: dict, dev_fraction: float, test_fraction: float, seed: int) -> str:
    """The row's split: TEST for a held-out source, else its ``group_id``'s split."""
    if row.get("source") in HELD_OUT_SOURCES:
        return TEST
    return split_of(row["group_id"], dev_fraction, test_fraction, seed)


def cap_originals(rows: Sequence[dict], seed: int) -> list[dict]:
    """Rows with at most :data:`MAX_ORIGINALS_PER_SOURCE` originals per (source, language), chosen by
    ``group_id`` hash (deterministic); MT and human-translation rows are all kept."""
    by_source: dict[tuple[str, str], list[dict]] = {}
    kept = []
    for row in rows:
        if row["label"] in ORIGINALS:
            by_source.setdefault((row.get("source") or "", row["lang"]), []).append(row)
        else:
            kept.append(row)
    for group in by_source.values():
        group.sort(key=lambda r: xxhash.xxh64_intdigest(f"{seed}:{r.get('group_id')}:{r['text'][:64]}".encode()))
        kept += group[:MAX_ORIGINALS_PER_SOURCE]
    return kept


def has_classes(labels: Iterable[str]) -> bool:
    """Whether a language's training rows hold both MT and originals (human or LLM text)."""
    present = set(labels)
    return MT in present and bool(present & set(ORIGINALS))


def balanced_lines(rows: Sequence[dict], documents: Sequence[Sequence[str]], seed: int) -> list[str]:
    """fastText training lines, every line of a document (its chunks) under the row's class: MT documents capped
    at :data:`MAX_MT_PER_REFERENCE` x the non-MT ones, whose lines are repeated so that MT and non-MT lines weigh
    about the same (a web sentence is one line, a WMT document several); order shuffled deterministically."""
    rng = random.Random(seed)
    by_label: dict[str, list[Sequence[str]]] = {}
    for row, lines in zip(rows, documents):
        by_label.setdefault(training_label(row), []).append(lines)
    n_reference = sum(len(v) for k, v in by_label.items() if k != MT)
    mt = by_label.get(MT, [])
    rng.shuffle(mt)
    mt = mt[: MAX_MT_PER_REFERENCE * n_reference]
    labelled = [f"__label__{MT} {line}" for lines in mt for line in lines]
    reference = [
        f"__label__{label} {line}" for label, group in sorted(by_label.items()) if label != MT for lines in group for line in lines
    ]
    labelled += reference * max(1, round(len(labelled) / max(len(reference), 1)))
    rng.shuffle(labelled)
    return labelled
