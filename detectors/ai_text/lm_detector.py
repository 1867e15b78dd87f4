"""``ai-lm``: a calibrated logistic head on a small causal LM's likelihood features (:mod:`detectors.ai_text.lm`).

The head (``detectors/models/ai-lm/model.json``) names its inputs: the LM features, optionally followed by
ai-default's stylometric features (:mod:`detectors.ai_text.features`). It records the sha256 of the LM it was
trained on; loading checks the LM against it, so a head never silently scores another model's numbers. English
only; abstains on texts shorter than ``min_chars`` normalised characters or ``min_tokens`` scored tokens.

Spec: ``ai-lm`` (shipped head, bundled SmolLM2 GGUF) or ``ai-lm:HEAD_DIR`` (a head written by
``python -m provmix.detectors.training.ai_text.lm_train --out HEAD_DIR``); options ``model`` (another LM folder or GGUF
for a head trained on it), ``device``, ``batch_size``, ``max_tokens``, ``threads``, ``min_chars``,
``min_tokens``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.ai_text import features as style
from provmix.detectors.ai_text.default import DEFAULT_MIN_CHARS, LANGUAGES, scorable
from provmix.detectors.ai_text.head import MODEL_JSON, LogisticHead
from provmix.detectors.ai_text.lm import FEATURE_NAMES, LanguageModel, load_language_model
from provmix.detectors.artifacts import file_sha256
from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.normalize import normalize_text

NAME = "ai-lm"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / NAME
VARIANTS = {"lm": FEATURE_NAMES, "lm+style": FEATURE_NAMES + style.FEATURE_NAMES}
STYLE_CHARS = 2000  # the stylometric features read the same prefix as in ai-default
CHARS_PER_TOKEN = 8  # normalise a raw prefix of this many characters per token: more than the LM reads
DEFAULT_MIN_TOKENS = 32


def head_inputs(variant: str, texts: Sequence[str], lm_features: np.ndarray) -> np.ndarray:
    """The head's input matrix for normalised ``texts`` and their LM features."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ai-lm variant {variant!r}")
    if variant == "lm":
        return lm_features
    return np.hstack([lm_features, style.feature_matrix([t[:STYLE_CHARS] for t in texts])])


class LMHead(LogisticHead):
    """The ai-lm head, for one LM (``metadata['lm_sha256']``)."""

    @classmethod
    def input_names(cls, variant: str) -> Sequence[str]:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ai-lm variant {variant!r}")
        return VARIANTS[variant]


class LMDetector:
    """A :class:`detectors.base.Detector`: ai-default's abstain policy, a token minimum, then the head."""

    def __init__(self, head: LMHead, lm: LanguageModel, info: ModelInfo, min_chars: int, min_tokens: int) -> None:
        self.head, self.lm, self.info = head, lm, info
        self.min_chars, self.min_tokens = min_chars, min_tokens
        self.prefix_chars = max(CHARS_PER_TOKEN * lm.max_tokens, STYLE_CHARS, min_chars)

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        if len(texts) != len(langs):
            raise ValueError("texts and langs must have the same length")
        normalised = [normalize_text((t or "")[: self.prefix_chars]) if lang in LANGUAGES else ""
                      for t, lang in zip(texts, langs)]
        keep = [i for i, (t, lang) in enumerate(zip(normalised, langs)) if scorable(t, lang, self.min_chars)]
        probability = np.full(len(texts), np.nan)
        abstain = np.ones(len(texts), dtype=bool)
        if keep:
            kept = [normalised[i] for i in keep]
            lm_features, counts = self.lm.features(kept)
            enough = counts >= self.min_tokens
            rows = np.asarray(keep)[enough]
            probability[rows] = self.head.probability(
                head_inputs(self.head.variant, [t for t, ok in zip(kept, enough) if ok], lm_features[enough]))
            abstain[rows] = False
        return Scores.build(probability, abstain)


def build_detector(head: LMHead, lm: LanguageModel, folder: Path | None = None, min_chars: int | None = None,
                   min_tokens: int | None = None) -> LMDetector:
    """A detector around ``head`` and ``lm``; refuses an LM other than the one the head was trained on."""
    expected = head.metadata.get("lm_sha256")
    if expected is not None and lm.sha256 != expected:
        raise ValueError(f"ai-lm head expects the LM with sha256 {expected}, got {lm.sha256} ({lm.name})")
    min_chars = int(min_chars if min_chars is not None else head.metadata.get("min_chars", DEFAULT_MIN_CHARS))
    min_tokens = int(min_tokens if min_tokens is not None else head.metadata.get("min_tokens", DEFAULT_MIN_TOKENS))
    head_sha = file_sha256(folder / MODEL_JSON) if folder is not None else None
    combined = hashlib.sha256(f"{head_sha}+{lm.sha256}".encode()).hexdigest() if head_sha and lm.sha256 else None
    info = ModelInfo(
        name=NAME,
        version=str(head.metadata.get("version", "unversioned")),
        kind=AI,
        sha256=combined,
        path=str(folder) if folder is not None else None,
        languages=LANGUAGES,
        threshold=head.threshold,
        extra={"variant": head.variant, "min_chars": min_chars, "min_tokens": min_tokens,
               "max_tokens": lm.max_tokens, "lm": lm.name, "lm_sha256": lm.sha256, "head_sha256": head_sha,
               "device": lm.device},
    )
    return LMDetector(head, lm, info, min_chars, min_tokens)


def load(argument: str | None = None, model: str | None = None, device: str | None = "cpu", batch_size: int = 8,
         max_tokens: int | None = None, threads: int | None = None, min_chars: int | None = None,
         min_tokens: int | None = None) -> LMDetector:
    """The shipped head on the bundled LM, or the head folder ``argument`` (on ``model`` when given)."""
    folder = Path(argument) if argument else MODEL_DIR
    head = LMHead.load(folder)
    max_tokens = int(max_tokens if max_tokens is not None else head.metadata.get("max_tokens", 128))
    lm = load_language_model(model, device=device, max_tokens=max_tokens, batch_size=batch_size, threads=threads)
    return build_detector(head, lm, folder, min_chars, min_tokens)
