"""hf-classifier, binoculars and watermark detectors on tiny random models built in the test."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from provmix.detectors.ai_text.hf_classifier import positive_index  # noqa: E402
from provmix.detectors.calibration import PlattCalibration  # noqa: E402
from provmix.detectors.hf import CALIBRATION_FILE  # noqa: E402
from provmix.detectors.registry import load_detector  # noqa: E402
from tests.detectors.tiny_models import build_causal_lm, build_classifier, sentence  # noqa: E402

TEXTS = [sentence(40, 0), sentence(5, 3), sentence(120, 11), "", sentence(300, 2)]  # the last exceeds 256 positions
LANGS = ["en", "en", "de", "en", "en"]


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory):
    return build_classifier(tmp_path_factory.mktemp("classifier"))


@pytest.fixture(scope="module")
def lm_dirs(tmp_path_factory):
    return build_causal_lm(tmp_path_factory.mktemp("observer"), seed=1), build_causal_lm(
        tmp_path_factory.mktemp("performer"), seed=2)


def test_classifier_scores_batches_consistently(classifier_dir):
    one = load_detector(f"hf-classifier:{classifier_dir}", batch_size=1).score(TEXTS, LANGS)
    many = load_detector(f"hf-classifier:{classifier_dir}", batch_size=4).score(TEXTS, LANGS)
    assert one.abstain.tolist() == [False, False, False, True, False]  # the empty text abstains
    scored = ~one.abstain
    assert np.all((one.probability[scored] >= 0) & (one.probability[scored] <= 1))
    np.testing.assert_allclose(one.probability[scored], many.probability[scored], atol=1e-5)  # padding is masked


def test_classifier_info_and_language_restriction(classifier_dir):
    detector = load_detector(f"hf-classifier:{classifier_dir}", languages="en")
    assert detector.info.kind == "ai" and len(detector.info.sha256) == 64
    assert detector.info.extra["positive_label"] == "ai"
    assert detector.score(TEXTS, LANGS).abstain[2]  # German text, English-only restriction


def test_classifier_applies_calibration_file(tmp_path_factory):
    folder = build_classifier(tmp_path_factory.mktemp("calibrated"))
    raw = load_detector(f"hf-classifier:{folder}").score(TEXTS, LANGS)
    (folder / CALIBRATION_FILE).write_text(json.dumps({"method": "platt", "a": 2.0, "b": 0.5, "threshold": 0.7}))
    calibrated = load_detector(f"hf-classifier:{folder}")
    scores = calibrated.score(TEXTS, LANGS)
    scored = ~raw.abstain
    np.testing.assert_allclose(scores.probability[scored], PlattCalibration(2.0, 0.5)(raw.probability[scored]),
                               atol=1e-6)
    assert calibrated.info.threshold == 0.7


def test_positive_label_resolution():
    assert positive_index({0: "Human", 1: "AI"}, None) == 1
    assert positive_index({0: "fake", 1: "real"}, None) == 0
    assert positive_index({0: "LABEL_0", 1: "LABEL_1"}, None) == 1
    assert positive_index({0: "x", 1: "y", 2: "z"}, "z") == 2
    with pytest.raises(ValueError):
        positive_index({0: "x", 1: "y", 2: "z"}, None)
    with pytest.raises(ValueError):
        positive_index({0: "x", 1: "y"}, "ai")


def test_binoculars_is_padding_invariant(lm_dirs):
    observer, performer = lm_dirs
    detector = load_detector(f"binoculars:{observer},{performer}", batch_size=8)
    batch = detector.score(TEXTS, LANGS)
    alone = [detector.score([t], [lang]) for t, lang in zip(TEXTS, LANGS)]
    assert batch.abstain.tolist() == [a.abstain[0] for a in alone] == [False, False, False, True, False]
    for i, single in enumerate(alone):
        if not single.abstain[0]:
            assert batch.probability[i] == pytest.approx(single.probability[0], abs=1e-5)
            assert 0.0 <= batch.probability[i] <= 1.0
    assert detector.info.languages is None and len(detector.info.sha256) == 64


def test_binoculars_rejects_models_without_a_shared_vocabulary(lm_dirs, tmp_path_factory):
    small = build_causal_lm(tmp_path_factory.mktemp("small"), seed=3, vocab_size=20)
    with pytest.raises(ValueError, match="share"):
        load_detector(f"binoculars:{lm_dirs[0]},{small}")
    with pytest.raises(ValueError):
        load_detector(f"binoculars:{lm_dirs[0]}")


def test_watermark_separates_watermarked_generations(lm_dirs):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, WatermarkingConfig

    folder = lm_dirs[0]
    key = {"greenlist_ratio": 0.25, "bias": 8.0, "hashing_key": 12345, "seeding_scheme": "lefthash",
           "context_width": 1}
    (folder / "watermarking_config.json").write_text(json.dumps(key))
    model = AutoModelForCausalLM.from_pretrained(folder, use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(0)
    prompts = tokenizer([sentence(3, k) for k in range(4)], return_tensors="pt")

    def generate(config):
        out = model.generate(**prompts, do_sample=True, max_new_tokens=60, min_new_tokens=60,
                             watermarking_config=config, pad_token_id=tokenizer.pad_token_id)
        return tokenizer.batch_decode(out[:, prompts["input_ids"].shape[1]:], skip_special_tokens=True)

    marked, plain = generate(WatermarkingConfig(**key)), generate(None)
    detector = load_detector(f"watermark:{folder}")
    assert detector.info.kind == "watermark"
    marked_scores = detector.score(marked, ["en"] * 4)
    plain_scores = detector.score(plain, ["en"] * 4)
    assert not marked_scores.abstain.any()
    assert marked_scores.probability.min() > 0.99  # z far above chance
    assert plain_scores.probability.max() < marked_scores.probability.min()
    assert detector.score(["the a"], ["en"]).abstain[0]  # too few tokens to judge
