"""A directory of per-language MT models: ``config.json`` plus one quantised fastText file per language.

``config.json`` (written by :mod:`detectors.machine_translation.train`)::

    {"name", "version", "features": bool, "min_chars": int,
     "languages": {LANG: {"file", "sha256", "reference_label", "calibration": {...}, "threshold"}}, "training": {...}}

Each fastText model has three classes (human, human_translation, mt). The raw score of a text is
``P(mt) / (P(mt) + P(reference))`` (log-odds rescaled, see :data:`LOG_ODDS_SCALE`) with ``reference`` the language's non-MT class (``human``, or
``human_translation`` where no originals existed, i.e. hr); :class:`PlattCalibration` maps it to ``p_mt``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import fasttext
import numpy as np

from detectors.calibration import PlattCalibration
from detectors.machine_translation.corpus import MT

CONFIG = "config.json"
_EPS = 1e-9
# Log-odds are divided by this before calibration. fastText's probabilities span log-odds of about +-11.5; from
# that range the Newton fit of PlattCalibration (started at a=1) diverged on uk (a ~ 1e10). A fixed monotone
# rescale: rankings, AUROC and thresholds' meaning are unchanged, the fit converges.
LOG_ODDS_SCALE = 5.0


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_mt_scores(model: "fasttext.FastText._FastText", lines: Sequence[str], reference: str) -> np.ndarray:
    """``sigmoid(log(P(mt) / P(reference)) / LOG_ODDS_SCALE)`` per line: MT against the language's non-MT
    class only (the rescaled ``P(mt) / (P(mt) + P(reference))``)."""
    labels, probs = model.predict(list(lines), k=-1)
    log_odds = np.empty(len(lines))
    for i, (names, values) in enumerate(zip(labels, probs)):
        p = dict(zip(names, values))
        log_odds[i] = np.log(p.get(f"__label__{MT}", 0.0) + _EPS) - np.log(p.get(f"__label__{reference}", 0.0) + _EPS)
    return 1.0 / (1.0 + np.exp(-log_odds / LOG_ODDS_SCALE))


@dataclass
class LanguageModel:
    """One language's classifier with its calibration and 1%-FPR threshold."""

    model: "fasttext.FastText._FastText"
    reference_label: str
    calibration: PlattCalibration
    threshold: float

    def probabilities(self, lines: Sequence[str]) -> np.ndarray:
        return self.calibration(raw_mt_scores(self.model, lines, self.reference_label))


def read_config(directory: Path) -> dict:
    return json.loads((directory / CONFIG).read_text(encoding="utf-8"))


def load_language_models(directory: Path, config: dict) -> dict[str, LanguageModel]:
    """Every language model of ``config``, each file checked against its recorded sha256."""
    models = {}
    for lang, entry in config["languages"].items():
        path = directory / entry["file"]
        if sha256_of(path) != entry["sha256"]:
            raise ValueError(f"{path} does not match the sha256 recorded in {CONFIG}")
        models[lang] = LanguageModel(
            model=fasttext.load_model(str(path)),
            reference_label=entry["reference_label"],
            calibration=PlattCalibration.from_dict(entry["calibration"]),
            threshold=float(entry["threshold"]),
        )
    return models
