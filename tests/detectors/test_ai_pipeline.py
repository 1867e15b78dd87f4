"""Transformer detectors loaded from a path run inside `provmix run`, next to the shipped default."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from provmix.pipeline.label.evidence import logit

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.conftest import load_manifest, run_cli  # noqa: E402
from tests.detectors.tiny_models import build_causal_lm, build_classifier  # noqa: E402


def test_classifier_and_binoculars_from_paths_score_in_the_pipeline(inputs: Path, tmp_path: Path) -> None:
    classifier = build_classifier(tmp_path / "classifier")
    observer = build_causal_lm(tmp_path / "observer", seed=1)
    performer = build_causal_lm(tmp_path / "performer", seed=2)
    config = tmp_path / "provmix.yaml"
    config.write_text(
        "detect:\n"
        f"  detectors: [ai-default, 'hf-classifier:{classifier}', 'binoculars:{observer},{performer}']\n"
        "  batch_size: 4\n"
        "mixes: [{name: default, human_floor: 0.0}]\n"
    )
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), "--config", str(config)) == 0

    manifest = load_manifest(out)
    assert [m["kind"] for m in manifest["models"]] == ["ai", "ai", "ai"]
    names = [m["name"] for m in manifest["models"]]
    rows = pq.read_table(out / "labels").to_pylist()
    assert rows
    for row in rows:
        scores = row["detector_scores"]
        assert [s["detector"] for s in scores] == names
        # the tiny models score every language; ai-default abstains outside English
        assert all(s["score"] is not None and 0.0 <= s["score"] <= 1.0 for s in scores[1:])
        assert (scores[0]["score"] is None) == (row["lang"] != "en")
        # the label stage combines the detectors (label.combine, default max: the one furthest above its
        # operating point; ai-default ships 0.97, the tiny models none, i.e. 0.5)
        margin = {s["detector"]: logit(s["score"]) - logit(s["threshold"] or 0.5)
                  for s in scores if s["score"] is not None}
        assert row["p_ai"] == next(s["score"] for s in scores if s["detector"] == max(margin, key=margin.get))
        assert scores[0]["threshold"] == (manifest["models"][0]["threshold"] if row["lang"] == "en" else None)
