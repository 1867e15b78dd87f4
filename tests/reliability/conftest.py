"""One fuzz run shared by the accounting, determinism and security tests (a pipeline run is the slow part)."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.reliability import harness
from tests.reliability.corpus import FUZZ_CONFIG, write_corpus


class Run(NamedTuple):
    inputs: list[str]  # the --input patterns, in order
    out: Path
    status: int
    manifest: dict | None


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz") / "in"
    write_corpus(directory)
    return directory


@pytest.fixture(scope="session")
def fuzz_run(corpus_dir: Path) -> Run:
    """The fuzz corpus plus the real broken shards, under the fuzz config, on Beam's in-process runner."""
    inputs = [str(corpus_dir / "*"), *harness.real_shard_patterns()]
    out = corpus_dir.parent / "out"
    status, manifest = harness.run(inputs, out, FUZZ_CONFIG)
    return Run(inputs, out, status, manifest)
