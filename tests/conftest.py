"""Shared fixtures: a small mixed-format input set, and a helper running the CLI in-process."""
from __future__ import annotations

import json
import os
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
    from pipeline.cli import main

    return main(list(args))


def load_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())
