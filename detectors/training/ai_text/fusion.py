"""Late fusion of two AI-text detectors: a logistic regression on their calibrated log-odds.

Measured with ai-default + ai-minilm in docs/ai-detector.md (``minilm_train --fusion-protocols``): fitted on
rows both detectors never trained on (their shared calibration split), it abstains where either abstains.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.base import Detector, Scores
from provmix.detectors.training.ai_text.fit import labels


def log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class FusedDetector:
    """``p = sigmoid(w · [logit p_first, logit p_second] + b)``; reports ``first``'s info."""

    def __init__(self, first: Detector, second: Detector, logistic: LogisticModel) -> None:
        self.first, self.second, self.logistic = first, second, logistic
        self.info = first.info

    def inputs(self, texts: Sequence[str], langs: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """([n, 2] log-odds, abstain mask); rows either detector abstains on hold NaN."""
        a, b = self.first.score(texts, langs), self.second.score(texts, langs)
        return np.c_[log_odds(a.probability), log_odds(b.probability)], a.abstain | b.abstain

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        x, abstain = self.inputs(texts, langs)
        probability = np.full(len(texts), np.nan)
        if (~abstain).any():
            probability[~abstain] = self.logistic.predict(x[~abstain])
        return Scores.build(probability, abstain)


def fit_fusion(first: Detector, second: Detector, rows: Sequence[dict], l2: float = 1.0) -> FusedDetector:
    """Fit the fusion weights on ``rows`` (held out from both detectors' training)."""
    unfitted = FusedDetector(first, second, LogisticModel(np.zeros(2), np.ones(2), np.zeros(2), 0.0))
    x, abstain = unfitted.inputs([r["text"] for r in rows], [r.get("lang") for r in rows])
    y = labels(rows)
    return FusedDetector(first, second, LogisticModel.fit(x[~abstain], y[~abstain], l2=l2))
