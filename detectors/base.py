"""The one interface every detector implements (AI text, machine translation, watermark).

A detector turns a batch of texts (with their identified languages) into calibrated probabilities plus an
abstain mask. It never decides a label: the label stage does (``pipeline.label``). Detectors are built once per
worker (in a DoFn's ``setup``) by :func:`detectors.registry.load_detector`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

AI = "ai"
MT = "mt"
WATERMARK = "watermark"
KINDS = (AI, MT, WATERMARK)


@dataclass(frozen=True)
class Scores:
    """One batch of detector output: ``probability[i]`` is NaN exactly where ``abstain[i]`` is true.

    ``threshold[i]`` and ``human_threshold[i]``, when a detector's operating points depend on the text (a
    per-language model), are the calibrated probabilities at which text ``i`` reaches the detector's target
    false-positive rate and at or below which it is cleared (NaN: none); None means :class:`ModelInfo`'s values
    hold for every text.
    """

    probability: np.ndarray
    abstain: np.ndarray
    threshold: np.ndarray | None = None
    human_threshold: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.probability.shape != self.abstain.shape:
            raise ValueError("probability and abstain must have the same shape")
        for points in (self.threshold, self.human_threshold):
            if points is not None and points.shape != self.probability.shape:
                raise ValueError("operating points must have one value per text")

    @classmethod
    def build(cls, probability: Sequence[float], abstain: Sequence[bool], threshold: Sequence[float] | None = None,
              human_threshold: Sequence[float] | None = None) -> "Scores":
        """Scores with NaN forced where abstaining, so no abstained value can leak as a score."""
        p = np.asarray(probability, dtype=np.float64).copy()
        a = np.asarray(abstain, dtype=bool)
        p[a] = np.nan
        points = [None if t is None else np.asarray(t, dtype=np.float64) for t in (threshold, human_threshold)]
        return cls(p, a, *points)

    @classmethod
    def abstain_all(cls, n: int) -> "Scores":
        return cls(np.full(n, np.nan), np.ones(n, dtype=bool))

    def values(self) -> list[float | None]:
        """Per-text probability as Python floats, None where abstained (the Parquet form)."""
        return [None if a else float(p) for p, a in zip(self.probability, self.abstain)]

    def operating_points(self, info: "ModelInfo") -> tuple[np.ndarray, np.ndarray]:
        """Per-text (threshold, human threshold): ``info``'s where the detector has one for every text, NaN
        where abstained or where there is none."""
        return (self._per_text(self.threshold, info.threshold),
                self._per_text(self.human_threshold, info.human_threshold))

    def thresholds(self, info: "ModelInfo") -> tuple[list[float | None], list[float | None]]:
        """:meth:`operating_points` as Python floats, None where there is none (the Parquet form)."""
        return tuple([None if np.isnan(v) else float(v) for v in points] for points in self.operating_points(info))

    def _per_text(self, points: np.ndarray | None, default: float | None) -> np.ndarray:
        if points is None:
            values = np.full(self.abstain.shape, np.nan if default is None else default)
        else:
            values = points.copy()
        values[self.abstain] = np.nan
        return values


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest and model cards record about a loaded detector."""

    name: str
    version: str
    kind: str
    sha256: str | None = None
    path: str | None = None
    languages: tuple[str, ...] | None = None  # None: language-agnostic
    threshold: float | None = None  # decision threshold chosen for the target false-positive rate
    human_threshold: float | None = None  # at or below it the detector clears a text (its target miss rate)
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "sha256": self.sha256,
            "path": self.path,
            "languages": list(self.languages) if self.languages is not None else None,
            "threshold": self.threshold,
            "human_threshold": self.human_threshold,
            **self.extra,
        }


@runtime_checkable
class Detector(Protocol):
    """A provenance detector. ``score`` is batched and must accept any text, abstaining where it cannot judge."""

    info: ModelInfo

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        """Calibrated probability that each text is of ``info.kind`` (AI-written, machine-translated, …)."""
        ...
