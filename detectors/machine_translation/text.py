"""The one view of a document that MT models train and score on.

Both training and scoring go through :func:`model_input`, so the model can never see something at training time
that scoring does not (or the reverse). Steps: :func:`detectors.normalize.normalize_text`, WMT-style anonymisation
placeholders (``#PRS_ORG#``, ``#NAME#`` …) removed — they occur on every side of WMT22 and a model would learn
them — CJK characters split into single tokens (fastText splits on spaces only), a bounded prefix, one line, and
translationese feature tokens (:mod:`detectors.machine_translation.features`) appended.
Callers run :func:`clean_text` first (the detector also needs its length), then :func:`model_input`.
"""
from __future__ import annotations

import re

from detectors.machine_translation.features import feature_tokens
from detectors.normalize import normalize_text, single_line

MAX_CHARS = 2000  # prefix the model reads; bounds scoring time per document
PLACEHOLDER = re.compile(r"#[A-Za-z][A-Za-z_]*\d*#")
# Han, kana, hangul and CJK punctuation: one token per character.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+|[^\\w\\s]")


def clean_text(text: str) -> str:
    """Normalised text without anonymisation placeholders, cut to :data:`MAX_CHARS`."""
    text = PLACEHOLDER.sub(" ", normalize_text(text[: 2 * MAX_CHARS]))
    return single_line(text, MAX_CHARS)


def tokenize(clean: str) -> str:
    """Lower-cased, space-separated tokens: words, single punctuation marks, and single CJK characters."""
    return " ".join(_TOKEN.findall(clean.lower()))


def model_input(clean: str, with_features: bool = True) -> str:
    """The single fastText line for a :func:`clean_text` result (tokens, then feature tokens if asked)."""
    tokens = tokenize(clean)
    return f"{tokens} {' '.join(feature_tokens(clean))}" if with_features else tokens
