"""A directory of per-language MT models: ``config.json`` plus one quantised fastText file per language.

``config.json`` (written by :mod:`detectors.machine_translation.train`)::

    {"name", "version", "features": bool, "min_chars": int,
     "languages": {LANG: {"file", "sha256", "reference_label", "calibration": {...}, "threshold"}}, "training": {...}}

Each fastText model has three classes (human, human_translation, mt). The raw score of a text is
``P(mt) / (P(mt) + P(reference))`` with ``reference`` the language's non-MT class (``human``, or
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


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_mt_scores(model: "fasttext.FastText._FastText", lines: Sequence[str], reference: str) -> np.ndarray:
    """``P(mt) / (P(mt) + P(reference))`` per line: MT against the language's non-MT class only."""
    labels, probs = model.predict(list(lines), k=-1)
    out = np.empty(len(lines))
    for i, (names, values) in enumerate(zip(labels, probs)):
        p = dict(zip(names, values))
        p_mt = p.get(f"__label__{MT}", 0.0)
        out[i] = (p_mt + _EPS) / (p_mt + p.get(f"__label__{reference}", 0.0) + 2 * _EPS)
    return out


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
