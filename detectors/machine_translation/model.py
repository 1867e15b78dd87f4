"""A directory of per-language MT models: ``config.json`` plus one quantised fastText file per language.

``config.json`` (written by :mod:`detectors.training.machine_translation.train`)::

    {"name", "version", "features": bool, "chunk_tokens": int, "min_chars": int,
     "languages": {LANG: {"file", "sha256", "calibration": {...}, "threshold", "human_threshold"}}, "training": {...}}

Each fastText model has three classes (human original, human translation, mt) and reads a document as chunks of
``chunk_tokens`` tokens (:func:`detectors.machine_translation.text.model_lines`). The raw score of a document is
the mean over its chunks of ``log(P(mt) / (1 - P(mt)))`` (MT against every non-MT class), rescaled
(:data:`LOG_ODDS_SCALE`) and squashed; :class:`PlattCalibration` maps it to ``p_mt``.
"""
from __future__ import annotations

import json
from math import log
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import fasttext
import numpy as np

from provmix.detectors.base import MT
from provmix.detectors.calibration import PlattCalibration

CONFIG = "config.json"
_EPS = 1e-9
# Log-odds are divided by this before calibration. fastText's probabilities span log-odds of about +-11.5; from
# that range the Newton fit of PlattCalibration (started at a=1) diverged on uk (a ~ 1e10). A fixed monotone
# rescale: rankings, AUROC and thresholds' meaning are unchanged, the fit converges.
LOG_ODDS_SCALE = 5.0


def raw_mt_scores(model: "fasttext.FastText._FastText", documents: Sequence[Sequence[str]]) -> np.ndarray:
    """Per document ``sigmoid(mean log(P(mt) / (1 - P(mt))) / LOG_ODDS_SCALE)`` over its lines (chunks). One
    fastText call for every line of every document."""
    lines = [line for document in documents for line in document]
    owner = np.repeat(np.arange(len(documents)), [len(document) for document in documents])
    labels, probs = model.predict(lines, k=-1)
    mt = f"__label__{MT}"
    log_odds = np.fromiter((_log_odds(dict(zip(names, values)).get(mt, 0.0)) for names, values in zip(labels, probs)), float, len(lines))
    mean = np.bincount(owner, log_odds, len(documents)) / np.maximum(np.bincount(owner, minlength=len(documents)), 1)
    return 1.0 / (1.0 + np.exp(-mean / LOG_ODDS_SCALE))


def _log_odds(p_mt: float) -> float:
    return log(p_mt + _EPS) - log(max(1.0 - p_mt, 0.0) + _EPS)


@dataclass
class LanguageModel:
    """One language's classifier with its calibration and 1%-FPR threshold."""

    model: "fasttext.FastText._FastText"
    calibration: PlattCalibration
    threshold: float
    human_threshold: float | None = None  # at or below it p_mt clears the document (target miss rate on MT)

    def probabilities(self, documents: Sequence[Sequence[str]]) -> np.ndarray:
        """Calibrated p_mt per document, each given as its model lines (:func:`text.model_lines`)."""
        return self.calibration(raw_mt_scores(self.model, documents))


def read_config(directory: Path) -> dict:
    return json.loads((directory / CONFIG).read_text(encoding="utf-8"))


def load_language_models(directory: Path, config: dict) -> dict[str, LanguageModel]:
    """Every language model of ``config``."""
    models = {}
    for lang, entry in config["languages"].items():
        path = directory / entry["file"]
        models[lang] = LanguageModel(
            model=fasttext.load_model(str(path)),
            calibration=PlattCalibration.from_dict(entry["calibration"]),
            threshold=float(entry["threshold"]),
            human_threshold=entry.get("human_threshold"),
        )
    return models
