"""token_counter: the default counter and an HF tokenizer by path (a tiny word-level one built here)."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from provmix.pipeline.tokens import HFTokenCounter, count_tokens, token_counter

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")


def tiny_tokenizer(path: Path) -> Path:
    vocab = {"[UNK]": 0, "hello": 1, "world": 2}
    model = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    model.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    transformers.PreTrainedTokenizerFast(tokenizer_object=model, unk_token="[UNK]").save_pretrained(path)
    return path


def test_default_spec_is_the_fast_counter() -> None:
    assert token_counter() is count_tokens
    assert token_counter("default")("two words") == 2


def test_hf_spec_counts_with_the_tokenizer_at_the_path_and_survives_pickling(tmp_path: Path) -> None:
    counter = token_counter(f"hf:{tiny_tokenizer(tmp_path)}")
    assert isinstance(counter, HFTokenCounter)
    assert counter("hello world, hello!") == 5  # hello world , hello !  (unknown punctuation is one token each)
    assert pickle.loads(pickle.dumps(counter))("hello there") == 2


@pytest.mark.parametrize("spec", ["hf:", "bpe:/x", ""])
def test_unknown_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        token_counter(spec)
