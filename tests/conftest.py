"""Shared fixtures: a small mixed-format input set, and a helper running the CLI in-process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fixtures

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """tmp_path/in/ with a WARC, a JSONL and a Parquet file (see tests.fixtures for what they hold)."""
    folder = tmp_path / "in"
    folder.mkdir()
    fixtures.sample_warc(folder / "crawl.warc.gz")
    fixtures.sample_jsonl(folder / "docs.jsonl.gz")
    fixtures.sample_parquet(folder / "docs.parquet")
    return folder


def run_cli(*args: str) -> int:
    from provmix.pipeline.cli import main

    return main(list(args))


def run_cli_process(*args: str) -> int:
    """The CLI in a fresh process. Training needs it: fasttext-numpy2 can fail with a spurious "Encountered NaN"
    that depends on the memory state of a long-lived process (see detectors/training/ai_text/fit.py), as a test session is."""
    return subprocess.run([sys.executable, "-m", "provmix.pipeline.cli", *args], check=False).returncode


def load_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())
