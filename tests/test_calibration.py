"""Platt calibration: monotone, stable on separable data, and prior-free when balanced."""
from __future__ import annotations

import numpy as np

from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.evaluation.metrics import auroc


def _scores(n: int, positive_share: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_share).astype(int)
    return np.clip(rng.normal(0.4 + 0.2 * y, 0.15), 0.001, 0.999), y


def test_calibration_keeps_the_ranking() -> None:
    raw, y = _scores(3000, 0.5)
    assert auroc(y, PlattCalibration.fit(raw, y)(raw)) == auroc(y, raw)


def test_balanced_fit_removes_the_dev_set_class_ratio() -> None:
    raw, y = _scores(20000, 0.5, seed=1)
    even = PlattCalibration.fit(raw, y)
    skewed_raw, skewed_y = _scores(20000, 0.9, seed=2)  # same score distributions, 9 positives per negative
    plain = PlattCalibration.fit(skewed_raw, skewed_y)
    balanced = PlattCalibration.fit(skewed_raw, skewed_y, balanced=True)
    grid = np.linspace(0.05, 0.95, 19)
    assert np.max(np.abs(balanced(grid) - even(grid))) < 0.03
    assert plain(np.array([0.5]))[0] - even(np.array([0.5]))[0] > 0.3  # the unweighted fit learns the 90% prior


def test_separable_data_does_not_diverge() -> None:
    y = np.array([0] * 50 + [1] * 50)
    raw = np.r_[np.linspace(0.01, 0.4, 50), np.linspace(0.6, 0.99, 50)]
    fitted = PlattCalibration.fit(raw, y, balanced=True)
    assert np.isfinite([fitted.a, fitted.b]).all() and 0 < fitted.a < 100
