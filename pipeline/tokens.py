"""Token counts for the human data floor.

The default tokenizer is fast and language-agnostic: a token is a run of word characters in scripts written
with spaces, or a single character in scripts written without them (CJK, Thai, …), or one punctuation mark.
It approximates subword counts well enough for shares; ``hf:PATH`` counts with any Hugging Face tokenizer.
"""
from __future__ import annotations

import re
from typing import Callable

from provmix.detectors.registry import IMPORT_LOCK
from provmix.detectors.scripts import CJK, HAN_COMPATIBILITY, THAI

_UNSPACED = CJK + THAI + HAN_COMPATIBILITY
_TOKEN = re.compile(
    f"[{_UNSPACED}]"  # one character each
    f"|[^\\W{_UNSPACED}]+"  # a word
    r"|[^\w\s]"  # a punctuation mark
)
# _TOKEN on ASCII text, which has no unspaced script, counted on its bytes without a regex: a token is a run of
# word bytes or one punctuation byte. The byte classes are _TOKEN's own str \w and \s (so \x1c-\x1f are
# whitespace here too, as they are not to a bytes pattern).
_ASCII = bytes(range(128))
_WORD_BYTES = bytes(b for b in _ASCII if re.fullmatch(r"\w", chr(b)))
_SPACE_BYTES = bytes(b for b in _ASCII if re.fullmatch(r"\s", chr(b)))
_WORDS_AS_W = bytes.maketrans(_ASCII, bytes(ord("w") if b in _WORD_BYTES else ord(" ") for b in _ASCII))
_NOT_PUNCTUATION = _WORD_BYTES + _SPACE_BYTES


def _ascii_tokens(text: bytes) -> int:
    """Word runs (each starts where a word byte follows a non-word one) plus punctuation bytes."""
    return (b" " + text.translate(_WORDS_AS_W)).count(b" w") + len(text.translate(None, _NOT_PUNCTUATION))


def count_tokens(text: str) -> int:
    """Tokens of ``text`` under the default tokenizer."""
    if text.isascii():
        return _ascii_tokens(text.encode("ascii"))
    return len(_TOKEN.findall(text))


DEFAULT_COUNTER = "default"
HF_PREFIX = "hf:"


class HFTokenCounter:
    """Token counts under a local Hugging Face tokenizer (no special tokens), loaded on first use per worker."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._tokenizer = None

    def __call__(self, text: str) -> int:
        if self._tokenizer is None:
            with IMPORT_LOCK:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        return len(self._tokenizer.encode(text, add_special_tokens=False))

    def __getstate__(self) -> dict:
        return {"path": self.path, "_tokenizer": None}  # workers load their own copy


def token_counter(spec: str = DEFAULT_COUNTER) -> Callable[[str], int]:
    """``default`` → :func:`count_tokens`; ``hf:PATH`` → :class:`HFTokenCounter` for the tokenizer at PATH."""
    if spec == DEFAULT_COUNTER:
        return count_tokens
    if spec.startswith(HF_PREFIX) and spec[len(HF_PREFIX):]:
        return HFTokenCounter(spec[len(HF_PREFIX):])
    raise ValueError(f"unknown token counter {spec!r}; use {DEFAULT_COUNTER!r} or 'hf:PATH'")
