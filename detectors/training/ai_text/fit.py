"""Fitting the shipped AI-text model: fastText (out-of-fold for stacking), logistic stack, Platt calibration.

Everything is deterministic for a given seed: fastText runs with one thread and a fixed seed, row order is
shuffled with a seeded generator, and every split hashes ``group_id``.
"""
from __future__ import annotations

import ctypes
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

import fasttext
import numpy as np

from provmix.detectors.ai_text.default import scorable
from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.ai_text.stacked import (
    AI_LABEL,
    HUMAN_LABEL,
    StackedModel,
    fasttext_line,
    fasttext_logit,
    stack_inputs,
    uses_fasttext,
)
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.normalize import normalize_text
from provmix.detectors.training.data import SHARED_DATA, group_fold, read_jsonl, split_by_group
from provmix.detectors.training.thresholds import human_threshold_at_macro_miss, threshold_at_macro_fpr

AI_LABEL_VALUE = "ai"
DATA_ENV = "PROVMIX_AI_DATA"


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a training run; recorded in the model card."""

    seed: int = 0
    variant: str = "stacked"
    dim: int = 32
    epoch: int = 10
    lr: float = 0.3
    word_ngrams: int = 2
    min_count: int = 2
    bucket: int = 200_000
    quantize_cutoff: int = 50_000
    max_chars: int = 2000
    stack_folds: int = 4
    l2: float = 1.0
    calibration_fraction: float = 0.2
    target_fpr: float = 0.01
    target_miss: float = 0.05  # share of calibration AI texts the human operating point may clear
    min_chars: int = 200

    def as_dict(self) -> dict:
        return asdict(self)


def with_group_ids(rows: Iterable[dict]) -> list[dict]:
    """Rows with a ``group_id``; files without one (raidar, chatgpt-detector-bias) get ``source/domain/index``,
    which pairs a human text with its LLM rewrite (the source repositories align rewrites to originals by index)."""
    out = []
    for row in rows:
        if row.get("group_id") is None:
            row = {**row, "group_id": f"{row['source']}/{row['domain']}/{row.get('origin_index')}"}
        out.append(row)
    return out


def load_rows(paths: Sequence[str | Path]) -> list[dict]:
    """All labelled rows of the given JSONL(.gz) files, with group ids."""
    return with_group_ids(row for path in paths for row in read_jsonl(path))


def default_data_files() -> list[Path]:
    """``$PROVMIX_AI_DATA/*.jsonl.gz``, else ``<repo>/../shared/data/{ai-text,human-web}/*.jsonl.gz``."""
    if os.environ.get(DATA_ENV):
        return sorted(Path(os.environ[DATA_ENV]).glob("*.jsonl.gz"))
    return sorted(p for folder in ("ai-text", "human-web") for p in (SHARED_DATA / folder).glob("*.jsonl.gz"))


def labels(rows: Sequence[dict]) -> np.ndarray:
    return np.array([row["label"] == AI_LABEL_VALUE for row in rows], dtype=np.int64)


def train_fasttext(texts: Sequence[str], y: np.ndarray, config: TrainConfig, quantize: bool) -> object:
    """A supervised fastText model on normalised ``texts`` (seeded shuffle, one thread: deterministic)."""
    order = np.random.default_rng(config.seed).permutation(len(texts))
    lines = [fasttext_line(texts[i], config.max_chars) for i in order]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.txt"
        with path.open("w", encoding="utf-8") as f:
            for i, line in zip(order, lines):
                f.write(f"{AI_LABEL if y[i] else HUMAN_LABEL} {line}\n")
        model = _train_supervised(str(path), config)
        if quantize:
            cutoff = min(config.quantize_cutoff, distinct_ngrams(lines, config.word_ngrams))
            model.quantize(input=str(path), retrain=True, cutoff=cutoff, qnorm=True, thread=1, verbose=0)
    return model


def distinct_ngrams(lines: Sequence[str], n: int) -> int:
    """Distinct word n-grams (1..n) in ``lines``: more embedding rows than this carry nothing worth keeping."""
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        tokens = line.split()
        for size in range(1, n + 1):
            seen.update(zip(*(tokens[k:] for k in range(size))))
    return len(seen)


_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


def _fresh_large_allocations() -> None:
    """Make fastText start from a defined matrix.

    fastText (0.9.x, and fasttext-numpy2 0.10.4) initialises its input matrix in ten blocks but only runs
    ``thread`` of them, so with ``thread=1`` nine tenths of the matrix is whatever ``malloc`` hands back: zeros on
    a fresh mapping, garbage when glibc reuses freed heap memory. Every other training call in a process then
    aborted with "Encountered NaN" (measured). Pinning glibc's mmap threshold makes every large matrix a fresh,
    zero-filled mapping: training is deterministic and never starts from garbage. No-op off glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError):
        pass


def _train_supervised(path: str, config: TrainConfig) -> object:
    _fresh_large_allocations()
    return fasttext.train_supervised(
        input=path, dim=config.dim, epoch=config.epoch, lr=config.lr, wordNgrams=config.word_ngrams,
        minCount=config.min_count, bucket=config.bucket, thread=1, seed=config.seed, verbose=0,
    )


def out_of_fold_fasttext(texts: list[str], y: np.ndarray, groups: list[str], config: TrainConfig) -> np.ndarray:
    """fastText logits for each text from a model that never saw its group (the stack's honest input)."""
    folds = np.array([group_fold(g, config.stack_folds, config.seed) for g in groups])
    logits = np.zeros(len(texts))
    for k in range(config.stack_folds):
        held = np.flatnonzero(folds == k)
        kept = np.flatnonzero(folds != k)
        model = train_fasttext([texts[i] for i in kept], y[kept], config, quantize=False)
        logits[held] = fasttext_logit(model, [texts[i] for i in held], config.max_chars)
    return logits


def weighted(rows: Sequence[dict]) -> list[dict]:
    """Each row repeated ``weight`` times (default 1; 0 drops it): fastText takes no sample weights."""
    return [row for row in rows for _ in range(row.get("weight", 1))]


def fit_models(rows: Sequence[dict], config: TrainConfig, variants: Sequence[str],
               held_out_calibration: Sequence[dict] = ()) -> dict[str, StackedModel]:
    """One calibrated :class:`StackedModel` per variant, sharing the fastText work; ``rows`` need group ids.

    A share of ``rows``' groups plus ``held_out_calibration`` (sources the fit never sees) fit the Platt
    calibration, the threshold, which keeps the false-positive rate averaged over their sources at the target, and
    the human operating point, below which at most ``target_miss`` of their AI texts fall.
    """
    fit_rows, calibration_rows = split_by_group(rows, config.calibration_fraction, seed=config.seed + 1)
    fit_rows = weighted(fit_rows)
    calibration_rows = [r for r in [*calibration_rows, *held_out_calibration] if r.get("weight", 1) > 0]
    texts = [normalize_text(row["text"]) for row in fit_rows]
    y = labels(fit_rows)
    fasttext_model, oof = None, None
    if any(uses_fasttext(v) for v in variants):
        oof = out_of_fold_fasttext(texts, y, [row["group_id"] for row in fit_rows], config)
        fasttext_model = train_fasttext(texts, y, config, quantize=True)
    calibration_texts, calibration_y, calibration_sources = _scorable(calibration_rows, config.min_chars)
    models = {}
    for variant in variants:
        inputs = stack_inputs(variant, texts, config.max_chars, oof)
        model = StackedModel(variant, LogisticModel.fit(inputs, y, l2=config.l2), config.max_chars,
                             fasttext_model if uses_fasttext(variant) else None)
        calibration = PlattCalibration.fit(model.raw(calibration_texts), calibration_y)
        model = replace(model, calibration=calibration)
        probability = model.probability(calibration_texts)
        threshold = threshold_at_macro_fpr(calibration_y, probability, calibration_sources, config.target_fpr)
        human = human_threshold_at_macro_miss(calibration_y, probability, calibration_sources, config.target_miss)
        models[variant] = replace(model, threshold=threshold,
                                  human_threshold=None if human is None else min(human, threshold))
    return models


def _scorable(rows: Sequence[dict], min_chars: int) -> tuple[list[str], np.ndarray, list[str]]:
    texts = [normalize_text(row["text"]) for row in rows]
    keep = [i for i, (t, row) in enumerate(zip(texts, rows)) if scorable(t, row.get("lang"), min_chars)]
    return [texts[i] for i in keep], labels([rows[i] for i in keep]), [rows[i]["source"] for i in keep]
