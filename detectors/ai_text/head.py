"""A logistic head on a detector's input matrix, Platt-calibrated, with its operating threshold: what ``ai-lm``
(LM likelihood features) and ``ai-minilm`` (sentence embeddings) put on top of their encoders.

A head is stored as ``model.json``: the variant, the names of its inputs (loading refuses a file whose inputs are
not what this code computes for that variant), the logistic weights, the calibration, the threshold and metadata.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence, TypeVar

import numpy as np

from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.artifacts import file_sha256, verify_checksums
from provmix.detectors.calibration import PlattCalibration

MODEL_JSON = "model.json"
_KNOWN = ("variant", "inputs", "logistic", "calibration", "threshold")
Head = TypeVar("Head", bound="LogisticHead")


@dataclass(frozen=True)
class LogisticHead:
    """Logistic model + Platt calibration + threshold; subclasses name each variant's inputs."""

    variant: str
    logistic: LogisticModel
    calibration: PlattCalibration = field(default_factory=PlattCalibration)
    threshold: float | None = None
    metadata: dict = field(default_factory=dict)

    @classmethod
    def input_names(cls, variant: str) -> Sequence[str]:
        """The columns of ``variant``'s input matrix, in order; raises ValueError for an unknown variant."""
        raise NotImplementedError

    def raw(self, inputs: np.ndarray) -> np.ndarray:
        return self.logistic.predict(inputs) if len(inputs) else np.zeros(0)

    def probability(self, inputs: np.ndarray) -> np.ndarray:
        return self.calibration(self.raw(inputs)) if len(inputs) else np.zeros(0)

    def save(self, folder: Path) -> str:
        """Write ``model.json`` into ``folder``; returns its sha256."""
        folder.mkdir(parents=True, exist_ok=True)
        document = {"variant": self.variant, "inputs": list(self.input_names(self.variant)),
                    "logistic": self.logistic.to_dict(), "calibration": self.calibration.to_dict(),
                    "threshold": self.threshold, **self.metadata}
        path = folder / MODEL_JSON
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return file_sha256(path)

    @classmethod
    def load(cls: type[Head], folder: Path) -> Head:
        verify_checksums(folder)
        document = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        variant = document["variant"]
        if list(document["inputs"]) != list(cls.input_names(variant)):
            raise ValueError(f"{folder / MODEL_JSON} was trained on other input features than this code computes")
        return cls(variant, LogisticModel.from_dict(document["logistic"]),
                   PlattCalibration.from_dict(document["calibration"]), document["threshold"],
                   {k: v for k, v in document.items() if k not in _KNOWN})
