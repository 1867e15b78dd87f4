"""py3langid's naive Bayes language model, scored in batches with NumPy instead of a per-byte Python loop.

py3langid walks a deterministic automaton over a text's UTF-8 bytes in Python (one step per byte) and counts
the feature each state emits. The automaton is an Aho-Corasick machine over byte n-grams: the state after a byte
is the longest suffix of the text so far that is a prefix of some n-gram, so it depends only on the last
``depth`` bytes (the deepest state: :data:`AUTOMATON_DEPTH`). :class:`NumpyLangid` computes the state at every byte
of a whole batch at once, with ``depth`` vectorised steps over the batch's bytes joined by ``0xFF`` (a byte that
never occurs in UTF-8 and sends every state back to the start, so each text starts afresh), and scores the
counted features exactly as py3langid does: ``log1p(count) @ log P(feature|class) + log P(class)``, softmax with
temperature ``sqrt(bytes)``, aliased classes folded. ``tests/test_lid.py`` checks it against py3langid itself.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np

_SEPARATOR = 0xFF
# Length of the longest string leading to a state of py3langid 0.4's automaton (breadth-first search from the
# start state, recomputed by tests/test_lid.py; computing it here would cost 0.7 s per process).
AUTOMATON_DEPTH = 6
_ARRAYS = ("classes", "nextmove", "rowbase", "output", "log_p_feature", "log_p_class", "aliases")


def _encode(text: str) -> bytes:
    """py3langid's view of a text: all-caps lower-cased, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


class NumpyLangid:
    """``classify(texts) -> [(label, probability)]`` with py3langid's model and py3langid's results."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        """``arrays``: the model as :meth:`arrays` gives it (from :meth:`from_py3langid` or :meth:`load`)."""
        self.classes: list[str] = arrays["classes"].tolist()
        self._nextmove = arrays["nextmove"]
        self._rowbase = arrays["rowbase"]
        self._output = arrays["output"]
        self._log_p_feature = arrays["log_p_feature"]
        self._log_p_class = arrays["log_p_class"]
        self._aliases = [tuple(pair) for pair in arrays["aliases"].tolist()]
        if np.any(self._nextmove[self._rowbase + _SEPARATOR] != 0) or self._output[0] >= 0:
            raise ValueError("this language model's automaton does not restart on byte 0xFF")

    @classmethod
    def from_py3langid(cls, model: object) -> "NumpyLangid":
        """``model``: a ``py3langid.langid.LanguageIdentifier`` (0.4 model format)."""
        return cls({
            "classes": np.asarray(model.nb_classes),
            "nextmove": np.frombuffer(model.tk_nextmove, dtype=np.dtype(model.tk_nextmove.typecode)),
            "rowbase": np.asarray(model._rowbase, dtype=np.int64),
            "output": np.asarray(model.tk_output, dtype=np.int64),
            # float16 in the model file; float32 multiplies 4x faster
            "log_p_feature": np.asarray(model.nb_ptc, dtype=np.float32),
            "log_p_class": np.asarray(model.nb_pc, dtype=np.float32),
            "aliases": np.asarray(model._alias_pairs, dtype=np.int64).reshape(-1, 2),
        })

    def arrays(self) -> dict[str, np.ndarray]:
        """The model as arrays, :meth:`save` writes them and the constructor takes them."""
        return {
            "classes": np.asarray(self.classes), "nextmove": self._nextmove, "rowbase": self._rowbase,
            "output": self._output, "log_p_feature": self._log_p_feature, "log_p_class": self._log_p_class,
            "aliases": np.asarray(self._aliases, dtype=np.int64).reshape(-1, 2),
        }

    def save(self, folder: Path) -> None:
        """One ``.npy`` file per array in ``folder``, for :meth:`load`."""
        for name, array in self.arrays().items():
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> "NumpyLangid":
        """The model :meth:`save` wrote (a tenth of a second; read into memory, not mapped: random reads of mapped
        file pages made scoring 15% slower)."""
        return cls({name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _ARRAYS})

    def _features(self, encoded: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text index, feature id, count) triples, sorted by text, for the automaton run over every text."""
        symbols = np.frombuffer(bytes([_SEPARATOR]).join(encoded), dtype=np.uint8).astype(np.int64)
        state = np.zeros(len(symbols), dtype=np.int64)
        for back in range(AUTOMATON_DEPTH - 1, -1, -1):  # position i reads bytes i-depth+1 .. i, oldest first
            state[back:] = self._nextmove[self._rowbase[state[back:]] + symbols[: len(symbols) - back]]
        text_index = np.cumsum(symbols == _SEPARATOR)
        emitted = self._output[state]
        found = emitted >= 0
        n_features = len(self._log_p_feature)
        keys, counts = np.unique(text_index[found] * n_features + emitted[found], return_counts=True)
        return keys // n_features, keys % n_features, counts

    def _scores(self, texts_of: np.ndarray, features: np.ndarray, counts: np.ndarray, n_texts: int) -> np.ndarray:
        """Naive Bayes log scores per text: ``log1p(count) @ log P(feature|class) + log P(class)``; zeros for a
        text without features (py3langid's uniform case). One matrix-vector product per text (BLAS)."""
        scores = np.zeros((n_texts, len(self.classes)), dtype=np.float32)
        weights = np.log1p(counts.astype(np.float32))
        bounds = np.searchsorted(texts_of, np.arange(n_texts + 1))
        for i in np.flatnonzero(bounds[1:] > bounds[:-1]):
            rows = slice(bounds[i], bounds[i + 1])
            scores[i] = weights[rows] @ self._log_p_feature[features[rows]] + self._log_p_class
        return scores

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        encoded = [_encode(text) for text in texts]
        scores = self._scores(*self._features(encoded), len(encoded))
        n_bytes = np.array([len(data) or 1 for data in encoded], dtype=np.float32)
        scores *= (1.0 / np.sqrt(n_bytes))[:, None]  # softmax temperature sqrt(bytes), as py3langid
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for kept, folded in self._aliases:
            scores[:, kept] += scores[:, folded]
            scores[:, folded] = 0.0
        best = scores.argmax(axis=1)
        return [(self.classes[b], float(scores[i, b])) for i, b in enumerate(best)]
