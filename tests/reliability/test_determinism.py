"""Same input and config → byte-identical Parquet and the same manifest, whatever the input order or workers."""
from __future__ import annotations

import difflib

import pytest

from tests.reliability import harness
from tests.reliability.corpus import CASES, FUZZ_CONFIG


def _assert_same_outputs(first, out, manifest) -> None:
    assert harness.output_bytes(first.out) == harness.output_bytes(out)
    expected, actual = (harness.comparable_manifest(m, o) for m, o in ((first.manifest, first.out), (manifest, out)))
    assert expected == actual, "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), lineterm=""))


def test_input_order_does_not_matter(fuzz_run, corpus_dir) -> None:
    # every file named on its own, in reverse order, then the real-shard patterns reversed
    inputs = [str(corpus_dir / case.name) for case in reversed(CASES)] + fuzz_run.inputs[:0:-1]
    out = corpus_dir.parent / "reordered"
    status, manifest = harness.run(inputs, out, FUZZ_CONFIG)
    assert status == 0
    _assert_same_outputs(fuzz_run, out, manifest)


@pytest.mark.parametrize("workers", [2])
def test_worker_count_does_not_matter(fuzz_run, corpus_dir, workers: int) -> None:
    out = corpus_dir.parent / f"workers{workers}"
    status, manifest = harness.run(fuzz_run.inputs, out, FUZZ_CONFIG,
                                   "--direct_running_mode=multi_processing", f"--direct_num_workers={workers}")
    assert status == 0
    _assert_same_outputs(fuzz_run, out, manifest)
