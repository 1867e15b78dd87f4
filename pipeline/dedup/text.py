"""What dedup compares: the normalised text, its exact key, and its shingles as 32-bit hashes.

Normalisation is the detectors' (NFKC, invisible characters dropped, look-alikes mapped, whitespace collapsed)
plus case folding. Word tokens are hashed with xxh3-64; character tokens are their code points passed through a
64-bit mixer. An n-gram of tokens is hashed by combining its token hashes with per-position odd multipliers and
the MurmurHash3 64-bit finaliser, all vectorised in numpy, then cut to 32 bits (the input width of datasketch's
default ``affine32`` MinHash scheme).
"""
from __future__ import annotations

import numpy as np
import xxhash

from detectors.normalize import normalize_text

_UINT64 = np.uint64
# Per-position multipliers for the n-gram combination (odd, so each position is a bijection on 2^64).
_POSITION_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0x2545F4914F6CDD1D, 0x9FB21C651E98DF25,
    ],
    dtype=_UINT64,
)
MAX_NGRAM = len(_POSITION_MULTIPLIERS)


def dedup_text(text: str) -> str:
    """The text as dedup sees it: normalised and case-folded."""
    return normalize_text(text).casefold()


def exact_key(normalised: str) -> int:
    """xxh3-64 of the normalised text: equal keys are exact duplicates."""
    return xxhash.xxh3_64_intdigest(normalised.encode("utf-8"))


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (a bijection that spreads every input bit)."""
    values = values ^ (values >> _UINT64(33))
    values = values * _UINT64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> _UINT64(33))
    values = values * _UINT64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> _UINT64(33))


def word_tokens(normalised: str) -> np.ndarray:
    """xxh3-64 of every whitespace-separated word."""
    words = normalised.encode("utf-8").split()
    return np.fromiter(map(xxhash.xxh3_64_intdigest, words), dtype=_UINT64, count=len(words))


def char_tokens(normalised: str) -> np.ndarray:
    """Mixed code points of every non-space character."""
    compact = "".join(normalised.split())
    return fmix64(np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(_UINT64))


def ngram_hashes(tokens: np.ndarray, n: int) -> np.ndarray:
    """32-bit hashes of every n-gram of ``tokens`` (the whole sequence when it is shorter than ``n``)."""
    if not 1 <= n <= MAX_NGRAM:
        raise ValueError(f"n-gram size must be in 1..{MAX_NGRAM}, got {n}")
    if tokens.size == 0:
        return np.empty(0, dtype=np.uint32)
    n = min(n, tokens.size)
    count = tokens.size - n + 1
    combined = tokens[:count] * _POSITION_MULTIPLIERS[0]
    for position in range(1, n):
        combined = combined + tokens[position : position + count] * _POSITION_MULTIPLIERS[position]
    return (fmix64(combined) >> _UINT64(32)).astype(np.uint32)


def uses_char_shingles(normalised: str, lang: str | None, char_langs: list, max_word_chars: float) -> bool:
    """Character shingles for unspaced languages, and for any text whose "words" are too long to be words."""
    if lang is not None and lang.split("-")[0].split("_")[0].lower() in char_langs:
        return True
    spaces = normalised.count(" ")
    return len(normalised) > max_word_chars * (spaces + 1)


def shingle_hashes(normalised: str, *, char_shingles: bool, n: int) -> np.ndarray:
    """The document's shingle set as 32-bit hashes (duplicates kept: MinHash ignores them)."""
    tokens = char_tokens(normalised) if char_shingles else word_tokens(normalised)
    return ngram_hashes(tokens, n)
