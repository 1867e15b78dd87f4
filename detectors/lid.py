"""Language identification on a bounded, normalised, single-line prefix of each text.

The model is py3langid's (139 language labels, shipped inside its wheel as a NumPy archive: no download, no pickle).
It was chosen over lingua, CLD3 and fastText's lid.176 by the measurements in ``docs/lid.md``
(``python -m bench lid``): the most accurate of them on held-out news and web text in nine languages, with the
smallest install after CLD3. Its cost grows with the prefix length, so the default prefix is 500 characters
(accuracy 0.994 against 0.996 at 2,000 characters, three times faster). Output codes are ISO 639-1 where one exists.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Sequence

from provmix.detectors.artifacts import file_sha256
from provmix.detectors.base import ModelInfo
from provmix.detectors.cache import cached_folder
from provmix.detectors.langid_numpy import NumpyLangid
from provmix.detectors.normalize import LETTER_RUN, matched_chars, normalize_text
from provmix.detectors.scripts import CJK, HAN_COMPATIBILITY

log = logging.getLogger(__name__)
UNDETERMINED = "und"
_NO_LANGUAGE = "zxx"  # py3langid's class for text without linguistic content
_LOCK = threading.Lock()
_CJK_RUN = re.compile(f"[{CJK}{HAN_COMPATIBILITY}]+")
CJK_WEIGHT = 3  # one Chinese/Japanese/Korean character carries about as much as three alphabetic letters


def letter_count(text: str) -> int:
    """Letters in ``text`` (digits, punctuation and symbols do not count), CJK characters counted ``CJK_WEIGHT``×."""
    letters = matched_chars(LETTER_RUN, text)
    if text.isascii():
        return letters
    return letters + (CJK_WEIGHT - 1) * matched_chars(_CJK_RUN, text)


def has_letters(text: str, minimum: int) -> bool:
    """``letter_count(text) >= minimum``, mostly from a short prefix: a prefix never has more letters than its text,
    and nearly every document has enough in its first few words."""
    return letter_count(text[: 4 * minimum]) >= minimum or letter_count(text) >= minimum


def _unpacked_model() -> NumpyLangid:
    """py3langid's model from its LZMA-compressed file (about 0.5 s)."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as Py3Langid

    return NumpyLangid.from_py3langid(Py3Langid.from_model_file(MODEL_FILE, norm_probs=True))


@functools.lru_cache(maxsize=1)
def _shipped_model() -> NumpyLangid:
    """py3langid's model, loaded once per process and shared (it is only read): from its unpacked arrays in the
    cache (:mod:`provmix.detectors.cache`, keyed by the model file's sha256), which the first load on a machine
    writes; unpacked in memory where the cache cannot be written or its arrays cannot be read (a file removed or
    cut short): a damaged cache costs half a second per process, never the run."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    name = f"py3langid-{file_sha256(MODEL_DIR / MODEL_FILE)[:16]}"
    try:
        return NumpyLangid.load(cached_folder(name, lambda staging: _unpacked_model().save(staging)))
    except (OSError, ValueError) as error:  # np.load raises ValueError on a truncated or foreign file
        log.warning("language model cache not usable (%s): unpacking py3langid's model in memory", error)
        return _unpacked_model()


class LanguageIdentifier:
    """Batched language ID: ``identify(texts)`` → ``[(lang, probability)]``, ``("und", 0.0)`` when undetermined.

    ``max_chars``: the prefix that is classified. ``min_chars``: fewer letters than this (see :func:`letter_count`)
    is undetermined.
    """

    def __init__(self, max_chars: int = 500, min_chars: int = 20) -> None:
        import py3langid

        with _LOCK:
            self._model = _shipped_model()
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.info = ModelInfo(
            name="py3langid", version=getattr(py3langid, "__version__", "unknown"), kind="lid",
            languages=tuple(sorted(set(self._model.classes) - {_NO_LANGUAGE})),
            extra={"max_chars": max_chars, "min_chars": min_chars},
        )

    def identify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        # normalize_text already leaves one line (whitespace collapsed): only the cut remains
        lines = [normalize_text(text[: self.max_chars * 2])[: self.max_chars] for text in texts]
        scored = [i for i, line in enumerate(lines) if has_letters(line, self.min_chars)]
        out = [(UNDETERMINED, 0.0)] * len(lines)
        for i, (lang, prob) in zip(scored, self._model.classify([lines[i] for i in scored])):
            if lang != _NO_LANGUAGE:
                out[i] = (lang, prob)
        return out
