"""What dedup compares: the normalised text, its exact key, and its shingles as 32-bit hashes.

Normalisation: Unicode NFKC, invisible format characters dropped, case folded, whitespace collapsed to single
spaces. The exact key is xxh3-64 of that text. A shingle is ``n`` consecutive words (or ``n`` characters, spaces
removed, for unspaced scripts); its hash is a polynomial hash of its UTF-8 bytes (code points for characters)
mod 2^64, computed for all shingles at once from one prefix sum (numpy, no per-word Python call), folded to its
high 32 bits by a multiply-shift — the input width of datasketch's default ``affine32`` scheme, which mixes it
again with MurmurHash3's finaliser before permuting.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np
import xxhash

from provmix.detectors.scripts import INVISIBLE_FORMAT

_U64 = np.uint64
_INVISIBLE = re.compile(f"[{INVISIBLE_FORMAT}]")
_BASE = 0x9E3779B97F4A7C15  # odd, so invertible mod 2^64
_LENGTH_MIX = _U64(0xC2B2AE3D27D4EB4F)
_FOLD = _U64(0xFF51AFD7ED558CCD)
_SPACE = ord(" ")


def dedup_text(text: str) -> str:
    """The text as dedup sees it: NFKC, invisible characters dropped, case folded, whitespace collapsed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return " ".join(text.split())


def exact_key(normalised: str) -> bytes:
    """xxh3-64 of the normalised text (8 bytes, a cheap deterministic shuffle key): equal keys are exact duplicates."""
    return xxhash.xxh3_64_digest(normalised.encode("utf-8"))


class _Powers:
    """``base^j`` and ``base^-j`` mod 2^64 for j < size, grown by doubling and shared by the process."""

    def __init__(self) -> None:
        self.up = self.down = np.ones(1, dtype=_U64)

    def get(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if self.up.size < size:
            length = max(size, 2 * self.up.size, 1 << 12)
            up = np.full(length, _BASE, dtype=_U64)
            down = np.full(length, pow(_BASE, -1, 1 << 64), dtype=_U64)
            up[0] = down[0] = 1
            self.up, self.down = np.cumprod(up, dtype=_U64), np.cumprod(down, dtype=_U64)
        return self.up, self.down


_POWERS = _Powers()


def span_hashes(units: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """32-bit hashes of the unit sequences ``units[start:end]`` (equal sequences, equal hashes, wherever they sit).

    ``units`` are unsigned integers (bytes or code points); products with the uint64 powers wrap mod 2^64.
    """
    up, down = _POWERS.get(units.size + 1)
    prefix = np.zeros(units.size + 1, dtype=_U64)
    np.cumsum(units * up[: units.size], out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * down[starts]
    hashes += (ends - starts).astype(_U64) * _LENGTH_MIX
    hashes ^= hashes >> _U64(29)
    hashes *= _FOLD
    return (hashes >> _U64(32)).astype(np.uint32)


def _spans(
    token_starts: np.ndarray, token_ends: np.ndarray, tokens_per_text: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end of every run of ``n`` consecutive tokens inside one text (the whole text when it has fewer
    tokens; nothing when it has none), and the offsets of each text's runs."""
    runs = np.where(tokens_per_text > 0, np.maximum(tokens_per_text - n + 1, 1), 0)
    offsets = np.zeros(runs.size + 1, dtype=np.int64)
    np.cumsum(runs, out=offsets[1:])
    first_token = np.zeros(runs.size, dtype=np.int64)
    np.cumsum(tokens_per_text[:-1], out=first_token[1:])
    text_of_run = np.repeat(np.arange(runs.size), runs)
    first = first_token[text_of_run] + np.arange(offsets[-1]) - offsets[:-1][text_of_run]
    last = first + np.minimum(tokens_per_text, n)[text_of_run] - 1
    return token_starts[first], token_ends[last], offsets


def _word_tokens(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """UTF-8 bytes of the texts joined by spaces, each word's byte span, and the number of words per text."""
    encoded = [text.encode("utf-8") for text in texts]
    units = np.frombuffer(b" ".join(encoded), dtype=np.uint8)
    spaces = np.flatnonzero(units == _SPACE)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [units.size]))
    real = ends > starts  # empty texts and stray spaces leave empty "words" between spaces
    starts, ends = starts[real], ends[real]
    text_starts = np.zeros(len(encoded), dtype=np.int64)
    np.cumsum([len(text) + 1 for text in encoded[:-1]], out=text_starts[1:])
    text_of_word = np.searchsorted(text_starts, starts, side="right") - 1
    return units, starts, ends, np.bincount(text_of_word, minlength=len(encoded))


def _char_tokens(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Code points of the texts without spaces, each one a token, and the number of characters per text."""
    compact = [text.replace(" ", "") for text in texts]
    units = np.frombuffer("".join(compact).encode("utf-32-le"), dtype=np.uint32)
    positions = np.arange(units.size)
    return units, positions, positions + 1, np.array([len(text) for text in compact], dtype=np.int64)


def batch_shingle_hashes(texts: Sequence[str], *, char_shingles: bool, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many normalised texts in one pass: text ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``.

    A word shingle hashes the bytes from its first word's start to its last word's end, so texts must be
    single-spaced (:func:`dedup_text`) for equal word runs to hash equally.
    """
    units, token_starts, token_ends, tokens = (_char_tokens if char_shingles else _word_tokens)(texts)
    starts, ends, offsets = _spans(token_starts, token_ends, tokens, n)
    return span_hashes(units, starts, ends), offsets


def uses_char_shingles(normalised: str, lang: str | None, char_langs: list, max_word_chars: float) -> bool:
    """Character shingles for unspaced languages, and for any text whose "words" are too long to be words."""
    if lang is not None and lang.split("-")[0].split("_")[0].lower() in char_langs:
        return True
    return len(normalised) > max_word_chars * (normalised.count(" ") + 1)


def shingle_hashes(normalised: str, *, char_shingles: bool, n: int) -> np.ndarray:
    """One document's shingles as 32-bit hashes (duplicates kept: MinHash ignores them)."""
    return batch_shingle_hashes([normalised], char_shingles=char_shingles, n=n)[0]
