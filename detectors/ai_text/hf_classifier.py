"""``hf-classifier:PATH_OR_HUB_ID``: any ``AutoModelForSequenceClassification`` AI-text detector.

Weights load with ``use_safetensors=True`` only. The probability is the softmax (sigmoid for one logit) of the
positive label, Platt-calibrated when ``provmix_calibration.json`` sits beside the model.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.hf import (
    as_languages,
    effective_max_length,
    import_torch_transformers,
    length_sorted_batches,
    local_digest,
    read_calibration,
    resolve_device,
    scorable_indices,
)

FAMILY = "hf-classifier"
POSITIVE_LABEL_NAMES = ("ai", "machine", "machine-generated", "generated", "fake", "llm", "gpt", "chatgpt")


def positive_index(id2label: dict[int, str], positive_label: str | int | None) -> int:
    """Index of the AI label: given by name or index, else the label named like AI text, else index 1 of 2."""
    if isinstance(positive_label, int):
        return positive_label
    labels = {int(i): str(name) for i, name in id2label.items()}
    if positive_label is not None:
        matches = [i for i, name in labels.items() if name.lower() == str(positive_label).lower()]
        if not matches:
            raise ValueError(f"positive_label {positive_label!r} not in the model's labels {labels}")
        return matches[0]
    hinted = [i for i, name in labels.items() if name.lower() in POSITIVE_LABEL_NAMES]
    if len(hinted) == 1:
        return hinted[0]
    if len(labels) == 2:
        return 1
    raise ValueError(f"cannot tell which of {labels} means AI-written; pass positive_label")


class HFClassifierDetector:
    """A batched :class:`detectors.base.Detector` around a sequence-classification model."""

    def __init__(self, model: object, tokenizer: object, torch: object, device: str, info: ModelInfo,
                 positive: int, batch_size: int, max_length: int, min_chars: int,
                 calibration: PlattCalibration | None) -> None:
        self.model, self.tokenizer, self.torch = model, tokenizer, torch
        self.device, self.info, self.positive = device, info, positive
        self.batch_size, self.max_length, self.min_chars = batch_size, max_length, min_chars
        self.calibration = calibration

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Raw positive-label probability for one batch of texts."""
        torch = self.torch
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="pt").to(self.device)
        with torch.inference_mode():
            logits = self.model(**encoded).logits.float()
        if logits.shape[-1] == 1:
            return torch.sigmoid(logits[:, 0]).cpu().numpy()
        return torch.softmax(logits, dim=-1)[:, self.positive].cpu().numpy()

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        normalised, keep = scorable_indices(texts, langs, self.info.languages, self.min_chars)
        probability = np.full(len(texts), np.nan)
        for batch in length_sorted_batches(normalised, keep, self.batch_size):
            probability[batch] = self.probabilities([normalised[i] for i in batch])
        if self.calibration is not None and len(keep):
            probability[keep] = self.calibration(probability[keep])
        abstain = np.ones(len(texts), dtype=bool)
        abstain[keep] = False
        return Scores.build(probability, abstain)


def load(argument: str | None, device: str | None = "cpu", batch_size: int = 16, max_length: int = 512,
         positive_label: str | int | None = None, languages: Sequence[str] | str | None = None,
         min_chars: int = 1) -> HFClassifierDetector:
    """Load the classifier at ``argument`` (a local folder or hub id) onto ``device`` ("cpu", "cuda", "auto")."""
    if not argument:
        raise ValueError("hf-classifier needs a model path or hub id: hf-classifier:PATH")
    torch, transformers = import_torch_transformers()
    device = resolve_device(torch, device)
    tokenizer = transformers.AutoTokenizer.from_pretrained(argument)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(argument, use_safetensors=True)
    model.to(device).eval()
    positive = positive_index(model.config.id2label, positive_label)
    max_length = effective_max_length(model.config, tokenizer, max_length)
    calibration, threshold = read_calibration(argument)
    digest = local_digest(argument)
    info = ModelInfo(
        name=f"{FAMILY}:{argument}",
        version=digest[:12] if digest else str(getattr(model.config, "_commit_hash", None) or "hub"),
        kind=AI,
        sha256=digest,
        path=argument,
        languages=as_languages(languages),
        threshold=threshold if threshold is not None else 0.5,
        extra={"positive_label": model.config.id2label.get(positive, str(positive)), "device": device,
               "calibrated": calibration is not None},
    )
    return HFClassifierDetector(model, tokenizer, torch, device, info, positive, batch_size, max_length,
                                min_chars, calibration)
