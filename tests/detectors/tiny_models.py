"""Tiny random transformers models and tokenizers built in-process for the detector tests (nothing downloaded)."""
from __future__ import annotations

from pathlib import Path

WORDS = (
    "the a an and of to in is was it that for on with as by this be are from at or had not but what all were "
    "when we there can your which their said if do will each about how up out them then she many some so these "
    "would other into has more her two like him see time could no make than first been its who now people my "
    "made over did down only way find use may water long little very after words called just where most know"
).split()


def build_tokenizer(folder: Path) -> object:
    """A word-level tokenizer over :data:`WORDS` (+ specials), saved with ``save_pretrained``."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[BOS]", *WORDS])}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]",
                                        cls_token="[CLS]", sep_token="[SEP]", bos_token="[BOS]", eos_token="[SEP]")
    tokenizer.save_pretrained(folder)
    return tokenizer


def build_classifier(folder: Path, seed: int = 0) -> Path:
    """A one-layer BERT sequence classifier with labels human / ai, saved as safetensors."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tokenizer = build_tokenizer(folder)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=128, num_labels=2,
                        id2label={0: "human", 1: "ai"}, label2id={"human": 0, "ai": 1})
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def build_causal_lm(folder: Path, seed: int, vocab_size: int | None = None) -> Path:
    """A one-layer GPT-2 with the shared tokenizer, saved as safetensors."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = build_tokenizer(folder)
    torch.manual_seed(seed)
    config = GPT2Config(n_layer=1, n_embd=16, n_head=2, n_positions=256, vocab_size=vocab_size or len(tokenizer),
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def sentence(n_words: int, offset: int = 0) -> str:
    """A deterministic text of known words."""
    return " ".join(WORDS[(offset + 7 * i) % len(WORDS)] for i in range(n_words))


def build_ai_lm_head(folder: Path, lm_folder: Path, variant: str = "lm", seed: int = 0) -> Path:
    """An ``ai-lm`` head with random weights for the causal LM in ``lm_folder`` (its sha256 recorded)."""
    import numpy as np

    from provmix.detectors.ai_text.lm_detector import VARIANTS, LMHead
    from provmix.detectors.ai_text.logistic import LogisticModel
    from provmix.detectors.hf import local_digest

    n = len(VARIANTS[variant])
    weights = np.random.default_rng(seed).normal(0, 0.3, n)
    logistic = LogisticModel(np.zeros(n), np.ones(n), weights, 0.0)
    metadata = {"lm_sha256": local_digest(str(lm_folder)), "max_tokens": 64, "min_chars": 200, "min_tokens": 16}
    LMHead(variant, logistic, threshold=0.5, metadata=metadata).save(folder)
    return folder
