"""Remix without rescanning: `provmix mix RUN --config new.yaml --output NEW` equals a fresh run with the new config."""
from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import jsonschema
import pytest
import yaml

from provmix.pipeline.graph import STAGES, Layout, build
from provmix.pipeline.options import load_config
from provmix.pipeline.remix import remix
from provmix.schemas.manifest import MANIFEST_SCHEMA
from provmix.pipeline.runner import RunError, skipped_stages
from provmix.pipeline.write import read_json
from provmix.schemas import documents as d
from tests.conftest import run_cli

WORDS = "river stone bread market winter letter garden music window silver story paper light city".split()
BASE = {"detect": {"detectors": []}, "dedup": {"enabled": False}}


def _texts(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 200))) + f" {i}." for i in range(n)]


def _config(path: Path, mixes: list[dict]) -> str:
    path.write_text(yaml.safe_dump({**BASE, "mixes": mixes}))
    return str(path)


def _finished_run(config_path: str, inputs: dict[str, list[str]], out: Path) -> None:
    """A run's outputs written straight into ``out`` (the graph without the runner's staging)."""
    config, layout = load_config(config_path), Layout(str(out))
    with beam.Pipeline(runner="FnApiRunner") as p:
        build(p, config, inputs, layout)
    skipped = skipped_stages(config)
    (out / "manifest.json").write_text(json.dumps({  # what finalize takes from the graph's outputs
        "config": config.as_dict(), "inputs": read_json(layout.inputs), "models": read_json(layout.models),
        "stages_skipped": skipped,
        "stages_run": [stage for stage in STAGES if stage not in skipped], "dedup": config.dedup.as_manifest()}))


def _rows(folder: Path) -> list[dict]:
    return sorted(pq.read_table(folder).to_pylist(), key=lambda row: json.dumps(row, sort_keys=True, default=str))


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, list[str]]:
    rng = random.Random(7)
    for name, n in (("crawl", 40), ("reference", 12)):
        with open(tmp_path / f"{name}.jsonl", "w") as f:
            for i, text in enumerate(_texts(rng, n)):
                f.write(json.dumps({"id": f"{name}-{i}", "text": text}) + "\n")
    return {d.SOURCE_CRAWL: [str(tmp_path / "crawl.jsonl")], d.SOURCE_REFERENCE: [str(tmp_path / "reference.jsonl")]}


def test_remix_equals_a_fresh_run_with_the_new_config(tmp_path: Path, inputs: dict) -> None:
    old = _config(tmp_path / "old.yaml", [{"name": "default", "human_floor": 0.3}])
    new = _config(tmp_path / "new.yaml", [{"name": "default", "human_floor": 0.8},
                                          {"name": "docs", "human_floor": 0.5, "unit": "documents", "seed": 3},
                                          {"name": "expected", "human_floor": 0.5, "unit": "expected_tokens"}])
    _finished_run(old, inputs, tmp_path / "run")
    _finished_run(new, inputs, tmp_path / "fresh")
    assert run_cli("mix", str(tmp_path / "run"), "--config", new, "--output", str(tmp_path / "remix")) == 0
    for table in ("mix/default", "mix/docs", "mix/expected", "rejected", "labels"):
        assert _rows(tmp_path / "remix" / table) == _rows(tmp_path / "fresh" / table), table
    manifest = json.loads((tmp_path / "remix" / "manifest.json").read_text())
    jsonschema.validate(manifest, MANIFEST_SCHEMA)  # a remix's manifest keeps the run's contract
    assert manifest["verified"] and manifest["remixed_from"] == str(tmp_path / "run")
    assert manifest["inputs"] == json.loads((tmp_path / "run" / "manifest.json").read_text())["inputs"]
    fresh_floor = json.loads((tmp_path / "fresh" / "_floor.json").read_text())
    assert sorted(map(json.dumps, manifest["floor"])) == sorted(map(json.dumps, fresh_floor))
    assert len(_rows(tmp_path / "remix" / "mix" / "default")) < len(_rows(tmp_path / "run" / "mix"))
    assert all(row[d.N_TOKENS] > 0 for row in _rows(tmp_path / "remix" / "labels"))
    for name, mix in manifest["mixes"].items():  # every mix accounts for every record the run read
        counts = mix["counts"]
        assert counts["read"] == 52 == counts["kept"] + counts["rejected"] + counts["failed"], name
        assert counts["kept"] == len(_rows(tmp_path / "remix" / "mix" / name))


def test_remix_refuses_a_config_that_changes_what_reaches_the_floor(tmp_path: Path, inputs: dict) -> None:
    old = _config(tmp_path / "old.yaml", [{"name": "default"}])
    _finished_run(old, inputs, tmp_path / "run")
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({**BASE, "label": {"ai_threshold": 0.7}}))
    with pytest.raises(RunError, match="changes label"):
        remix(str(tmp_path / "run"), str(changed), str(tmp_path / "remix"))
    assert not (tmp_path / "remix").exists()


def test_remix_exits_like_a_run_on_shortfall_and_on_a_failed_floor(tmp_path: Path, inputs: dict) -> None:
    _finished_run(_config(tmp_path / "old.yaml", [{"name": "default"}]), inputs, tmp_path / "run")
    warn = _config(tmp_path / "warn.yaml", [{"name": "default", "human_floor": 0.99, "policy": "warn"}])
    fail = _config(tmp_path / "fail.yaml", [{"name": "default", "human_floor": 0.99, "policy": "fail"}])
    run = str(tmp_path / "run")
    assert run_cli("mix", run, "--config", warn, "--output", str(tmp_path / "w")) == 4
    assert run_cli("mix", run, "--config", warn, "--output", str(tmp_path / "w2"), "--allow-shortfall") == 0
    assert run_cli("mix", run, "--config", fail, "--output", str(tmp_path / "f")) == 5
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and not (tmp_path / "f" / "mix").exists()
