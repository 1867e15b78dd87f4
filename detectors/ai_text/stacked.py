"""The shipped AI-text model: fastText bag-of-n-grams and/or stylometric features, stacked by a logistic
regression, Platt-calibrated, with a decision threshold for a target false-positive rate.

On disk (one folder): ``model.json`` (stack weights, calibration, threshold, settings) and, when the variant uses
it, ``model.ftz`` (a quantised fastText model). Both are read with safe loaders only.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import fasttext
import numpy as np

from provmix.detectors.ai_text.features import FEATURE_NAMES, feature_matrix
from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.artifacts import file_sha256, verify_checksums
from provmix.detectors.calibration import PlattCalibration

MODEL_JSON = "model.json"
FASTTEXT_FILE = "model.ftz"
AI_LABEL = "__label__ai"
HUMAN_LABEL = "__label__human"
VARIANTS = ("fasttext", "features", "stacked", "length")  # "length" is the confound baseline, never shipped
_TOKEN = re.compile(r"\w+|[^\w\s]")


def fasttext_line(text: str, max_chars: int) -> str:
    """fastText's view of a normalised text: one lower-cased line of word and punctuation tokens."""
    return " ".join(_TOKEN.findall(text[:max_chars].lower()))


def fasttext_logit(model: "fasttext.FastText._FastText", texts: list[str], max_chars: int) -> np.ndarray:
    """log-odds of the AI label for each text (clipped so a saturated probability stays finite)."""
    if not texts:
        return np.zeros(0)
    labels, probs = model.predict([fasttext_line(t, max_chars) for t in texts], k=2)
    p_ai = np.array([dict(zip(ls, ps)).get(AI_LABEL, 0.0) for ls, ps in zip(labels, probs)], dtype=np.float64)
    p_ai = np.clip(p_ai, 1e-5, 1 - 1e-5)
    return np.log(p_ai / (1 - p_ai))


def uses_fasttext(variant: str) -> bool:
    return variant in ("fasttext", "stacked")


def uses_features(variant: str) -> bool:
    return variant in ("features", "stacked")


def input_names(variant: str) -> list[str]:
    """Column names of :func:`stack_inputs` for ``variant``."""
    names = ["fasttext_logit"] if uses_fasttext(variant) else []
    names += list(FEATURE_NAMES) if uses_features(variant) else []
    return names + (["log_chars"] if variant == "length" else [])


def stack_inputs(variant: str, texts: list[str], max_chars: int, fasttext_logits: np.ndarray | None) -> np.ndarray:
    """The logistic regression's input matrix: fastText log-odds, stylometric features and/or log length."""
    columns = []
    if uses_fasttext(variant):
        columns.append(np.asarray(fasttext_logits)[:, None])
    if uses_features(variant):
        columns.append(feature_matrix([t[:max_chars] for t in texts]))
    if variant == "length":
        columns.append(np.log1p([len(t) for t in texts])[:, None])
    return np.hstack(columns)


@dataclass(frozen=True)
class StackedModel:
    """Scores normalised texts; ``raw`` feeds calibration, ``probability`` is the calibrated output."""

    variant: str
    logistic: LogisticModel
    max_chars: int
    fasttext_model: object | None = None
    calibration: PlattCalibration = field(default_factory=PlattCalibration)
    threshold: float | None = None
    human_threshold: float | None = None  # at or below it a text is cleared as human (target miss rate)
    metadata: dict = field(default_factory=dict)

    def inputs(self, texts: list[str]) -> np.ndarray:
        logits = fasttext_logit(self.fasttext_model, texts, self.max_chars) if uses_fasttext(self.variant) else None
        return stack_inputs(self.variant, texts, self.max_chars, logits)

    def raw(self, texts: list[str]) -> np.ndarray:
        return self.logistic.predict(self.inputs(texts)) if texts else np.zeros(0)

    def probability(self, texts: list[str]) -> np.ndarray:
        return self.calibration(self.raw(texts)) if texts else np.zeros(0)

    def save(self, folder: Path) -> dict[str, str]:
        """Write the model files into ``folder``; returns {file name: sha256}."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.fasttext_model is not None:
            self.fasttext_model.save_model(str(folder / FASTTEXT_FILE))
        else:
            (folder / FASTTEXT_FILE).unlink(missing_ok=True)
        document = {
            "variant": self.variant,
            "max_chars": self.max_chars,
            "inputs": input_names(self.variant),
            "logistic": self.logistic.to_dict(),
            "calibration": self.calibration.to_dict(),
            "threshold": self.threshold,
            **({"human_threshold": self.human_threshold} if self.human_threshold is not None else {}),
            **self.metadata,
        }
        (folder / MODEL_JSON).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return file_digests(folder)

    @classmethod
    def load(cls, folder: Path) -> "StackedModel":
        verify_checksums(folder)
        document = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        if document["variant"] not in VARIANTS:
            raise ValueError(f"unknown model variant {document['variant']!r}")
        fasttext_path = folder / FASTTEXT_FILE
        model = fasttext.load_model(str(fasttext_path)) if uses_fasttext(document["variant"]) else None
        known = {"variant", "max_chars", "inputs", "logistic", "calibration", "threshold", "human_threshold"}
        return cls(
            variant=document["variant"],
            logistic=LogisticModel.from_dict(document["logistic"]),
            max_chars=int(document["max_chars"]),
            fasttext_model=model,
            calibration=PlattCalibration.from_dict(document["calibration"]),
            threshold=document["threshold"],
            human_threshold=document.get("human_threshold"),
            metadata={k: v for k, v in document.items() if k not in known},
        )


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of each model file in ``folder`` (model.json and model.ftz)."""
    names = [n for n in (MODEL_JSON, FASTTEXT_FILE) if (folder / n).exists()]
    return {n: file_sha256(folder / n) for n in names}

