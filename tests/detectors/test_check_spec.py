"""The launcher checks detector specs without loading a model, so a CPU-only launcher can start a GPU job."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from provmix.detectors.registry import UnknownDetector, check_spec
from provmix.pipeline.detect import DetectConfig, check_configured
from tests.conftest import run_cli

pytest.importorskip("transformers")
from tests.detectors.tiny_models import build_classifier  # noqa: E402


def test_a_gpu_spec_passes_the_check_on_a_cpu_machine_without_loading_it(tmp_path: Path) -> None:
    model = build_classifier(tmp_path / "clf")
    loaded_before = "torch" in sys.modules
    check_configured(DetectConfig(detectors=[f"hf-classifier:{model}"],
                                  options={f"hf-classifier:{model}": {"device": "cuda", "batch_size": 64}}))
    assert ("torch" in sys.modules) == loaded_before  # no model library imported, no weights read


@pytest.mark.parametrize("spec, options, message", [
    ("ai-nonsense", {}, "unknown detector 'ai-nonsense'"),
    ("hf-classifier:/no/such/model", {}, "/no/such/model does not exist"),
    ("binoculars:./nope-observer,./nope-performer", {}, "./nope-observer does not exist"),
    ("ai-default", {"devise": "cpu"}, "takes no option devise; it takes: min_chars"),
])
def test_a_bad_spec_or_option_is_named(spec: str, options: dict, message: str) -> None:
    with pytest.raises((UnknownDetector, ValueError), match=message.replace("(", r"\(")):
        check_spec(spec, options)


def test_a_hub_id_and_a_factory_with_open_options_pass() -> None:
    check_spec("hf-classifier:some-org/some-model")  # a hub id: only a worker can tell
    check_spec("mt-default", {"anything": 1})


def test_the_job_records_the_models_its_workers_loaded(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(json.dumps({"text": "A short text about rivers and stones. " * 20}) + "\n")
    assert run_cli("run", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out"),
                   "--allow-empty", "--allow-shortfall") == 0
    models = json.loads((tmp_path / "out" / "manifest.json").read_text())["models"]
    assert [(m["name"], m["kind"]) for m in models] == [("ai-default", "ai"), ("mt-default", "mt")]
    assert all(m["sha256"] for m in models) and models[0]["threshold"] is not None
