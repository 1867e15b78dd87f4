"""What the transformers-based detectors share: a locked import, device choice, digests, calibration files,
the abstain policy for empty / unsupported-language texts, and length-sorted batching."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from provmix.detectors.artifacts import combined_digest, file_sha256
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.normalize import normalize_text
from provmix.detectors.registry import IMPORT_LOCK

CALIBRATION_FILE = "provmix_calibration.json"  # {"method": "platt", "a", "b", "threshold"} beside a model


def import_torch_transformers() -> tuple[object, object]:
    """(torch, transformers), imported under the registry's lock (transformers' lazy imports are not
    thread-safe under Beam's multi-threaded workers)."""
    with IMPORT_LOCK:
        import torch
        import transformers
    return torch, transformers


def resolve_device(torch: object, device: str | None) -> str:
    """``device`` as given ("cpu", "cuda", "cuda:1"); "auto" or None picks cuda when available."""
    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return device


def local_digest(path_or_id: str) -> str | None:
    """sha256 over the ``*.safetensors`` files of a local model folder (None for a hub id)."""
    folder = Path(path_or_id)
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    if not files:
        return None
    return combined_digest({f.name: file_sha256(f) for f in files})


def read_calibration(path_or_id: str) -> tuple[PlattCalibration | None, float | None]:
    """(calibration, threshold) from ``provmix_calibration.json`` beside a local model, if present."""
    path = Path(path_or_id) / CALIBRATION_FILE
    if not path.is_file():
        return None, None
    data = json.loads(path.read_text(encoding="utf-8"))
    threshold = data.get("threshold")
    return PlattCalibration.from_dict(data), (float(threshold) if threshold is not None else None)


def scorable_indices(texts: Sequence[str], langs: Sequence[str | None], languages: Sequence[str] | None,
                     min_chars: int) -> tuple[list[str], np.ndarray]:
    """(normalised texts, indices to score): empty, too-short and unsupported-language texts abstain."""
    if len(texts) != len(langs):
        raise ValueError("texts and langs must have the same length")
    normalised = [normalize_text(t or "") for t in texts]
    keep = [
        i for i, (t, lang) in enumerate(zip(normalised, langs))
        if len(t) >= max(min_chars, 1) and (languages is None or lang in languages)
    ]
    return normalised, np.asarray(keep, dtype=np.int64)


def length_sorted_batches(texts: Sequence[str], indices: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """``indices`` in batches of similar text length (less padding per batch)."""
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    order = sorted(indices.tolist(), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        yield np.asarray(order[start : start + batch_size], dtype=np.int64)


def effective_max_length(model_config: object, tokenizer: object, requested: int) -> int:
    """``requested`` capped by the model's position limit and the tokenizer's declared maximum."""
    limits = [requested, getattr(tokenizer, "model_max_length", requested)]
    limits += [getattr(model_config, name) for name in ("max_position_embeddings", "n_positions")
               if isinstance(getattr(model_config, name, None), int)]
    return min(limits)


def as_languages(languages: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """A ``languages`` option ("en,de", ["en"], or None for every language) as a tuple."""
    if languages is None:
        return None
    if isinstance(languages, str):
        languages = [part.strip() for part in languages.split(",") if part.strip()]
    return tuple(languages)
