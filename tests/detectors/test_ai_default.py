"""The shipped ai-default detector: abstain policy, probabilities, robustness, separation on real data."""
from __future__ import annotations

import re

import numpy as np
import pytest

from provmix.detectors.ai_text.default import MODEL_DIR, load
from provmix.detectors.evaluation.metrics import auroc
from provmix.detectors.registry import load_detector
from provmix.detectors.training.ai_text.corpus import EVALUATION, TRAIN, load_corpus, with_role
from provmix.detectors.training.ai_text.fit import default_data_files
from provmix.detectors.training.ai_text.seen import overlap
from provmix.detectors.training.data import split_by_group

# Written for this test: ordinary English prose, long enough to be scored.
PARAGRAPH = (
    "The library on the corner opened late on Thursdays, which suited the night-shift nurses who came in after "
    "work to borrow thrillers and, occasionally, gardening manuals. Nobody quite knew why the hours had been set "
    "that way; the oldest librarian said it dated from a dispute about the heating bill in 1987. Either way, the "
    "regulars liked it, and the vending machine by the door sold the worst coffee in town."
)
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с"}  # Latin → Cyrillic look-alikes
HOMOGLYPH_LETTER = re.compile("[aeopc]")


def spoof(word: str) -> str:
    """One look-alike letter swapped in: the mixed-script word an attacker writes. (A word made only of
    look-alikes, like a lone "а", is indistinguishable from real Cyrillic and is left alone by the normaliser.)"""
    return HOMOGLYPH_LETTER.sub(lambda m: HOMOGLYPHS[m.group(0)], word, count=1) if len(word) > 1 else word


def perturbations(text: str) -> dict[str, str]:
    words = text.split(" ")
    return {
        "homoglyph": " ".join(spoof(w) if i % 2 == 0 else w for i, w in enumerate(words)),
        "zero_width": "\u200b".join(text[i : i + 7] for i in range(0, len(text), 7)),
        "whitespace": "  \n\t".join(words[:10]) + "\u00a0 " + "   ".join(words[10:]) + "\n\n",
    }


@pytest.fixture(scope="module")
def detector():
    return load_detector("ai-default")


@pytest.fixture(scope="module")
def held_out():
    """The rows `provmix train ai` never fitted nor calibrated on: dev groups + evaluation-only sources."""
    files = default_data_files()
    if not files:
        pytest.skip("../shared/data is absent")
    corpus = load_corpus(files)
    _, dev = split_by_group(with_role(corpus, TRAIN), 0.2, seed=0)
    return dev + with_role(corpus, EVALUATION)


def test_info_describes_the_shipped_model(detector):
    info = detector.info
    assert info.name == "ai-default" and info.kind == "ai" and info.languages == ("en",)
    assert len(info.sha256) == 64 and 0.0 < info.threshold < 1.0
    assert set(info.extra["files"]) == {"model.json", "model.ftz"}
    assert all(f.stat().st_size < 2_000_000 for f in MODEL_DIR.iterdir())


def test_abstains_on_other_languages_and_short_texts(detector):
    texts = [PARAGRAPH, PARAGRAPH, PARAGRAPH[:150], "", PARAGRAPH]
    scores = detector.score(texts, ["en", "de", "en", "en", None])
    assert scores.abstain.tolist() == [False, True, True, True, True]
    assert np.isnan(scores.probability[1:]).all()
    assert 0.0 <= scores.probability[0] <= 1.0


def test_scores_do_not_depend_on_the_batch(detector):
    texts = [PARAGRAPH[i:] + " " + PARAGRAPH[:i] for i in range(0, 300, 20)]
    whole = detector.score(texts, ["en"] * len(texts)).values()
    alone = [detector.score([t], ["en"]).values()[0] for t in texts]
    assert whole == alone  # exactly: Beam sizes batches by timing, outputs must not move


def test_min_chars_is_configurable():
    lenient = load(min_chars=100)
    assert not lenient.score([PARAGRAPH[:150]], ["en"]).abstain[0]
    assert lenient.info.extra["min_chars"] == 100


def test_perturbed_variants_score_like_the_clean_text(detector, held_out):
    texts = [PARAGRAPH] + [r["text"] for r in held_out if len(r["text"]) > 400][:20]
    clean = detector.score(texts, ["en"] * len(texts)).probability
    for name in ("homoglyph", "zero_width", "whitespace"):
        variants = [perturbations(t)[name] for t in texts]
        perturbed = detector.score(variants, ["en"] * len(texts)).probability
        assert np.abs(perturbed - clean).max() <= 0.05, name


def test_evaluation_only_sources_are_not_in_the_training_record(held_out):
    evaluation = [r for r in held_out if r["role"] == EVALUATION]
    seen = overlap(MODEL_DIR, [r["text"] for r in evaluation])
    assert seen is not None and seen["of"] == len(evaluation) > 1000
    assert seen["rows"] == 0  # whole sources and genres held out: not one normalised text was trained on


def test_separates_human_and_ai_on_the_held_out_rows(detector, held_out):
    scores = detector.score([r["text"] for r in held_out], [r["lang"] for r in held_out])
    y = np.array([r["label"] == "ai" for r in held_out])[~scores.abstain]
    # Measured dev AUROC of the shipped model is in docs/ai-detector.md (~0.85); a length-only model reaches
    # ~0.60. 0.75 fails a broken or mismatched model without depending on the exact training run.
    assert auroc(y, scores.probability[~scores.abstain]) > 0.75
