"""Deploy artefacts stay true to the code: the Flex Template parameters are the CLI's options, every deploy file
parses, every shipped data file is package data, and the nightly script is idempotent by date."""
from __future__ import annotations

import argparse
import json
import os
import py_compile
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from apache_beam.options.pipeline_options import PipelineOptions

from provmix.pipeline.options import ProvmixOptions
from provmix.pipeline.runner import RunError, run
from tests import fixtures

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
METADATA = DEPLOY / "dataflow" / "metadata.json"
# a value of each option type that the template's regexes must accept, as the launcher passes it: --name=value
TYPED_VALUES = {int: ("8", 8), float: ("0.5", 0.5)}


def _options() -> dict[str, argparse.Action]:
    """ProvmixOptions' own flags, by destination name (what the template launcher passes as --name=value)."""
    parser = argparse.ArgumentParser()
    ProvmixOptions._add_argparse_args(parser)
    return {action.dest: action for action in parser._actions if action.dest != "help"}


def _parameters() -> dict[str, dict]:
    parameters = json.loads(METADATA.read_text())["parameters"]
    names = [p["name"] for p in parameters]
    assert len(names) == len(set(names)), "duplicate template parameters"
    return {p["name"]: p for p in parameters}


def _accepts(parameter: dict, value: str) -> bool:
    return all(re.fullmatch(pattern, value) for pattern in parameter["regexes"])


def _parse(flag: str) -> ProvmixOptions:
    return PipelineOptions([flag]).view_as(ProvmixOptions)


def test_template_parameters_are_exactly_the_provmix_options() -> None:
    assert sorted(_parameters()) == sorted(_options())


def test_every_parameter_is_described_and_typed() -> None:
    metadata = json.loads(METADATA.read_text())
    assert metadata["name"] and metadata["description"]
    for name, parameter in _parameters().items():
        assert parameter["label"].strip() and len(parameter["helpText"]) > 20, name
        assert isinstance(parameter["isOptional"], bool), name
        assert parameter["regexes"], name
        for pattern in parameter["regexes"]:
            re.compile(pattern)
        assert not _accepts(parameter, "bad value with spaces"), name


@pytest.mark.parametrize("name", sorted(_options()))
def test_values_the_template_accepts_parse_as_the_launcher_passes_them(name: str) -> None:
    action, parameter = _options()[name], _parameters()[name]
    if isinstance(action.default, bool):  # a flag: the launcher passes --name=true|false
        for text, value in (("true", True), ("false", False)):
            assert _accepts(parameter, text)
            assert getattr(_parse(f"--{name}={text}"), name) is value
    elif action.type in TYPED_VALUES:
        text, value = TYPED_VALUES[action.type]
        assert _accepts(parameter, text) and not _accepts(parameter, "eight")
        assert getattr(_parse(f"--{name}={text}"), name) == value
    else:
        parsed = getattr(_parse(f"--{name}=gs://bucket/x"), name)
        assert parsed == (["gs://bucket/x"] if isinstance(action, argparse._AppendAction) else "gs://bucket/x")


def test_required_parameters_are_the_ones_a_run_cannot_start_without(tmp_path: Path) -> None:
    required = {name for name, p in _parameters().items() if not p["isOptional"]}
    values = {"input": str(tmp_path / "missing-*.jsonl"), "output": str(tmp_path / "out")}
    assert required == set(values)
    for name in required:
        argv = [f"--{other}={value}" for other, value in values.items() if other != name]
        with pytest.raises(RunError, match=f"--{name}"):
            run(argv)


def test_deploy_files_parse(tmp_path: Path) -> None:
    yamls = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
    assert {p.name for p in yamls} >= {"cronjob.yaml", "docker-compose.yml"}
    for path in yamls:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
    for path in DEPLOY.rglob("*.json"):
        json.loads(path.read_text())
    for path in DEPLOY.rglob("*.py"):
        py_compile.compile(str(path), cfile=str(tmp_path / f"{path.stem}.pyc"), doraise=True)
    for path in DEPLOY.rglob("*.sh"):
        subprocess.run(["bash", "-n", str(path)], check=True)


def _data_files(package: Path) -> set[Path]:
    return {p for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts}


def test_every_data_file_in_the_packages_ships_in_the_wheel() -> None:
    """Workers get models and configs only through package data (pyproject.toml [tool.setuptools.package-data])."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package in ("pipeline", "detectors", "schemas"):
        covered = {p for pattern in package_data.get(f"provmix.{package}", []) for p in (ROOT / package).glob(pattern)
                   if p.is_file()}
        assert _data_files(ROOT / package) <= covered, f"{package}: data files missing from package-data"


def test_nightly_script_runs_a_date_once(tmp_path: Path) -> None:
    day = tmp_path / "crawl" / "2026-11-24"
    day.mkdir(parents=True)
    fixtures.sample_jsonl(day / "docs.jsonl.gz")
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "PROVMIX_INPUT_ROOT": str(tmp_path / "crawl"), "PROVMIX_OUTPUT_ROOT": str(tmp_path / "out"),
           "DS": "2026-11-24"}
    script = [str(DEPLOY / "schedule" / "provmix-nightly.sh"), "--detectors", ""]
    first = subprocess.run(script, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    manifest = tmp_path / "out" / "2026-11-24" / "manifest.json"
    written = manifest.read_bytes()
    assert json.loads(written)["counts"]["read"] == 3

    again = subprocess.run(script, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already finished" in again.stderr
    assert manifest.read_bytes() == written
