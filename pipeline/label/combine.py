"""Detector scores of one kind → one calibrated probability (``p_ai`` / ``p_mt``), one evidence item per detector
whose weights sum to the log-odds of that probability, and that probability's operating points.

The operating points are where a detector reaches its targets on held-out calibration data (``detector_scores``'
``threshold``: the probability at 1% false positives on human text, 0.97 for ``ai-default``, 0.79–0.998 per
language for ``mt-default``; ``human_threshold``: the probability at or below which at most 5% of its AI texts
fall; None where a detector ships none). Calibrated probabilities carry the class balance of a training corpus, not
of the web, so with ``label.detector_thresholds`` the label stage labels ``ai`` / ``mt`` only at or above the
first and clears a kind for ``human`` at or below the second.

Rules (``label.combine``): ``max`` takes the detector furthest above its own operating point (ties: the first
configured), the others get weight 0; ``log_odds`` sums ``w × logit p`` with ``w = label.evidence["detector:NAME"]``
(default 1), its operating point the same sum over the thresholds; ``fusion:PATH`` applies a fitted logistic
fusion model (:class:`FusionRule`, no operating point of its own) when every detector it was fitted on scored the
document, and falls back to ``max`` over those that did otherwise.
"""
from __future__ import annotations

import json
import os
from typing import Mapping, NamedTuple, Sequence

from provmix.detectors.artifacts import CARD_FILE
from provmix.pipeline.label.config import DETECTOR_PREFIX, FUSION_PREFIX, LOG_ODDS
from provmix.pipeline.label.evidence import item, logit, probability, sigmoid
from provmix.schemas import documents as d


class Combined(NamedTuple):
    probability: float | None  # None: every detector of the kind abstained (or none is configured)
    items: list[dict]
    threshold: float | None = None  # the operating point of ``probability``; None: the detectors ship none
    human_threshold: float | None = None  # at or below it ``probability`` clears the kind; None: none shipped


class Score(NamedTuple):
    detector: str
    probability: float
    threshold: float | None  # the detector's operating point for this document; None: it ships none
    human_threshold: float | None = None  # its human-side operating point; None: it ships none

    @property
    def margin(self) -> float:
        """Log-odds above the operating point (above 0.5 without one)."""
        return logit(self.probability) - logit(self.threshold or 0.5)


def kind_scores(doc: dict, kind: str) -> list[Score]:
    """The score of every detector of ``kind`` that scored ``doc``, in configured order."""
    scores: dict[str, Score] = {}
    for entry in doc.get(d.DETECTOR_SCORES) or []:
        p = probability(entry.get(d.SCORE))
        if entry.get(d.KIND) == kind and p is not None:
            name = str(entry.get(d.DETECTOR))
            scores.setdefault(name, Score(name, p, probability(entry.get(d.THRESHOLD)),
                                          probability(entry.get(d.HUMAN_THRESHOLD))))
    return list(scores.values())


def _item(kind: str, score: Score, weight: float) -> dict:
    return item(f"p_{kind}:{score.detector}", f"{score.probability:.4f}", weight)


def combine_max(kind: str, scores: Sequence[Score]) -> Combined:
    if not scores:
        return Combined(None, [])
    best = max(range(len(scores)), key=lambda i: (scores[i].margin, -i))
    items = [_item(kind, s, logit(s.probability) if i == best else 0.0) for i, s in enumerate(scores)]
    return Combined(scores[best].probability, items, scores[best].threshold, scores[best].human_threshold)


def combine_log_odds(kind: str, scores: Sequence[Score], weights: Mapping[str, float]) -> Combined:
    if not scores:
        return Combined(None, [])
    w = [weights.get(f"{DETECTOR_PREFIX}{s.detector}", 1.0) for s in scores]
    items = [_item(kind, s, wi * logit(s.probability)) for s, wi in zip(scores, w)]
    threshold = human = None
    if any(s.threshold is not None for s in scores):
        threshold = sigmoid(sum(wi * logit(s.threshold or 0.5) for s, wi in zip(scores, w)))
    if all(s.human_threshold is not None for s in scores):
        human = sigmoid(sum(wi * logit(s.human_threshold) for s, wi in zip(scores, w)))
    return Combined(sigmoid(sum(i[d.WEIGHT] for i in items)), items, threshold, human)


class FusionRule(NamedTuple):
    """``p = sigmoid(bias + Σ w_i (logit p_i - mean_i) / scale_i)`` over ``detectors`` (a logistic fitted on
    calibrated log-odds, as ``detectors.training.ai_text.fusion`` fits it)."""

    kind: str
    detectors: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def load(cls, path: str) -> "FusionRule":
        """From ``{"kind", "detectors", "model": {mean, scale, weights, bias}}``; needs its card beside it."""
        card = os.path.join(os.path.dirname(os.path.abspath(path)), CARD_FILE)
        if not os.path.isfile(card):
            raise ValueError(f"fusion model {path}: no {CARD_FILE} beside it")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        model = data["model"]
        rule = cls(data["kind"], tuple(data["detectors"]), *(tuple(map(float, model[k])) for k in
                                                             ("mean", "scale", "weights")), float(model["bias"]))
        if not len(rule.detectors) == len(rule.mean) == len(rule.scale) == len(rule.weights) or 0.0 in rule.scale:
            raise ValueError(f"fusion model {path}: one mean, non-zero scale and weight per detector")
        return rule

    def combine(self, scores: Sequence[Score]) -> Combined:
        by_name = {s.detector: s for s in scores}
        if any(name not in by_name for name in self.detectors):
            return combine_max(self.kind, scores)
        items = [
            _item(self.kind, by_name[name], w * (logit(by_name[name].probability) - m) / s)
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
