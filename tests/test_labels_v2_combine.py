"""Detector combination in the label stage: max, weighted log-odds and a fitted fusion model with its card."""
from __future__ import annotations

import json

import pytest

from provmix.pipeline.label import LabelConfig, decide_label
from provmix.pipeline.label.combine import Combiner
from provmix.pipeline.label.evidence import logit, sigmoid
from provmix.schemas import documents as d


def scored(**scores: float | None) -> dict:
    rows = [{d.DETECTOR: name.replace("_", "-"), d.VERSION: "1", d.KIND: d.AI, d.SCORE: p} for name, p in scores.items()]
    return d.new_document(id="x", text="t", source=d.SOURCE_CRAWL, detector_scores=rows)


def weights(evidence: list[dict]) -> dict[str, float]:
    return {e[d.NAME]: e[d.WEIGHT] for e in evidence if e[d.NAME].startswith("label.p_ai")}


def test_max_takes_the_most_confident_detector_wherever_it_is_configured() -> None:
    decision = decide_label(scored(weak=0.1, strong=0.8))
    assert decision.probabilities[d.AI] == 0.8 and decision.label == d.AI
    assert weights(decision.evidence) == {"label.p_ai:weak": 0.0, "label.p_ai:strong": pytest.approx(logit(0.8))}


def test_abstaining_detectors_are_skipped_and_all_abstaining_leaves_p_null() -> None:
    assert decide_label(scored(first=None, second=0.3)).probabilities[d.AI] == 0.3
    assert decide_label(scored(first=None)).probabilities[d.AI] is None


def test_a_single_detector_gives_its_own_score_exactly() -> None:
    assert decide_label(scored(only=0.123456789)).probabilities[d.AI] == 0.123456789


def test_log_odds_sums_weighted_detector_log_odds() -> None:
    config = LabelConfig(combine={d.AI: "log_odds"}, evidence={"detector:b": 0.5})
    decision = decide_label(scored(a=0.7, b=0.9), config)
    assert decision.probabilities[d.AI] == pytest.approx(sigmoid(logit(0.7) + 0.5 * logit(0.9)))
    assert sum(weights(decision.evidence).values()) == pytest.approx(logit(decision.probabilities[d.AI]))


def _fusion(tmp_path, card: bool = True) -> str:
    path = tmp_path / "fusion.json"
    model = {"mean": [0.0, 1.0], "scale": [1.0, 2.0], "weights": [0.5, 2.0], "bias": -0.25}
    path.write_text(json.dumps({"kind": d.AI, "detectors": ["a", "b"], "model": model}))
    if card:
        (tmp_path / "MODEL_CARD.md").write_text("# fusion\n")
    return str(path)


def test_fusion_applies_the_fitted_logistic_and_falls_back_to_max_when_an_input_abstained(tmp_path) -> None:
    config = LabelConfig(combine={d.AI: f"fusion:{_fusion(tmp_path)}"})
    decision = decide_label(scored(a=0.7, b=0.2), config)
    expected = sigmoid(-0.25 + 0.5 * logit(0.7) + 2.0 * (logit(0.2) - 1.0) / 2.0)
    assert decision.probabilities[d.AI] == pytest.approx(expected)
    assert sum(weights(decision.evidence).values()) == pytest.approx(logit(expected))
    assert decide_label(scored(a=0.7, b=None), config).probabilities[d.AI] == 0.7


def test_a_fusion_model_without_its_card_or_for_another_kind_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="MODEL_CARD"):
        Combiner(d.AI, f"fusion:{_fusion(tmp_path, card=False)}", {})
    with pytest.raises(ValueError, match="fusion model for ai"):
        Combiner(d.MT, f"fusion:{_fusion(tmp_path)}", {})
    with pytest.raises(ValueError):
        LabelConfig(combine={d.AI: "mean"})


def with_thresholds(**scores: tuple) -> dict:
    """A document scored by ai detectors given as ``name=(probability, threshold[, human threshold])``."""
    rows = [{d.DETECTOR: name, d.VERSION: "1", d.KIND: d.AI, d.SCORE: p, d.THRESHOLD: t,
             d.HUMAN_THRESHOLD: human[0] if human else None} for name, (p, t, *human) in scores.items()]
    return d.new_document(id="x", text="t", source=d.SOURCE_CRAWL, detector_scores=rows)


def test_a_detector_labels_only_at_its_shipped_operating_point() -> None:
    below, above = with_thresholds(det=(0.96, 0.97)), with_thresholds(det=(0.971, 0.97))
    assert decide_label(below).label == d.UNKNOWN  # 0.96 is above 0.5, but below the 1%-FPR threshold
    assert decide_label(above).label == d.AI
    assert decide_label(below, LabelConfig(detector_thresholds=False)).label == d.AI
    # a threshold below the configured one never lowers the bar
    assert decide_label(with_thresholds(det=(0.4, 0.3))).label == d.UNKNOWN
    # the human side is unchanged: the calibrated probability must be at or below human_max_p_ai
    assert decide_label(with_thresholds(det=(0.2, 0.97)), LabelConfig(human_requires=[d.AI])).label == d.HUMAN
    assert decide_label(with_thresholds(det=(0.3, 0.97)), LabelConfig(human_requires=[d.AI])).label == d.UNKNOWN


def test_max_picks_the_detector_furthest_above_its_own_threshold() -> None:
    # strict scores higher but sits below its threshold; loose is far above its own (none: 0.5)
    decision = decide_label(with_thresholds(strict=(0.9, 0.99), loose=(0.8, None)))
    assert decision.probabilities[d.AI] == 0.8 and decision.label == d.AI
    assert weights(decision.evidence) == {"label.p_ai:strict": 0.0, "label.p_ai:loose": pytest.approx(logit(0.8))}


def test_log_odds_operating_point_is_the_same_sum_over_thresholds() -> None:
    config = LabelConfig(combine={d.AI: "log_odds"})
    combined = Combiner(d.AI, "log_odds", config.evidence)(with_thresholds(a=(0.9, 0.95), b=(0.6, None)))
    assert combined.threshold == pytest.approx(sigmoid(logit(0.95) + logit(0.5)))
    assert decide_label(with_thresholds(a=(0.9, 0.95), b=(0.6, None)), config).label == d.UNKNOWN


def test_a_shipped_human_threshold_replaces_human_max() -> None:
    only_ai = LabelConfig(human_requires=[d.AI])
    assert decide_label(with_thresholds(det=(0.4, 0.97, 0.41)), only_ai).label == d.HUMAN
    assert decide_label(with_thresholds(det=(0.42, 0.97, 0.41)), only_ai).label == d.UNKNOWN
    assert decide_label(with_thresholds(det=(0.4, 0.97)), only_ai).label == d.UNKNOWN  # none shipped: 0.2
    off = LabelConfig(human_requires=[d.AI], detector_thresholds=False)
    assert decide_label(with_thresholds(det=(0.4, 0.97, 0.41)), off).label == d.UNKNOWN
