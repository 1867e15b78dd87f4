"""``watermark:PATH``: green-list watermark evidence (Kirchenbauer et al.) via transformers' WatermarkDetector.

``PATH`` is a folder with the generator's tokenizer, its ``config.json`` (vocabulary size, BOS token) and
``watermarking_config.json`` (the user's ``transformers.WatermarkingConfig``: greenlist_ratio, bias,
hashing_key, seeding_scheme, context_width), or pass ``watermarking_config=`` as an option. The score is the
detector's confidence ``1 - p_value`` of the green-token z-score; texts with fewer than ``min_tokens`` scorable
tokens abstain. Without the generator's key this detector cannot say anything, so it is never configured by
default. (SynthID needs a trained Bayesian detector per key; not wrapped here.)
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.base import WATERMARK, ModelInfo, Scores
from provmix.detectors.hf import as_languages, import_torch_transformers, resolve_device, scorable_indices

FAMILY = "watermark"
CONFIG_FILE = "watermarking_config.json"
DEFAULT_Z_THRESHOLD = 4.0


class WatermarkEvidence:
    """A :class:`detectors.base.Detector` whose probability is the watermark detector's confidence."""

    def __init__(self, detector: object, tokenizer: object, torch: object, device: str, info: ModelInfo,
                 context_width: int, min_tokens: int, max_length: int) -> None:
        self.detector, self.tokenizer, self.torch, self.device = detector, tokenizer, torch, device
        self.info, self.context_width, self.min_tokens, self.max_length = info, context_width, min_tokens, max_length

    def confidence(self, text: str) -> float | None:
        """1 - p-value of the green-list z-score, None when too few tokens can be scored."""
        ids = self.tokenizer(text, add_special_tokens=False, truncation=True, max_length=self.max_length)["input_ids"]
        if len(ids) - self.context_width < self.min_tokens:
            return None
        output = self.detector(self.torch.tensor([ids], device=self.device), return_dict=True)
        return float(output.confidence[0])

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        normalised, keep = scorable_indices(texts, langs, self.info.languages, 1)
        probability = np.full(len(texts), np.nan)
        abstain = np.ones(len(texts), dtype=bool)
        for i in keep:
            value = self.confidence(normalised[i])
            if value is not None:
                probability[i], abstain[i] = value, False
        return Scores.build(probability, abstain)


def load(argument: str | None, watermarking_config: dict | None = None, device: str | None = "cpu",
         min_tokens: int = 16, max_length: int = 2048, z_threshold: float = DEFAULT_Z_THRESHOLD,
         languages: Sequence[str] | str | None = None) -> WatermarkEvidence:
    """Watermark evidence for the generator whose tokenizer, config and watermarking key live at ``argument``."""
    if not argument:
        raise ValueError("watermark needs the generator's folder: watermark:PATH")
    torch, transformers = import_torch_transformers()
    device = resolve_device(torch, device)
    config_path = Path(argument) / CONFIG_FILE
    if watermarking_config is None:
        if not config_path.is_file():
            raise ValueError(f"no {CONFIG_FILE} in {argument} and no watermarking_config option")
        watermarking_config = json.loads(config_path.read_text(encoding="utf-8"))
    config = transformers.WatermarkingConfig(**watermarking_config)
    model_config = transformers.AutoConfig.from_pretrained(argument)
    tokenizer = transformers.AutoTokenizer.from_pretrained(argument)
    detector = transformers.WatermarkDetector(model_config=model_config, device=device, watermarking_config=config)
    info = ModelInfo(
        name=f"{FAMILY}:{argument}",
        version=f"{config.seeding_scheme}-w{config.context_width}-g{config.greenlist_ratio}",
        kind=WATERMARK,
        path=argument,
        languages=as_languages(languages),
        threshold=1 - 0.5 * math.erfc(z_threshold / math.sqrt(2)),  # the confidence at z_threshold
        extra={"z_threshold": z_threshold, "min_tokens": min_tokens, "device": device},
    )
    return WatermarkEvidence(detector, tokenizer, torch, device, info, config.context_width, min_tokens, max_length)
