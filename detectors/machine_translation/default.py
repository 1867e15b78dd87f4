"""``mt-default``: per-language fastText models over chunks of a document for p(machine-translated).

``load(None)`` reads the shipped models (``detectors/models/mt-default``); ``load("/some/dir")`` reads a
directory written by ``provmix train mt --out /some/dir``. Options:

* ``min_chars`` (int, default from the model config, 100): texts whose normalised form is shorter abstain —
  below about a sentence or two the models are close to chance.

Languages without a model abstain (``p_mt`` stays null, the label stage says ``unknown``), as do empty texts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.artifacts import file_sha256, verify_checksums
from provmix.detectors.base import MT, ModelInfo, Scores
from provmix.detectors.machine_translation.model import CONFIG, LanguageModel, load_language_models, read_config
from provmix.detectors.machine_translation.text import clean_text, model_lines

NAME = "mt-default"
SHIPPED = Path(__file__).resolve().parent.parent / "models" / NAME


class MTDetector:
    """Detector protocol implementation: batches grouped by language, one fastText call per language (every
    chunk of every document of that language)."""

    def __init__(self, directory: Path, min_chars: int | None = None) -> None:
        verify_checksums(directory)
        config = read_config(directory)
        self.models: dict[str, LanguageModel] = load_language_models(directory, config)
        self.features = bool(config["features"])
        self.chunk_tokens = int(config.get("chunk_tokens", 0))  # 0.1.0 directories: one line per document
        self.min_chars = int(config["min_chars"] if min_chars is None else min_chars)
        self.info = ModelInfo(
            name=config["name"],
            version=config["version"],
            kind=MT,
            sha256=file_sha256(directory / CONFIG),
            path=str(directory),
            languages=tuple(sorted(self.models)),
            threshold=None,  # per language, see extra["thresholds"]
            extra={
                "thresholds": {lang: m.threshold for lang, m in sorted(self.models.items())},
                "human_thresholds": {lang: m.human_threshold for lang, m in sorted(self.models.items())},
                "min_chars": self.min_chars,
            },
        )

    def threshold(self, lang: str) -> float | None:
        """The language's 1%-FPR decision threshold on ``p_mt`` (None for an unsupported language)."""
        model = self.models.get(lang)
        return model.threshold if model else None

    def human_threshold(self, lang: str) -> float | None:
        """The language's human operating point on ``p_mt`` (None: unsupported language or none shipped)."""
        model = self.models.get(lang)
        return model.human_threshold if model else None

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        probability = np.full(len(texts), np.nan)
        by_lang: dict[str, tuple[list[int], list[list[str]]]] = {}
        for i, (text, lang) in enumerate(zip(texts, langs)):
            clean = clean_text(text) if lang in self.models and text else ""
            if len(clean) >= max(self.min_chars, 1):
                rows, documents = by_lang.setdefault(lang, ([], []))
                rows.append(i)
                documents.append(model_lines(clean, self.chunk_tokens, self.features))
        threshold, human = np.full(len(texts), np.nan), np.full(len(texts), np.nan)
        for lang, (rows, documents) in by_lang.items():
            model = self.models[lang]
            probability[rows] = model.probabilities(documents)
            threshold[rows] = model.threshold
            human[rows] = np.nan if model.human_threshold is None else model.human_threshold
        return Scores.build(probability, np.isnan(probability), threshold, human)


def load(argument: str | None = None, **options: object) -> MTDetector:
    """Registry factory: ``mt-default`` (shipped models) or ``mt-default:DIR`` (a trained directory)."""
    directory = Path(argument) if argument else SHIPPED
    min_chars = options.get("min_chars")
    return MTDetector(directory, int(min_chars) if min_chars is not None else None)
