"""Detection metrics: AUROC, TPR at a fixed false-positive rate, accuracy at a threshold."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def auroc(y_true: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann–Whitney U with average ranks for ties); NaN if one class is missing."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # average ranks over ties
    boundaries = np.flatnonzero(np.diff(sorted_s)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(s)]))
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def threshold_at_fpr(y_true: Sequence[int], scores: Sequence[float], target_fpr: float) -> float:
    """Smallest threshold whose false-positive rate (score >= threshold on negatives) is <= ``target_fpr``."""
    y = np.asarray(y_true, dtype=bool)
    neg = np.sort(np.asarray(scores, dtype=np.float64)[~y])[::-1]
    if len(neg) == 0:
        return 0.5
    allowed = int(np.floor(target_fpr * len(neg)))  # negatives allowed at or above the threshold
    if allowed >= len(neg):
        return float(neg[-1])
    return float(np.nextafter(neg[allowed], np.inf))


def tpr_at_fpr(y_true: Sequence[int], scores: Sequence[float], target_fpr: float) -> float:
    """True-positive rate at the threshold that keeps the false-positive rate <= ``target_fpr``."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.sum() == 0:
        return float("nan")
    t = threshold_at_fpr(y, s, target_fpr)
    return float((s[y] >= t).mean())


def accuracy_at(y_true: Sequence[int], scores: Sequence[float], threshold: float) -> float:
    y = np.asarray(y_true, dtype=bool)
    return float(((np.asarray(scores) >= threshold) == y).mean()) if len(y) else float("nan")


def summary(y_true: Sequence[int], scores: Sequence[float], threshold: float | None = None) -> dict:
    """The metrics every evaluation table reports."""
    out = {
        "n": int(len(y_true)),
        "positives": int(np.sum(y_true)),
        "auroc": auroc(y_true, scores),
        "tpr_at_1pct_fpr": tpr_at_fpr(y_true, scores, 0.01),
        "tpr_at_5pct_fpr": tpr_at_fpr(y_true, scores, 0.05),
    }
    if threshold is not None:
        out["accuracy_at_threshold"] = accuracy_at(y_true, scores, threshold)
    return out
