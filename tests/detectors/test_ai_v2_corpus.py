"""ai-default v2 training pieces: corpus roles / caps / weights, the per-source threshold, the training-text record,
and the evaluation's human false-positive rate and length-matched AUROC (synthetic rows; no shared data needed)."""
from __future__ import annotations

import numpy as np

from provmix.detectors.evaluation.ai_text import human_fpr_by_source, length_matched_auroc, overlap_warning
from provmix.detectors.evaluation.metrics import threshold_at_fpr
from provmix.detectors.training.ai_text.corpus import (
    CALIBRATION,
    EVALUATION,
    TRAIN,
    CorpusConfig,
    build_corpus,
    capped,
    join_sentences,
)
from provmix.detectors.training.ai_text.seen import HASH_FILE, overlap, write_hashes
from provmix.detectors.training.thresholds import human_threshold_at_macro_miss, threshold_at_macro_fpr


def row(source: str, label: str = "human", domain: str = "d", lang: str = "en", i: int = 0, **extra) -> dict:
    return {"text": f"text {source} {domain} {i}", "label": label, "source": source, "domain": domain,
            "lang": lang, "group_id": f"{source}/{domain}/{i}", "generator": None, **extra}


def test_roles_hold_out_whole_sources_and_genres():
    genres = ["academic", "bio", "conversation", "court"]  # sorted: train, calibration, evaluation, train
    rows = [row("gum-docs", domain=g) for g in genres] + [row("mixset", "ai"), row("gum-summaries"),
            row("ud-ewt-sources", domain="answers"), row("ud-ewt-sources", domain="reviews"), row("detectrl", "ai")]
    roles = {(r["source"], r["domain"]): r["role"] for r in build_corpus(rows)}
    assert [roles[("gum-docs", g)] for g in genres] == [TRAIN, CALIBRATION, EVALUATION, TRAIN]
    assert roles[("mixset", "d")] == CALIBRATION and roles[("gum-summaries", "d")] == EVALUATION
    assert roles[("ud-ewt-sources", "answers")] == EVALUATION and roles[("ud-ewt-sources", "reviews")] == TRAIN
    assert roles[("detectrl", "d")] == TRAIN


def test_corpus_keeps_english_human_and_ai_rows_and_weights_web_text():
    rows = [row("detectrl", "ai"), row("detectrl", "mt", i=1), row("hc3plus", lang="zh"), row("gensim-testdata"),
            row("detectrl", "ai", i=2, llm_preamble=True), row("l2r", "ai", domain="code")]
    corpus = build_corpus(rows, CorpusConfig(web_weight=3))
    weights = {r["group_id"]: r["weight"] for r in corpus}
    assert weights == {"detectrl/d/0": 1, "gensim-testdata/d/0": 3, "detectrl/d/2": 0, "l2r/code/0": 0}


def test_cap_keeps_whole_groups_deterministically():
    rows = [{**row("l2r", i=i // 3), "variant": i % 3} for i in range(3000)]  # 1000 groups of 3
    kept = capped(rows, 600, seed=0)
    assert 450 <= len(kept) <= 750 and kept == capped(rows, 600, seed=0)
    groups = {r["group_id"] for r in kept}
    assert len(kept) == 3 * len(groups)  # never part of a group
    assert capped(rows[:10], 600, seed=0) == rows[:10]


def test_sentences_join_into_pseudo_documents():
    sentences = [row("lingua-sentences", i=i) for i in range(9)]
    documents = join_sentences(sentences, 4)
    assert len(documents) == 2  # the incomplete tail is dropped
    assert documents[0]["text"] == " ".join(s["text"] for s in sentences[:4])
    assert len({d["group_id"] for d in documents}) == 2


def test_macro_threshold_protects_a_small_source_that_pooling_hides():
    rng = np.random.default_rng(0)
    big = rng.uniform(0.0, 0.5, 2000)  # easy human text
    small = np.concatenate([rng.uniform(0.0, 0.5, 40), [0.9, 0.95]])  # 2 of 42 look AI: 4.8% there
    scores = np.concatenate([big, small, rng.uniform(0.6, 1.0, 500)])
    y = np.array([0] * (len(big) + len(small)) + [1] * 500)
    sources = ["big"] * len(big) + ["small"] * len(small) + ["ai"] * 500
    pooled = threshold_at_fpr(y, scores, 0.01)
    macro = threshold_at_macro_fpr(y, scores, sources, 0.01)
    assert pooled <= 0.9  # pooled: 2 of 2042 negatives is 0.1%, so both small-source texts pass
    assert macro > 0.95  # averaged per source, the small source's 4.8% forces the threshold above both
    fpr = [(s >= macro).mean() for s in (big, small)]
    assert np.mean(fpr) <= 0.01


def test_training_record_is_reproducible_and_matches_normalised_text(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    texts = ["Some training text.", "Another one", "Some training text."]
    write_hashes(a, texts)
    write_hashes(b, reversed(texts))
    assert (a / HASH_FILE).read_bytes() == (b / HASH_FILE).read_bytes()
    seen = overlap(a, ["Some  training\ntext.", "never seen", "Another one"])
    assert seen == {"rows": 2, "of": 3, "fraction": 2 / 3, "file": HASH_FILE}
    assert overlap(tmp_path, ["x"]) is None and overlap(None, ["x"]) is None
    assert "2 of 3 evaluation rows" in overlap_warning({"training_overlap": seen})
    assert overlap_warning({"training_overlap": {**seen, "rows": 0}}) is None


def test_human_fpr_per_source_counts_scored_humans_above_threshold_and_cleared_below_human_max():
    rows = [{"source": s} for s in ("web", "web", "web", "web", "ai-set")]
    y = np.array([0, 0, 0, 0, 1])
    p = np.array([0.9, 0.1, 0.2, np.nan, 0.95])
    abstain = np.array([False, False, False, True, False])
    out = human_fpr_by_source(rows, y, p, abstain, threshold=0.5, human_max=0.15)
    assert out == {"web": {"human": 4, "scored": 3, "abstained": 1, "false_positives": 1, "fpr": 1 / 3,
                           "cleared": 1, "cleared_rate": 1 / 3}}
    assert human_fpr_by_source(rows, y, p, abstain, threshold=0.5)["web"]["cleared"] == 2  # default 0.2


def test_length_matched_auroc_removes_a_pure_length_signal():
    rng = np.random.default_rng(1)
    lengths = np.concatenate([rng.integers(100, 3000, 400), rng.integers(300, 4000, 400)])
    y = np.array([0] * 400 + [1] * 400)
    rows = [{"text": "x" * n} for n in lengths]
    p = np.log(lengths) + rng.normal(0, 0.05, len(lengths))  # a "detector" that only measures length
    matched = length_matched_auroc(rows, y, p, np.zeros(len(y), dtype=bool))
    assert matched["n"] % 2 == 0 and matched["n"] < len(y)
    assert abs(matched["auroc"] - 0.5) < 0.1  # within a length decile, length says little


def test_human_threshold_keeps_the_miss_rate_averaged_over_ai_sources():
    # source a: ai scores 0.1..1.0; source b: ai scores 0.55..1.0; humans do not matter
    a, b = np.linspace(0.1, 1.0, 10), np.linspace(0.55, 1.0, 10)
    scores = np.concatenate([a, b, [0.0, 0.05]])
    y = np.array([1] * 20 + [0, 0])
    sources = ["a"] * 10 + ["b"] * 10 + ["a", "b"]
    t = human_threshold_at_macro_miss(y, scores, sources, target_miss=0.05)
    assert 0.1 <= t < 0.2  # one of a's ten below it is a 10% miss in a, 0% in b: 5% averaged
    assert human_threshold_at_macro_miss(y, scores, sources, target_miss=0.0) < 0.1
    assert human_threshold_at_macro_miss(np.zeros(3), np.ones(3), ["a"] * 3, 0.05) is None
