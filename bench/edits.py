"""Near-duplicates with a known similarity: token-level edits until a target shingle Jaccard is reached.

Tokens are whitespace-separated words, or single characters for scripts written without spaces (Chinese,
Japanese), so an edit changes about one word's worth of text in every script. Similarity is the Jaccard index of
the sets of ``SHINGLE``-token shingles, the quantity MinHash estimates.
"""
from __future__ import annotations

import random
import re

from provmix.detectors.scripts import CJK, HAN_COMPATIBILITY

SHINGLE = 5
_TOLERANCE = 0.01
_PIECES = re.compile(r"\s+|\S+")
_SPACELESS = re.compile(f"[{CJK}{HAN_COMPATIBILITY}]")


def is_spaceless(text: str) -> bool:
    """Mostly Chinese/Japanese/Korean characters: edit and shingle by character."""
    return len(_SPACELESS.findall(text)) * 2 > len(text)


def tokenize(text: str) -> list[str]:
    """Words and the whitespace between them (joined back losslessly); spaceless text split into characters."""
    pieces = _PIECES.findall(text)
    if is_spaceless(text):
        return [char for piece in pieces for char in (piece if not piece.isspace() else [piece])]
    return pieces


def shingles(tokens: list[str], size: int = SHINGLE) -> set[tuple[str, ...]]:
    words = [t for t in tokens if t.strip()]
    if len(words) < size:
        return {tuple(words)}
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _edited(tokens: list[str], n_edits: int, joiner: str, rng: random.Random) -> list[str]:
    """``tokens`` with ``n_edits`` word replacements, deletions and insertions at distinct random positions."""
    word_positions = [i for i, t in enumerate(tokens) if t.strip()]
    chosen = set(rng.sample(word_positions, min(n_edits, len(word_positions))))
    vocabulary = [tokens[i] for i in word_positions]
    out: list[str] = []
    for i, token in enumerate(tokens):
        if i not in chosen:
            out.append(token)
            continue
        operation = rng.random()
        if operation < 0.5:
            out.append(rng.choice(vocabulary))
        elif operation < 0.75:
            continue  # deletion
        else:
            out.extend([token, joiner, rng.choice(vocabulary)])
    return out


def near_duplicate(text: str, target: float, rng: random.Random) -> tuple[str, float]:
    """A copy of ``text`` whose shingle Jaccard with it is as close to ``target`` as edits allow; (copy, measured)."""
    tokens = tokenize(text)
    joiner = "" if is_spaceless(text) else " "
    original = shingles(tokens)
    n_words = sum(bool(t.strip()) for t in tokens)
    low, high = 1, max(1, n_words)
    best: tuple[float, str] | None = None
    state = rng.getstate()
    while low <= high:  # Jaccard falls (noisily) as edits grow: binary search on the number of edits
        middle = (low + high) // 2
        rng.setstate(state)
        candidate = _edited(tokens, middle, joiner, rng)
        score = jaccard(original, shingles(candidate))
        if best is None or abs(score - target) < abs(best[0] - target):
            best = (score, "".join(candidate))
        if abs(score - target) <= _TOLERANCE:
            break
        if score > target:
            low = middle + 1
        else:
            high = middle - 1
    assert best is not None
    return best[1], best[0]
