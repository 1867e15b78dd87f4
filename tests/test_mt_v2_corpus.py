"""MT v2 data handling: LLM text is a negative, held-out sources never train, originals are capped per source,
lines are balanced, seen-text hashes round-trip, sentence sources join, and training needs an explicit --out."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from provmix.detectors.evaluation import machine_translation as evaluate
from provmix.detectors.machine_translation.model import raw_mt_scores
from provmix.detectors.training.machine_translation import corpus, seen, train
from provmix.detectors.training.machine_translation.corpus import AI, HUMAN, MT, TEST


def _row(i: int, label: str, source: str = "web", lang: str = "xx", text: str | None = None) -> dict:
    return {"text": text or f"text number {i}", "label": label, "source": source, "lang": lang, "group_id": f"{source}:{i}"}


def test_llm_text_trains_as_an_original_and_post_edits_as_mt() -> None:
    assert corpus.training_label(_row(0, AI)) == HUMAN
    assert corpus.training_label({**_row(1, MT), "variant": "post_edited"}) == MT


def test_held_out_sources_are_always_test() -> None:
    rows = [_row(i, AI, source="biscope") for i in range(200)]
    assert {corpus.role_of(r, 0.15, 0.15, 0) for r in rows} == {TEST}
    others = {corpus.role_of(_row(i, HUMAN), 0.15, 0.15, 0) for i in range(200)}
    assert others == {corpus.TRAIN, corpus.DEV, TEST}


def test_originals_are_capped_per_source_and_language_but_mt_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "MAX_ORIGINALS_PER_SOURCE", 10)
    rows = [_row(i, AI, "a") for i in range(30)] + [_row(i, HUMAN, "b") for i in range(5)] + [_row(i, MT) for i in range(40)]
    rows += [_row(i, HUMAN, "a", lang="yy") for i in range(30)]
    kept = corpus.cap_originals(rows, seed=0)
    count = lambda source, lang, label: sum(r["source"] == source and r["lang"] == lang and r["label"] == label for r in kept)
    assert (count("a", "xx", AI), count("b", "xx", HUMAN), count("web", "xx", MT), count("a", "yy", HUMAN)) == (10, 5, 40, 10)
    assert sorted(map(str, kept)) == sorted(map(str, corpus.cap_originals(list(reversed(rows)), seed=0)))


def test_balanced_lines_weigh_mt_and_non_mt_lines_alike() -> None:
    rows = [_row(0, HUMAN), _row(1, AI)] + [_row(i, MT) for i in range(2, 6)]
    documents = [["h"], ["a"]] + [["m1", "m2", "m3"]] * 4  # 2 one-line originals, 4 three-line MT documents
    lines = corpus.balanced_lines(rows, documents, seed=0)
    labels = [line.split()[0] for line in lines]
    assert labels.count("__label__mt") == 12 and labels.count("__label__human") == 12  # 2 lines x 6
    assert "__label__ai" not in labels


def test_seen_hashes_round_trip(tmp_path: Path) -> None:
    seen.write_seen(tmp_path, ["alpha", "beta", "alpha"])
    hashes = seen.read_seen(tmp_path)
    assert hashes is not None and len(hashes) == 2 and (tmp_path / seen.FILENAME).stat().st_size == 16
    assert seen.overlap(hashes, ["beta", "gamma"]).tolist() == [True, False]
    assert seen.read_seen(tmp_path / "missing") is None


def test_sentence_sources_join_into_runs_of_k() -> None:
    rows = [_row(i, HUMAN, "lingua-sentences", text=f"s{i}.") for i in range(7)] + [_row(9, MT, "wmt23")]
    joined = evaluate.join_sentences(rows, 3)
    assert [r["text"] for r in joined] == ["s0. s1. s2.", "s3. s4. s5.", "text number 9"]


def test_training_requires_an_explicit_out() -> None:
    with pytest.raises(SystemExit):
        train.parse_args([])
    assert train.parse_args(["--out", "/tmp/x"]).out == "/tmp/x"


def test_operating_points_keep_the_dev_false_positive_and_miss_rates() -> None:
    """``calibrate`` returns a threshold with at most 1% of the dev originals at or above it and a human threshold
    with at most 5% of the dev MT at or below it."""

    class Model:  # fastText-like: P(mt) grows with the number in the line
        def predict(self, lines: list[str], k: int = -1):
            p = [min(max(float(line) / 100, 0.01), 0.99) for line in lines]
            return [("__label__mt", "__label__human")] * len(lines), [np.array([q, 1 - q]) for q in p]

    rng = np.random.default_rng(0)
    originals = rng.uniform(1, 60, 500)
    mts = rng.uniform(40, 99, 500)
    documents = [[f"{v:.3f}"] for v in [*originals, *mts]]
    labels = [HUMAN] * 250 + [AI] * 250 + [MT] * 500
    calibration, threshold, human = train.calibrate(Model(), documents, labels)
    p = calibration(raw_mt_scores(Model(), documents))
    assert np.mean(p[:500] >= threshold) <= train.TARGET_FPR < np.mean(p[500:] >= threshold)
    assert human < threshold
    assert np.mean(p[500:] <= human) <= train.TARGET_MISS < np.mean(p[500:] <= np.nextafter(np.sort(p[500:])[
        int(np.ceil(train.TARGET_MISS * 500))], np.inf))
    assert np.mean(p[:500] <= human) > 0.5  # most originals (uniform 1-60 against MT 40-99) are cleared


def test_rows_that_may_be_translations_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    rows = [_row(0, HUMAN), {**_row(1, HUMAN), "domain": next(iter(corpus.EXCLUDED_DOMAINS))}, _row(2, "other")]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    assert [r["group_id"] for r in corpus.read_rows([path])] == ["web:0"]
