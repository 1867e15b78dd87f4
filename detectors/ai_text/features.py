"""Cheap stylometric features of a normalised text: punctuation, function words, entropy, burstiness.

Length itself is deliberately not a feature: the training sets confound length with the label (see the data
README), and a detector that learns length does not generalise. Every feature is a rate or a shape statistic.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

FUNCTION_WORDS = (
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is",
    "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "which", "who", "i", "you", "he",
    "she", "we", "they", "my", "our", "their", "not", "no", "so", "if", "then", "than", "also", "very", "just",
    "can", "could", "would", "will", "may", "more", "most", "such", "additionally", "overall", "however",
    "furthermore", "moreover", "ensuring", "various", "crucial", "delve",
)
_FUNCTION_INDEX = {w: i for i, w in enumerate(FUNCTION_WORDS)}
PUNCTUATION = ",.;:!?'\"()-"
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
TTR_WINDOW = 100  # type-token ratio over a fixed prefix, so it does not shrink with length

SHAPE_FEATURES = (
    "char_entropy", "mean_word_len", "std_word_len", "ttr_prefix", "mean_sentence_words", "cv_sentence_words",
    "uppercase_rate", "digit_rate", "space_rate", "non_ascii_rate",
)
FEATURE_NAMES: tuple[str, ...] = (
    SHAPE_FEATURES
    + tuple(f"punct_{c}" for c in PUNCTUATION)
    + tuple(f"fw_{w}" for w in _FUNCTION_INDEX)
)


def _entropy(counts: Counter, total: int) -> float:
    if not total:
        return 0.0
    p = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) / total
    return float(-(p * np.log2(p)).sum())


def _mean_std(values: list[int]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    n = len(values)
    mean = sum(values) / n
    return mean, max(sum(v * v for v in values) / n - mean * mean, 0.0) ** 0.5


def _char_classes(chars: Counter) -> tuple[int, int, int, int]:
    """(uppercase, digit, space, non-ASCII) character counts."""
    upper = digit = non_ascii = 0
    for c, n in chars.items():
        if c.isupper():
            upper += n
        elif c.isdigit():
            digit += n
        if c > "\x7f":
            non_ascii += n
    return upper, digit, chars[" "], non_ascii


def text_features(text: str) -> np.ndarray:
    """The feature vector of one (normalised) text, in :data:`FEATURE_NAMES` order."""
    n_chars = max(len(text), 1)
    chars = Counter(text)
    words = _WORD.findall(text.lower())
    n_words = max(len(words), 1)
    word_mean, word_std = _mean_std(list(map(len, words)))
    # words per sentence, approximated by spaces per sentence (cheap; exact enough for a shape statistic)
    sentence_mean, sentence_std = _mean_std([s.count(" ") + 1 for s in _SENTENCE_END.split(text) if s])
    shape = [
        _entropy(chars, len(text)),
        word_mean,
        word_std,
        len(set(words[:TTR_WINDOW])) / max(min(len(words), TTR_WINDOW), 1),
        float(np.log1p(sentence_mean)),
        sentence_std / sentence_mean if sentence_mean else 0.0,
        *(count / n_chars for count in _char_classes(chars)),
    ]
    punct = [chars[c] / n_chars * 100 for c in PUNCTUATION]
    function = [0.0] * len(_FUNCTION_INDEX)
    for w, n in Counter(words).items():
        i = _FUNCTION_INDEX.get(w)
        if i is not None:
            function[i] = n / n_words * 100
    return np.array(shape + punct + function)


def feature_matrix(texts: list[str]) -> np.ndarray:
    """Rows of :func:`text_features` for a batch."""
    if not texts:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack([text_features(t) for t in texts])
