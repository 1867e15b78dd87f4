"""Late fusion of two detectors: learns to trust the informative one, abstains where either abstains."""
from __future__ import annotations

import random

import numpy as np

from provmix.detectors.base import AI, ModelInfo, Scores
from provmix.detectors.evaluation.metrics import auroc
from provmix.detectors.training.ai_text.fusion import fit_fusion


class TableDetector:
    """A stand-in detector: a fixed probability per text, abstaining on texts it has none for."""

    def __init__(self, name: str, table: dict[str, float]) -> None:
        self.table = table
        self.info = ModelInfo(name=name, version="0", kind=AI)

    def score(self, texts, langs) -> Scores:
        p = [self.table.get(t, np.nan) for t in texts]
        return Scores.build(p, [t not in self.table for t in texts])


def test_fusion_weights_the_informative_detector_and_abstains_with_either():
    rng = random.Random(0)
    rows = [{"text": f"t{i}", "label": "ai" if i % 2 else "human", "lang": "en"} for i in range(400)]
    informative = {r["text"]: min(max(rng.gauss(0.7 if r["label"] == "ai" else 0.3, 0.15), 0.01), 0.99) for r in rows}
    noise = {r["text"]: rng.uniform(0.01, 0.99) for r in rows}
    fused = fit_fusion(TableDetector("noise", noise), TableDetector("informative", {**informative, "only-here": 0.5}),
                       rows)
    assert abs(fused.logistic.weights[1]) > 5 * abs(fused.logistic.weights[0])
    scores = fused.score(["t1", "t2", "only-here"], ["en"] * 3)
    assert scores.abstain.tolist() == [False, False, True]  # the first detector has no score for "only-here"
    all_scores = fused.score([r["text"] for r in rows], ["en"] * len(rows)).probability
    assert auroc([r["label"] == "ai" for r in rows], all_scores) > 0.9
    assert fused.info.name == "noise"
