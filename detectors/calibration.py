"""Probability calibration fitted on a dev split, stored as JSON next to the model it calibrates."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np


def _log_loss(a: float, b: float, x: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    z = a * x + b
    return float(np.sum(w * (np.logaddexp(0, z) - t * z)))


@dataclass(frozen=True)
class PlattCalibration:
    """``p = sigmoid(a * logit(raw) + b)``: monotone, so AUROC is unchanged; fitted by Newton's method."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        raw = np.clip(np.asarray(raw, dtype=np.float64), 1e-6, 1 - 1e-6)
        z = self.a * np.log(raw / (1 - raw)) + self.b
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def fit(
        cls, raw: Sequence[float], y_true: Sequence[int], iterations: int = 50, balanced: bool = False
    ) -> "PlattCalibration":
        """Fit on dev scores. ``balanced`` weighs both classes equally, so the output is the probability under
        equal priors (a likelihood ratio in probability form) whatever the class ratio of the dev set."""
        x = np.clip(np.asarray(raw, dtype=np.float64), 1e-6, 1 - 1e-6)
        x = np.log(x / (1 - x))
        y = np.asarray(y_true, dtype=np.float64)
        # Platt's smoothed targets avoid infinite weights on separable data.
        n_pos, n_neg = y.sum(), len(y) - y.sum()
        t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        w = np.where(y > 0, len(y) / (2 * n_pos), len(y) / (2 * n_neg)) if balanced else np.ones_like(y)
        a, b = 1.0, 0.0
        loss = _log_loss(a, b, x, t, w)
        for _ in range(iterations):
            p = 1.0 / (1.0 + np.exp(-(a * x + b)))
            h = w * p * (1 - p) + 1e-12
            grad = np.array([np.sum(w * (p - t) * x), np.sum(w * (p - t))])
            hess = np.array([[np.sum(h * x * x), np.sum(h * x)], [np.sum(h * x), np.sum(h)]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(hess, grad)
            # backtracking line search: Newton steps overshoot on (nearly) separable data
            scale = 1.0
            while scale > 1e-6:
                candidate = (a - scale * step[0], b - scale * step[1])
                candidate_loss = _log_loss(*candidate, x, t, w)
                if candidate_loss <= loss:
                    break
                scale /= 2
            else:
                break
            a, b = candidate
            improvement, loss = loss - candidate_loss, candidate_loss
            if improvement < 1e-12:
                break
        return cls(float(a), float(b))

    def to_dict(self) -> dict:
        return {"method": "platt", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "PlattCalibration":
        if data.get("method") != "platt":
            raise ValueError(f"unsupported calibration method {data.get('method')!r}")
        return cls(float(data["a"]), float(data["b"]))
