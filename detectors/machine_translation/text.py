"""The one view of a document that MT models train and score on.

Training and scoring both go through :func:`clean_text` then :func:`model_lines`, so the model never sees at
training time something that scoring does not (or the reverse). Steps: :func:`detectors.normalize.normalize_text`
on a bounded prefix, WMT-style anonymisation placeholders (``#PRS_ORG#``, ``#NAME#`` …) removed — they occur on
every side of WMT22 and a model would learn them — then lower-cased tokens (words, single punctuation marks, and
single CJK characters: fastText splits on spaces only) cut into chunks of about :data:`CHUNK_TOKENS` tokens.
A document is scored as the mean of its chunks' log-odds (:mod:`detectors.machine_translation.model`).
Optionally the document's translationese feature tokens (:mod:`detectors.machine_translation.features`) are
appended to every chunk.
"""
from __future__ import annotations

import re

from provmix.detectors.machine_translation.features import feature_tokens
from provmix.detectors.normalize import normalize_text
from provmix.detectors.scripts import CJK, CJK_PUNCTUATION, FULLWIDTH

MAX_CHARS = 2000  # prefix the model reads; bounds scoring time per document
# raw characters normalised: room for the whitespace and invisible characters normalisation removes, so padding a
# text with zero-width characters does not shrink what the model reads
_RAW_PREFIX = 2 * MAX_CHARS
CHUNK_TOKENS = 50  # tokens per scored chunk; 0 scores the whole document as one line
PLACEHOLDER = re.compile(r"#[A-Za-z][A-Za-z_]*\d*#")
# Han, kana, hangul, CJK punctuation and fullwidth forms: one token per character.
_CJK = CJK_PUNCTUATION + CJK + FULLWIDTH
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+|[^\\w\\s]")


def clean_text(text: str) -> str:
    """Normalised text without anonymisation placeholders, cut to :data:`MAX_CHARS`."""
    clean = normalize_text(text[:_RAW_PREFIX])
    if "#" in clean:
        clean = PLACEHOLDER.sub("", clean)
    return clean[:MAX_CHARS]


def tokenize(clean: str) -> list[str]:
    """Lower-cased tokens: words, single punctuation marks, and single CJK characters."""
    return _TOKEN.findall(clean.lower())


def chunks(tokens: list[str], size: int) -> list[str]:
    """Space-joined runs of ``size`` tokens (the last one takes a tail shorter than ``size / 2``); one line for
    the whole document when ``size`` is 0. Never empty."""
    if size <= 0 or len(tokens) <= size:
        return [" ".join(tokens)]
    starts = range(0, len(tokens) - size // 2, size)
    ends = [*starts[1:], len(tokens)]
    return [" ".join(tokens[a:b]) for a, b in zip(starts, ends)]


def model_lines(clean: str, chunk_tokens: int = CHUNK_TOKENS, with_features: bool = False) -> list[str]:
    """The fastText lines of a :func:`clean_text` result: its chunks, each followed by the document's feature
    tokens when asked."""
    lines = chunks(tokenize(clean), chunk_tokens)
    if with_features:
        suffix = " " + " ".join(feature_tokens(clean))
        lines = [line + suffix for line in lines]
    return lines
