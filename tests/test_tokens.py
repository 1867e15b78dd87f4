"""The default token counter: one token per word, unspaced-script character or punctuation mark; ASCII text
takes a bytes fast path that must count exactly as the Unicode pattern does."""
from __future__ import annotations

import random

from provmix.pipeline.tokens import _TOKEN, count_tokens


def test_words_punctuation_and_unspaced_characters_are_tokens() -> None:
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("naïve café") == 2
    assert count_tokens("中文字") == 3
    assert count_tokens("Thai ภาษา and 日本") == 2 + 4 + 2
    assert count_tokens("  \n\t ") == 0


def test_ascii_fast_path_counts_as_the_unicode_pattern() -> None:
    every_character = [chr(code) for code in range(128)]
    for char in every_character:
        assert count_tokens(char) == len(_TOKEN.findall(char)), repr(char)
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice(every_character) for _ in range(rng.randrange(1, 60)))
        assert count_tokens(text) == len(_TOKEN.findall(text)), repr(text)
