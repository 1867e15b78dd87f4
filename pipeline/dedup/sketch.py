"""Shingles and MinHash signatures of a batch of normalised texts: the numpy work of the Sketch step (and of
the shingle sets re-made from stored texts for candidate pairs)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from provmix.pipeline.dedup.config import DedupConfig
from provmix.pipeline.dedup.minhash import Permutations, signatures
from provmix.pipeline.dedup.text import batch_shingle_hashes, uses_char_shingles


def shingle_batch(normalised: Sequence[str], langs: Sequence[str | None], config: DedupConfig) -> list[np.ndarray]:
    """Shingle hashes (word or character n-grams as ``config`` and each ``lang`` say) of a batch of normalised
    texts."""
    chars = [uses_char_shingles(text, lang, config.char_ngram_langs, config.max_word_chars)
             for text, lang in zip(normalised, langs)]
    shingles: list[np.ndarray] = [np.empty(0, dtype=np.uint32)] * len(normalised)
    for char_mode, n in ((False, config.ngram), (True, config.char_ngram)):
        rows = [row for row, uses_chars in enumerate(chars) if uses_chars == char_mode]
        if rows:
            hashes, offsets = batch_shingle_hashes([normalised[row] for row in rows], char_shingles=char_mode, n=n)
            for index, row in enumerate(rows):
                shingles[row] = hashes[offsets[index] : offsets[index + 1]]
    return shingles


def sketch_texts(
    normalised: Sequence[str], langs: Sequence[str | None], config: DedupConfig, permutations: Permutations
) -> tuple[list[np.ndarray], np.ndarray]:
    """Shingle hashes (:func:`shingle_batch`) and MinHash signatures (one row per text) of a batch of normalised
    texts."""
    shingles = shingle_batch(normalised, langs, config)
    sizes = np.array([0] + [values.size for values in shingles])
    return shingles, signatures(np.concatenate(shingles), np.cumsum(sizes), permutations)
