"""Token counts for the human data floor.

The default tokenizer is fast and language-agnostic: a token is a run of word characters in scripts written
with spaces, or a single character in scripts written without them (CJK, Thai, …), or one punctuation mark.
It approximates subword counts well enough for shares; ``hf:PATH`` counts with any Hugging Face tokenizer.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uf900-\ufaff]"  # one char each
    r"|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uf900-\ufaff]+"  # a word
    r"|[^\w\s]"  # a punctuation mark
)


def count_tokens(text: str) -> int:
    """Tokens of ``text`` under the default tokenizer."""
    return sum(1 for _ in _TOKEN.finditer(text))
