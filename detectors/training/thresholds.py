"""Operating points that hold per source: the false-positive rate (ai side) and the miss rate (human side) are
averaged over sources, not rows."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def macro_fpr(negative_scores: dict[str, np.ndarray], thresholds: np.ndarray) -> np.ndarray:
    """For each threshold, the mean over sources of the share of a source's negatives scoring at or above it."""
    shares = [1.0 - np.searchsorted(np.sort(s), thresholds, side="left") / len(s) for s in negative_scores.values()]
    return np.mean(shares, axis=0)


def human_threshold_at_macro_miss(y: Sequence[int], scores: Sequence[float], sources: Sequence[str],
                                  target_miss: float) -> float | None:
    """Largest score at or below which, averaged over the sources of the positives, at most ``target_miss`` of the
    positives fall: the operating point below which a text is cleared as human (None without positives)."""
    y = np.asarray(y, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    sources = np.asarray(sources)
    positives = {s: np.sort(scores[y & (sources == s)]) for s in sorted(set(sources[y]))}
    if not positives:
        return None
    candidates = np.unique(np.nextafter(scores[y], -np.inf))  # each keeps one more positive below it
    misses = np.mean([np.searchsorted(p, candidates, side="right") / len(p) for p in positives.values()], axis=0)
    ok = np.flatnonzero(misses <= target_miss)
    return float(candidates[ok[-1]]) if len(ok) else None


def threshold_at_macro_fpr(y: Sequence[int], scores: Sequence[float], sources: Sequence[str],
                           target_fpr: float) -> float:
    """Smallest threshold whose false-positive rate, averaged over the sources of the negatives, is at most
    ``target_fpr``; a big source of easy negatives then cannot hide a small source the detector misreads."""
    y = np.asarray(y, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    sources = np.asarray(sources)
    negatives = {s: scores[~y & (sources == s)] for s in sorted(set(sources[~y]))}
    if not negatives:
        return 0.5
    candidates = np.unique(np.nextafter(scores[~y], np.inf))  # ascending: each lets one more negative pass
    fprs = macro_fpr(negatives, candidates)
    ok = np.flatnonzero(fprs <= target_fpr)
    return float(candidates[ok[0]]) if len(ok) else float(candidates[-1])
