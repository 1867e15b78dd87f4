"""ai-lm on a tiny causal LM: inside `provmix run`, alone and in the cascade, and behind RunInference."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import apache_beam as beam  # noqa: E402
from apache_beam.ml.inference.base import RunInference  # noqa: E402
from apache_beam.testing.util import assert_that  # noqa: E402

from provmix.detectors.inference import DetectorModelHandler  # noqa: E402
from tests.conftest import load_manifest, run_cli  # noqa: E402
from tests.detectors.tiny_models import build_ai_lm_head, build_causal_lm, sentence  # noqa: E402


@pytest.fixture()
def tiny_head(tmp_path: Path) -> tuple[Path, Path]:
    lm = build_causal_lm(tmp_path / "lm", seed=5)
    return build_ai_lm_head(tmp_path / "head", lm), lm


def test_ai_lm_and_cascade_score_in_the_pipeline(inputs: Path, tmp_path: Path, tiny_head: tuple[Path, Path]) -> None:
    head, lm = tiny_head
    lm_spec, cascade_spec = f"ai-lm:{head}", f"ai-cascade:ai-default,ai-lm:{head}"
    config = tmp_path / "provmix.yaml"
    config.write_text(
        "detect:\n"
        f"  detectors: ['{lm_spec}', '{cascade_spec}', ai-default]\n"
        f"  options: {{'{lm_spec}': {{model: '{lm}'}}, '{cascade_spec}': {{model: '{lm}', low: 0.0, high: 1.0}}}}\n"
        "  batch_size: 4\n"
        "mixes: [{name: default, human_floor: 0.0}]\n"
    )
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), "--config", str(config)) == 0

    assert [m["name"] for m in load_manifest(out)["models"]][:2] == ["ai-lm", f"ai-cascade:ai-default,ai-lm:{head}"]
    rows = pq.read_table(out / "labels").to_pylist()
    assert any(row["lang"] == "en" for row in rows)
    for row in rows:
        lm_score, cascade_score, default_score = (s["score"] for s in row["detector_scores"])
        if row["lang"] != "en":
            assert lm_score is None and cascade_score is None
        elif default_score is not None and lm_score is not None:
            assert cascade_score == lm_score  # the band [0, 1] re-scores every text the fast member scored


def test_ai_lm_behind_run_inference(tiny_head: tuple[Path, Path]) -> None:
    head, lm = tiny_head
    elements = [(sentence(60, k), "en") for k in range(5)] + [(sentence(60), "fr")]
    handler = DetectorModelHandler(f"ai-lm:{head}", {"model": str(lm), "batch_size": 2}, max_batch_size=4)

    def check(results):
        by_example = {r.example: r.inference for r in results}
        assert len(by_example) == len(elements)
        assert by_example[elements[-1]] is None
        assert all(0.0 < by_example[e] < 1.0 for e in elements[:-1])

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        assert_that(pipeline | beam.Create(elements) | RunInference(handler), check)
