"""ai-lm: fused likelihood statistics, batching, abstaining, the head's file contract, and the cascade."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from provmix.detectors.ai_text.cascade import CascadeDetector  # noqa: E402
from provmix.detectors.ai_text.lm import FEATURE_NAMES, load_language_model, sequence_features, token_statistics  # noqa: E402
from provmix.detectors.ai_text.lm_detector import LMHead, load  # noqa: E402
from provmix.detectors.base import AI, ModelInfo, Scores  # noqa: E402
from tests.detectors.tiny_models import build_ai_lm_head, build_causal_lm, sentence  # noqa: E402


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_causal_lm(tmp_path_factory.mktemp("lm") / "lm", seed=3)


def test_fused_statistics_match_the_textbook_definitions() -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 5, 11, generator=generator) * 3
    targets = torch.randint(0, 11, (2, 5), generator=generator)
    likelihood, rank, mean, variance = token_statistics(torch, logits, targets)
    log_probs = torch.log_softmax(logits, -1)
    probs = log_probs.exp()
    order = torch.argsort(logits, dim=-1, descending=True)
    expected_rank = (order == targets.unsqueeze(-1)).float().argmax(-1) + 1
    assert torch.equal(rank, expected_rank)
    assert torch.allclose(likelihood, log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1))
    assert torch.allclose(-mean, -(probs * log_probs).sum(-1))  # entropy
    assert torch.allclose(variance, (probs * (log_probs - mean.unsqueeze(-1)) ** 2).sum(-1), atol=1e-5)


def test_curvature_is_positive_for_the_models_top_choices_and_negative_for_its_last() -> None:
    logits = torch.randn(1, 40, 50, generator=torch.Generator().manual_seed(1)) * 2
    best, worst = logits.argmax(-1), logits.argmin(-1)
    mask = np.ones((1, 40))
    curvature = FEATURE_NAMES.index("curvature")
    top = sequence_features(*(s.double().numpy() for s in token_statistics(torch, logits, best)), mask)
    low = sequence_features(*(s.double().numpy() for s in token_statistics(torch, logits, worst)), mask)
    assert top[0, curvature] > 0 > low[0, curvature]
    assert top[0, FEATURE_NAMES.index("top1_rate")] == 1.0


def test_features_do_not_depend_on_the_batch_and_skip_counts_tokens(tiny_lm: Path) -> None:
    lm = load_language_model(str(tiny_lm), max_tokens=40, batch_size=3)
    texts = [sentence(10, 1), sentence(35, 2), sentence(60, 3), sentence(20, 4)]
    together, counts = lm.features(texts)
    alone = np.vstack([lm.features([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-5)
    assert counts.tolist() == [10, 35, 40, 20]  # truncated at max_tokens
    skipped, skipped_counts = lm.features(texts, [5, 5, 5, 30])
    assert skipped_counts.tolist() == [5, 30, 35, 0]
    assert np.isnan(skipped[3]).all() and not np.isnan(skipped[:3]).any()
    assert not np.allclose(skipped[0], together[0])


def test_detector_abstains_off_english_and_on_short_texts(tiny_lm: Path, tmp_path: Path) -> None:
    head = build_ai_lm_head(tmp_path / "head", tiny_lm)
    detector = load(str(head), model=str(tiny_lm))
    long_text = sentence(60)
    scores = detector.score([long_text, long_text, sentence(5), ""], ["en", "de", "en", "en"])
    assert scores.abstain.tolist() == [False, True, True, True]
    assert 0.0 < scores.probability[0] < 1.0
    assert detector.info.name == "ai-lm" and detector.info.extra["lm_sha256"] and detector.info.sha256


def test_head_refuses_another_lm_and_other_inputs(tiny_lm: Path, tmp_path: Path) -> None:
    other = build_causal_lm(tmp_path / "other", seed=4)
    head = build_ai_lm_head(tmp_path / "head", tiny_lm)
    with pytest.raises(ValueError, match="expects the LM"):
        load(str(head), model=str(other))
    document = (head / "model.json").read_text().replace('"log_rank"', '"log_rank_v0"')
    (head / "model.json").write_text(document)
    with pytest.raises(ValueError, match="other input features"):
        LMHead.load(head)


class _Fixed:
    """A detector returning given probabilities (NaN = abstain), recording what it was asked to score."""

    def __init__(self, values: dict[str, float], threshold: float = 0.5, human: float | None = None) -> None:
        self.values, self.seen = values, []
        self.info = ModelInfo(name="fixed", version="0", kind=AI, threshold=threshold, human_threshold=human)

    def score(self, texts, langs) -> Scores:
        self.seen.extend(texts)
        p = np.array([self.values[t] for t in texts])
        return Scores.build(p, np.isnan(p))


def test_cascade_rescores_only_the_uncertain_band() -> None:
    fast = _Fixed({"sure-human": 0.05, "unsure": 0.5, "unsure-slow-abstains": 0.6, "sure-ai": 0.97,
                   "abstained": np.nan}, threshold=0.97, human=0.4)
    slow = _Fixed({"unsure": 0.9, "unsure-slow-abstains": np.nan}, threshold=0.85)
    cascade = CascadeDetector(fast, slow, 0.2, 0.9, ModelInfo(name="c", version="0", kind=AI))
    texts = list(fast.values)
    scores = cascade.score(texts, ["en"] * len(texts))
    assert slow.seen == ["unsure", "unsure-slow-abstains"]
    assert scores.values()[:4] == [0.05, 0.9, 0.6, 0.97]
    assert scores.abstain.tolist() == [False, False, False, False, True]
    assert (cascade.scored, cascade.rescored) == (4, 2)
    # each text keeps the operating points of the member whose probability it kept
    assert scores.thresholds(cascade.info) == ([0.97, 0.85, 0.97, 0.97, None], [0.4, None, 0.4, 0.4, None])


def test_training_is_deterministic_and_writes_a_loadable_head(tiny_lm: Path, tmp_path: Path) -> None:
    import gzip
    import json

    from provmix.detectors.training.ai_text.lm_train import main

    rows = [{"text": sentence(60, (7 * k + 3 * label) % 50 if label else k * k), "label": "ai" if label else "human",
             "source": f"s{k % 2}", "generator": "g" if label else None, "domain": "d", "lang": "en",
             "group_id": f"g{k}"} for k in range(24) for label in (0, 1)]
    data = tmp_path / "data.jsonl.gz"
    with gzip.open(data, "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    common = ["--data", str(data), "--model", str(tiny_lm), "--max-tokens", "48", "--min-tokens", "16",
              "--per-label", "10", "--cache", str(tmp_path / "cache.jsonl")]
    assert main([*common, "--out", str(tmp_path / "a")]) == 0
    assert main([*common, "--out", str(tmp_path / "b")]) == 0  # second run reads the feature cache
    assert (tmp_path / "a" / "model.json").read_bytes() == (tmp_path / "b" / "model.json").read_bytes()
    assert len((tmp_path / "cache.jsonl").read_text().splitlines()) == 40  # 10 per (source, label), once
    detector = load(str(tmp_path / "a"), model=str(tiny_lm))
    assert detector.info.extra["max_tokens"] == 48 and detector.min_tokens == 16
    assert (tmp_path / "a" / "MODEL_CARD.md").is_file()
