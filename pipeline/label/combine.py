"""Detector scores of one kind → one calibrated probability (``p_ai`` / ``p_mt``), with one evidence item per
detector whose weights sum to the log-odds of that probability.

Rules (``label.combine``): ``max`` takes the most confident detector (ties: the first configured), the others
get weight 0; ``log_odds`` sums ``w × logit p`` with ``w = label.evidence["detector:NAME"]`` (default 1);
``fusion:PATH`` applies a fitted logistic fusion model (:class:`FusionRule`) when every detector it was fitted
on scored the document, and falls back to ``max`` over those that did otherwise.
"""
from __future__ import annotations

import json
import os
from typing import Mapping, NamedTuple, Sequence

from provmix.pipeline.label.config import DETECTOR_PREFIX, FUSION_PREFIX, LOG_ODDS
from provmix.pipeline.label.evidence import item, logit, probability, sigmoid
from provmix.schemas import documents as d

FUSION_CARD = "MODEL_CARD.md"


class Combined(NamedTuple):
    probability: float | None  # None: every detector of the kind abstained (or none is configured)
    items: list[dict]


def kind_scores(doc: dict, kind: str) -> list[tuple[str, float]]:
    """``(detector, probability)`` of every detector of ``kind`` that scored ``doc``, in configured order."""
    scores: dict[str, float] = {}
    for entry in doc.get(d.DETECTOR_SCORES) or []:
        p = probability(entry.get(d.SCORE))
        if entry.get(d.KIND) == kind and p is not None:
            scores.setdefault(str(entry.get(d.DETECTOR)), p)
    return list(scores.items())


def _item(kind: str, detector: str, p: float, weight: float) -> dict:
    return item(f"p_{kind}:{detector}", f"{p:.4f}", weight)


def combine_max(kind: str, scores: Sequence[tuple[str, float]]) -> Combined:
    if not scores:
        return Combined(None, [])
    best = max(range(len(scores)), key=lambda i: (scores[i][1], -i))
    p = scores[best][1]
    return Combined(p, [_item(kind, name, q, logit(q) if i == best else 0.0) for i, (name, q) in enumerate(scores)])


def combine_log_odds(kind: str, scores: Sequence[tuple[str, float]], weights: Mapping[str, float]) -> Combined:
    if not scores:
        return Combined(None, [])
    items = [_item(kind, name, p, weights.get(f"{DETECTOR_PREFIX}{name}", 1.0) * logit(p)) for name, p in scores]
    return Combined(sigmoid(sum(i[d.WEIGHT] for i in items)), items)


class FusionRule(NamedTuple):
    """``p = sigmoid(bias + Σ w_i (logit p_i - mean_i) / scale_i)`` over ``detectors`` (a logistic fitted on
    calibrated log-odds, as ``detectors.ai_text.fusion`` fits it)."""

    kind: str
    detectors: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def load(cls, path: str) -> "FusionRule":
        """From ``{"kind", "detectors", "model": {mean, scale, weights, bias}}``; needs its card beside it."""
        card = os.path.join(os.path.dirname(os.path.abspath(path)), FUSION_CARD)
        if not os.path.isfile(card):
            raise ValueError(f"fusion model {path}: no {FUSION_CARD} beside it")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        model = data["model"]
        rule = cls(data["kind"], tuple(data["detectors"]), *(tuple(map(float, model[k])) for k in
                                                             ("mean", "scale", "weights")), float(model["bias"]))
        if not len(rule.detectors) == len(rule.mean) == len(rule.scale) == len(rule.weights) or 0.0 in rule.scale:
            raise ValueError(f"fusion model {path}: one mean, non-zero scale and weight per detector")
        return rule

    def combine(self, scores: Sequence[tuple[str, float]]) -> Combined:
        by_name = dict(scores)
        if any(name not in by_name for name in self.detectors):
            return combine_max(self.kind, scores)
        items = [
            _item(self.kind, name, by_name[name], w * (logit(by_name[name]) - m) / s)
            for name, m, s, w in zip(self.detectors, self.mean, self.scale, self.weights)
        ]
        items.append(item(f"p_{self.kind}:fusion_bias", "", self.bias))
        return Combined(sigmoid(sum(i[d.WEIGHT] for i in items)), items)


class Combiner:
    """The configured rule of one kind, loaded once per worker."""

    def __init__(self, kind: str, rule: str, weights: Mapping[str, float]) -> None:
        self.kind, self.rule, self.weights = kind, rule, weights
        self.fusion = FusionRule.load(rule[len(FUSION_PREFIX):]) if rule.startswith(FUSION_PREFIX) else None
        if self.fusion is not None and self.fusion.kind != kind:
            raise ValueError(f"combine.{kind}: {rule} is a fusion model for {self.fusion.kind}")

    def __call__(self, doc: dict) -> Combined:
        scores = kind_scores(doc, self.kind)
        if self.fusion is not None:
            return self.fusion.combine(scores)
        if self.rule == LOG_ODDS:
            return combine_log_odds(self.kind, scores, self.weights)
        return combine_max(self.kind, scores)
