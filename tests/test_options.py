"""Config loading: typed sections, unknown keys, flag overrides; the job's pipeline options."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from provmix.pipeline.options import ConfigError, JobOptions, ProvmixOptions, load_config


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "provmix.yaml"
    path.write_text(text)
    return str(path)


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config.detect.detectors == ["ai-default", "mt-default"]
    assert [m.name for m in config.mixes] == ["default"]
    assert len(config.sha256()) == 64


def test_sections_and_mixes_are_typed(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, """
extract: {min_text_chars: 10}
mixes:
  - {name: strict, human_floor: 0.9, caps: {ai: 0.02}}
  - {name: loose, human_floor: 0.5, unit: documents}
"""))
    assert config.extract.min_text_chars == 10
    assert [(m.name, m.human_floor, m.unit) for m in config.mixes] == [
        ("strict", 0.9, "tokens"), ("loose", 0.5, "documents")]


def test_human_floor_flag_applies_to_every_mix(tmp_path: Path) -> None:
    path = _write(tmp_path, "mixes: [{name: a, human_floor: 0.9}, {name: b}]\n")
    options = ProvmixOptions(["--human-floor", "0.7"])
    config = load_config(path, options.overrides())
    assert [m.human_floor for m in config.mixes] == [0.7, 0.7]


@pytest.mark.parametrize("text, message", [
    ("mixes: [{name: a, colour: red}]\n", "config.mixes[0]: unknown key(s) colour"),
    ("mixes: [{name: a}, {name: a}]\n", "unique names"),
    ("dedup: {threshold: 1.5}\n", "config.dedup: threshold must be in (0, 1]"),
    ("label: {ai_threshold: high}\n", "config.label.ai_threshold: expected float"),
    ("read: {format: pdf}\n", "read.format must be one of"),
    ("- just\n- a list\n", "expected a mapping at the top level"),
])
def test_invalid_configs_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(_write(tmp_path, text))
    assert message in str(error.value)


def test_job_options_make_each_view_once_and_share_their_values() -> None:
    argv = ["--runner", "FnApiRunner", "--direct_num_workers", "2", "--output", "/tmp/out"]
    options = JobOptions(argv)
    standard = options.view_as(StandardOptions)
    assert options.view_as(StandardOptions) is standard
    assert options.view_as(ProvmixOptions).output == "/tmp/out"
    standard.runner = "DirectRunner"  # a value set through one view is every view's, as with Beam's views
    assert options.view_as(StandardOptions).runner == "DirectRunner"
    assert options.get_all_options()["runner"] == "DirectRunner"
    plain = PipelineOptions(argv)
    plain.view_as(StandardOptions).runner = "DirectRunner"
    assert options.get_all_options() == plain.get_all_options()
    restored = pickle.loads(pickle.dumps(options))
    assert restored.view_as(DirectOptions).direct_num_workers == 2
    assert restored.view_as(StandardOptions).runner == "DirectRunner"
