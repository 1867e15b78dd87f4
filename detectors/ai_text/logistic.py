"""A small L2-regularised logistic regression in numpy (Newton's method), stored as JSON."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass(frozen=True)
class LogisticModel:
    """``p = sigmoid(((x - mean) / scale) @ weights + bias)``; features are standardised inside the model."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Row-wise products and sums (not a BLAS matrix product), so a row's score never depends on the batch."""
        return sigmoid((((x - self.mean) / self.scale) * self.weights).sum(axis=1) + self.bias)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 100) -> "LogisticModel":
        """Minimise log-loss + ``l2/2 * |w|^2`` (the bias is not penalised)."""
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        y = np.asarray(y, dtype=np.float64)
        penalty = np.full(z.shape[1], l2)
        penalty[-1] = 0.0
        theta = np.zeros(z.shape[1])
        for _ in range(iterations):
            p = sigmoid(z @ theta)
            grad = z.T @ (p - y) + penalty * theta
            hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(theta))
            step = np.linalg.solve(hess, grad)
            theta -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(mean, scale, theta[:-1], float(theta[-1]))

    def to_dict(self) -> dict:
        return {
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "LogisticModel":
        return cls(
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            float(data["bias"]),
        )
