"""The throughput harness: per-stage measurement on a small generated shard, and the headline arithmetic."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench import stages
from bench.generate import generate
from bench.run import DATATROVE, E2E, Row, ratios, table
from bench.usage import Usage
from tests.test_bench_generate import write_made_up_corpus


@pytest.fixture(scope="module")
def shard(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench")
    write_made_up_corpus(root / "data")
    generate(root / "out", 30, seed=5, data=root / "data")
    return root / "out" / "warc" / "part-00000.warc.gz"


def test_every_library_and_core_stage_is_measured_on_the_shard(shard):
    prepared = stages.prepare(shard, limit=30)
    assert len(prepared.records) == len(prepared.payloads) == 30
    assert len(prepared.texts) == len(prepared.langs) > 0
    for stage in stages.STAGES:
        if stage.name.startswith("detect"):  # the detectors' own tests cover them; loading them here is slow
            continue
        result = stages.measure(stage, prepared, runs=2)
        assert not isinstance(result, str), f"{stage.name}: {result}"
        docs, usages = result
        assert len(usages) == 2 and all(u.cpu_s > 0 and u.wall_s > 0 for u in usages)
        assert docs in (30, len(prepared.texts))


def _row(name: str, group: str, docs_per_s: float) -> dict:
    return Row(name, group, docs=100, input_mb=1.0, usages=[Usage(100 / docs_per_s, 100 / docs_per_s, 50.0)]).summary()


def test_a_stage_that_cannot_load_is_skipped_with_its_reason(shard):
    broken = stages.Stage("detect missing", stages.PROVMIX, stages._detector("no-such-detector"))
    assert stages.measure(broken, stages.Prepared(shard, 1), runs=1).startswith("skipped: UnknownDetector")


def test_ratios_use_the_sum_of_per_document_library_costs_as_the_ceiling():
    rows = [_row("FastWARC iteration", stages.LIBRARY, 1000), _row("Resiliparse extraction", stages.LIBRARY, 500),
            _row("py3langid (500-char prefix)", stages.LIBRARY, 250), _row("rensa RMinHash", stages.LIBRARY, 1000),
            _row("datasketch MinHash", stages.LIBRARY, 100), _row("e2e", E2E, 50), _row("dt", DATATROVE, 10)]
    result = ratios(rows)
    assert result["ceiling_docs_per_cpu_s"] == pytest.approx(125.0)
    assert result["e2e"] == {"vs_datatrove": 5.0, "vs_ceiling": 0.4}
    assert "5.0x datatrove, 0.4 of the ceiling" in table(rows, result)


def test_row_summary_reports_median_min_and_max():
    row = Row("x", E2E, docs=60, input_mb=6.0, usages=[Usage(1, 1, 10), Usage(2, 3, 30), Usage(1, 2, 20)])
    summary = row.summary()
    assert summary["docs_per_cpu_s"] == {"median": 30.0, "min": 20.0, "max": 60.0}
    assert summary["mb_per_cpu_s"]["median"] == 3.0 and summary["peak_rss_mb"] == 30.0
