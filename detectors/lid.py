"""Language identification on a bounded, normalised, single-line prefix of each text.

The default model is py3langid's (97 languages, shipped inside its wheel as a NumPy archive: no download, no
pickle). Output codes are ISO 639-1 where one exists.
"""
from __future__ import annotations

import threading
from typing import Sequence

from detectors.base import ModelInfo
from detectors.normalize import normalize_text, single_line

UNDETERMINED = "und"
_LOCK = threading.Lock()


class LanguageIdentifier:
    """Batched language ID: ``identify(texts)`` → ``[(lang, probability)]``."""

    def __init__(self, max_chars: int = 2000, min_chars: int = 20) -> None:
        import py3langid
        from py3langid.langid import MODEL_FILE
        from py3langid.langid import LanguageIdentifier as _Model

        with _LOCK:
            self._model = _Model.from_model_file(MODEL_FILE, norm_probs=True)
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.info = ModelInfo(
            name="py3langid", version=getattr(py3langid, "__version__", "unknown"), kind="lid",
            languages=tuple(sorted(self._model.labels)),
        )

    def identify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        out = []
        for text in texts:
            line = single_line(normalize_text(text[: self.max_chars * 2]), self.max_chars)
            if len(line) < self.min_chars:
                out.append((UNDETERMINED, 0.0))
                continue
            lang, prob = self._model.classify(line)
            out.append((lang, float(prob)))
        return out
