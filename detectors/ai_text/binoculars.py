"""``binoculars:OBSERVER,PERFORMER``: zero-shot AI-text score from two causal LMs that share a tokenizer.

Binoculars (Hans et al., 2024): ``B = log PPL_observer(s) / X-PPL(observer, performer)(s)`` where the
cross-perplexity is the mean over positions of ``-softmax(observer) · log_softmax(performer)``. Low B means
machine-like text. B becomes a probability by ``p = sigmoid((center - B) / scale)``; the defaults
(``center=0.9015``, the paper's accuracy-optimised Falcon-7B threshold, ``scale=0.05``) are a documented prior,
not a calibration: put a ``provmix_calibration.json`` (Platt on the raw B-derived probability) beside the
observer, or pass ``center``/``scale`` measured for your pair of models.
"""
from __future__ import annotations

import hashlib
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

FAMILY = "binoculars"
DEFAULT_CENTER = 0.9015
DEFAULT_SCALE = 0.05


def binoculars_scores(torch: object, observer_logits: object, performer_logits: object, input_ids: object,
                      attention_mask: object) -> np.ndarray:
    """B per sequence from next-token logits (batch, length, vocab); padded positions are masked out."""
    vocab = min(observer_logits.shape[-1], performer_logits.shape[-1])
    observer = observer_logits[:, :-1, :vocab].float()
    performer = performer_logits[:, :-1, :vocab].float()
    targets = input_ids[:, 1:]
    mask = attention_mask[:, 1:].float()
    observer_log_probs = torch.log_softmax(observer, dim=-1)
    token_nll = -observer_log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    cross = -(torch.softmax(observer, dim=-1) * torch.log_softmax(performer, dim=-1)).sum(-1)
    tokens = mask.sum(-1).clamp(min=1)
    log_ppl = (token_nll * mask).sum(-1) / tokens
    x_ppl = (cross * mask).sum(-1) / tokens
    return (log_ppl / x_ppl.clamp(min=1e-6)).cpu().numpy()


class BinocularsDetector:
    """A batched :class:`detectors.base.Detector` over an observer/performer pair."""

    def __init__(self, observer: object, performer: object, tokenizer: object, torch: object, device: str,
                 info: ModelInfo, batch_size: int, max_length: int, min_chars: int, center: float, scale: float,
                 calibration: PlattCalibration | None) -> None:
        self.observer, self.performer, self.tokenizer, self.torch = observer, performer, tokenizer, torch
        self.device, self.info = device, info
        self.batch_size, self.max_length, self.min_chars = batch_size, max_length, min_chars
        self.center, self.scale, self.calibration = center, scale, calibration

    def raw_scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(B, number of scored tokens) for one batch."""
        torch = self.torch
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="pt").to(self.device)
        with torch.inference_mode():
            observer_logits = self.observer(**encoded).logits
            performer_logits = self.performer(**encoded).logits
        scores = binoculars_scores(torch, observer_logits, performer_logits, encoded["input_ids"],
                                   encoded["attention_mask"])
        return scores, (encoded["attention_mask"].sum(-1) - 1).cpu().numpy()

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        normalised, keep = scorable_indices(texts, langs, self.info.languages, self.min_chars)
        probability = np.full(len(texts), np.nan)
        abstain = np.ones(len(texts), dtype=bool)
        for batch in length_sorted_batches(normalised, keep, self.batch_size):
            scores, n_tokens = self.raw_scores([normalised[i] for i in batch])
            probability[batch] = 1.0 / (1.0 + np.exp(-(self.center - scores) / self.scale))
            abstain[batch] = n_tokens < 1  # nothing to predict: a one-token text
        scored = ~abstain
        if self.calibration is not None and scored.any():
            probability[scored] = self.calibration(probability[scored])
        return Scores.build(probability, abstain)


def load(argument: str | None, device: str | None = "cpu", batch_size: int = 8, max_length: int = 512,
         languages: Sequence[str] | str | None = None, min_chars: int = 1, center: float = DEFAULT_CENTER,
         scale: float = DEFAULT_SCALE) -> BinocularsDetector:
    """Load ``OBSERVER,PERFORMER`` (local folders or hub ids; the tokenizer comes from the observer)."""
    parts = [p.strip() for p in (argument or "").split(",")]
    if len(parts) != 2 or not all(parts):
        raise ValueError("binoculars needs two models: binoculars:OBSERVER,PERFORMER")
    observer_id, performer_id = parts
    torch, transformers = import_torch_transformers()
    device = resolve_device(torch, device)
    tokenizer = transformers.AutoTokenizer.from_pretrained(observer_id)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    observer = transformers.AutoModelForCausalLM.from_pretrained(observer_id, use_safetensors=True)
    performer = transformers.AutoModelForCausalLM.from_pretrained(performer_id, use_safetensors=True)
    if len(tokenizer) > min(observer.config.vocab_size, performer.config.vocab_size):
        raise ValueError("observer and performer must share the observer's tokenizer (vocabulary too small)")
    max_length = min(effective_max_length(m.config, tokenizer, max_length) for m in (observer, performer))
    observer.to(device).eval()
    performer.to(device).eval()
    calibration, threshold = read_calibration(observer_id)
    observer_digest, performer_digest = local_digest(observer_id), local_digest(performer_id)
    both = f"{observer_digest}+{performer_digest}" if observer_digest and performer_digest else None
    sha256 = hashlib.sha256(both.encode()).hexdigest() if both else None
    info = ModelInfo(
        name=f"{FAMILY}:{observer_id},{performer_id}",
        version=sha256[:12] if sha256 else "hub",
        kind=AI,
        sha256=sha256,
        path=argument,
        languages=as_languages(languages),
        threshold=threshold if threshold is not None else 0.5,
        extra={"center": center, "scale": scale, "device": device, "calibrated": calibration is not None,
               "observer_sha256": observer_digest, "performer_sha256": performer_digest},
    )
    return BinocularsDetector(observer, performer, tokenizer, torch, device, info, batch_size, max_length,
                              min_chars, center, scale, calibration)
