"""The shipped default AI-text detector (``ai-default``): English only, CPU-fast, calibrated.

It scores the normalised text (:func:`detectors.normalize.normalize_text`) with the stacked fastText +
stylometry model in ``detectors/models/ai-default/`` and abstains on non-English texts and on texts shorter than
``min_chars`` normalised characters (default: the value the model was trained with, 200).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.ai_text.stacked import StackedModel, file_digests
from provmix.detectors.artifacts import combined_digest
from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.normalize import normalize_text

NAME = "ai-default"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / NAME
LANGUAGES = ("en",)
DEFAULT_MIN_CHARS = 200
PREFIX_FACTOR = 2  # normalise a raw prefix twice the model's input length (normalising can only shorten text)


def scorable(text: str, lang: str | None, min_chars: int) -> bool:
    """The default detector judges English texts of at least ``min_chars`` normalised characters."""
    return lang in LANGUAGES and len(text) >= min_chars


class StackedAIDetector:
    """A :class:`detectors.base.Detector` around a :class:`StackedModel` with the abstain policy above."""

    def __init__(self, model: StackedModel, info: ModelInfo, min_chars: int) -> None:
        self.model = model
        self.info = info
        self.min_chars = min_chars

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        if len(texts) != len(langs):
            raise ValueError("texts and langs must have the same length")
        prefix = max(PREFIX_FACTOR * self.model.max_chars, self.min_chars)  # the model reads max_chars at most
        normalised = [normalize_text((t or "")[:prefix]) if lang in LANGUAGES else "" for t, lang in zip(texts, langs)]
        abstain = np.array([not scorable(t, lang, self.min_chars) for t, lang in zip(normalised, langs)], dtype=bool)
        probability = np.full(len(texts), np.nan)
        keep = np.flatnonzero(~abstain)
        probability[keep] = self.model.probability([normalised[i] for i in keep])
        return Scores.build(probability, abstain)


def build_detector(model: StackedModel, min_chars: int | None = None, folder: Path | None = None) -> StackedAIDetector:
    """A detector around ``model`` (in memory, or loaded from ``folder``, whose file digests go into its info)."""
    min_chars = int(min_chars if min_chars is not None else model.metadata.get("min_chars", DEFAULT_MIN_CHARS))
    digests = file_digests(folder) if folder is not None else {}
    info = ModelInfo(
        name=NAME,
        version=str(model.metadata.get("version", "unversioned")),
        kind=AI,
        sha256=combined_digest(digests) if digests else None,
        path=str(folder) if folder is not None else None,
        languages=LANGUAGES,
        threshold=model.threshold,
        human_threshold=model.human_threshold,
        extra={"variant": model.variant, "min_chars": min_chars, "files": digests},
    )
    return StackedAIDetector(model, info, min_chars)


def load(argument: str | None = None, min_chars: int | None = None) -> StackedAIDetector:
    """The shipped model, or a model folder written by ``provmix train ai`` when ``argument`` is its path."""
    folder = Path(argument) if argument else MODEL_DIR
    return build_detector(StackedModel.load(folder), min_chars, folder)
