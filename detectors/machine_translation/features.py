"""Translationese features as discrete tokens the fastText model weighs next to its n-grams.

Translations, machine ones most, differ from original text in ways n-grams see poorly: flatter vocabulary
(type/token ratio), more uniform sentence lengths, different punctuation habits and shorter/longer words.
Each feature is length-independent (a rate or a per-window ratio, never a count) so the model cannot learn
document length, and is bucketed into a token such as ``_f_ttr_3`` that fastText learns a weight for.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from math import sqrt

from provmix.detectors.scripts import CJK

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_CJK_CHAR = re.compile(f"[{CJK}]")
TTR_WINDOW = 50  # words per type/token-ratio window (shorter texts use what they have)

# feature → bucket edges; a value v falls in bucket bisect_right(edges, v).
EDGES: dict[str, tuple[float, ...]] = {
    "ttr": (0.55, 0.65, 0.72, 0.78, 0.84, 0.9),
    "sent_len": (40, 70, 100, 130, 170, 230),  # characters: no word segmentation needed for zh/ja
    "sent_cv": (0.2, 0.35, 0.5, 0.65, 0.8, 1.0),
    "word_len": (3.5, 4.2, 4.8, 5.4, 6.0, 7.0),
    "short_words": (0.2, 0.3, 0.38, 0.45, 0.55),
    "comma": (0.02, 0.04, 0.06, 0.08, 0.11, 0.15),
    "quote": (0.002, 0.01, 0.02, 0.04),
    "dash": (0.002, 0.01, 0.02),
    "paren": (0.002, 0.01, 0.02),
    "colon": (0.002, 0.01, 0.02),
    "exclaim": (0.002, 0.01, 0.03),
    "question": (0.002, 0.01, 0.03),
    "digit": (0.005, 0.02, 0.05, 0.1),
    "capitalized": (0.05, 0.1, 0.15, 0.2, 0.3),
    "repeat_bigram": (0.01, 0.03, 0.06, 0.1),
}
_CHAR_CLASSES = {
    "comma": ",、，",
    "quote": "\"'«»„“”‘’「」『』",
    "dash": "–—-",
    "paren": "()（）[]",
    "colon": ":;：；",
    "exclaim": "!！",
    "question": "?？",
}


def _words(text: str, raw_words: list[str]) -> list[str]:
    """Lower-cased words; every CJK character counts as a word so rates mean the same in zh/ja."""
    words = [w.lower() for w in raw_words]
    if not _CJK_CHAR.search(text):
        return words
    return [w for token in words for w in (_CJK_CHAR.findall(token) or [token])]


def _type_token_ratio(words: list[str]) -> float:
    windows = [words[i : i + TTR_WINDOW] for i in range(0, max(len(words) - TTR_WINDOW, 0) + 1, TTR_WINDOW)]
    ratios = [len(set(w)) / len(w) for w in windows if w]
    return sum(ratios) / len(ratios) if ratios else 0.0


def _sentence_lengths(text: str) -> list[int]:
    """Sentence lengths in characters."""
    return [n for n in map(len, _SENTENCE_END.split(text)) if n]


def feature_values(text: str) -> dict[str, float]:
    """The raw translationese features of a cleaned text (all rates, none growing with length)."""
    raw_words = _WORD.findall(text)
    words = _words(text, raw_words)
    lengths = list(map(len, words))
    n_words = max(len(words), 1)
    n_chars = max(len(text), 1)
    sentences = _sentence_lengths(text) or [0]
    mean_sentence = sum(sentences) / len(sentences)
    sd_sentence = sqrt(sum((n - mean_sentence) ** 2 for n in sentences) / len(sentences))
    bigrams = list(zip(words, words[1:]))
    values = {
        "ttr": _type_token_ratio(words),
        "sent_len": mean_sentence,
        "sent_cv": sd_sentence / mean_sentence if mean_sentence else 0.0,
        "word_len": sum(lengths) / n_words,
        "short_words": sum(1 for n in lengths if n <= 3) / n_words,
        "digit": len(_DIGIT.findall(text)) / n_chars,
        "capitalized": sum(1 for w in raw_words if w[0].isupper()) / max(len(raw_words), 1),
        "repeat_bigram": 1 - len(set(bigrams)) / len(bigrams) if bigrams else 0.0,
    }
    for name, chars in _CHAR_CLASSES.items():
        values[name] = sum(text.count(c) for c in chars) / n_words
    return values


def feature_tokens(text: str) -> list[str]:
    """One ``_f_<name>_<bucket>`` token per feature of the cleaned ``text``."""
    values = feature_values(text)
    return [f"_f_{name}_{bisect_right(edges, values[name])}" for name, edges in EDGES.items()]
