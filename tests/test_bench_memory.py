"""Memory against corpus size: the process-tree sampler, the growth arithmetic, the headline table, one real run."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import memory
from bench.generate import generate
from bench.run import E2E, Row, headline, ratios
from bench.usage import TreeSampler, Usage, tree_rss_mb
from tests.test_bench_generate import write_made_up_corpus

_HOLD_200_MB = "import sys, time; block = bytearray(200 * 2**20); sys.stdout.write('ready\\n'); sys.stdout.flush(); " \
               "time.sleep(5)"


def test_the_tree_sampler_counts_a_child_process_resident_memory():
    child = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', "
                              f"{_HOLD_200_MB!r}])"], stdout=subprocess.PIPE, text=True)
    try:
        with TreeSampler(child.pid, interval=0.05) as tree:
            assert child.stdout.readline() == "ready\n"  # printed by the grandchild once it holds 200 MB
            time.sleep(0.3)
            total, largest = tree_rss_mb(child.pid)
    finally:
        child.kill()
        child.wait()
    assert largest >= 200 and total >= largest  # the grandchild is found through its parent
    assert tree.peak_sum_mb >= 200 and tree.peak_process_mb >= 200


def _row(docs: int, mb: float, runner: str = "r") -> dict:
    return {"docs": docs, "runner": runner, "detectors": "none", "docs_per_cpu_s": 100.0, "wall_s": 1.0,
            "peak_tree_mb": mb, "peak_process_mb": mb}


def test_growth_is_the_slope_from_the_smallest_to_the_largest_shard_per_runner():
    rows = [_row(30_000, 900), _row(10_000, 500), _row(100_000, 2700), _row(10_000, 400, "other")]
    assert memory.growth(rows) == {"r (detectors: none)": 24.4}  # (2700 - 500) / 90k docs; one size: no slope


def test_headline_puts_speed_ratios_and_memory_in_one_table():
    e2e = Row("FnApiRunner, 1 worker", E2E, docs=100, usages=[Usage(1.0, 0.5, 800.0)], largest_process_mb=800.0)
    rows = [e2e.summary(), Row("dt", "datatrove", docs=100, usages=[Usage(10.0, 10.0, 300.0)]).summary()]
    text = headline(rows, ratios(rows), [_row(10_000, 500), _row(100_000, 2300)])
    assert "| FnApiRunner, 1 worker | 100 | 200 | 20.0 | – | 800 | 800.0 |" in text
    assert "| r (detectors: none), JSONL | 100000 | 100 | – | – | 2300 | 2300 |" in text
    assert "r (detectors: none): 20.0 MB per 1,000 documents" in text


@pytest.fixture(scope="module")
def shard_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("memory")
    write_made_up_corpus(root / "data")
    generate(root / "out", 30, seed=3, data=root / "data")
    return root / "out"


def test_a_memory_row_measures_a_real_run_on_the_generated_jsonl(shard_dir, tmp_path):
    assert memory.shard_inputs(shard_dir) == (str(shard_dir / "jsonl" / "*.jsonl.gz"), 30)
    (row,) = memory.memory_rows([shard_dir], "", 1, tmp_path, runners={"FnApiRunner, 1 worker": []})
    assert row["docs"] == 30 and row["detectors"] == "none" and row["config"].endswith("memory.yaml")
    assert row["docs_per_cpu_s"] > 0 and row["peak_tree_mb"] >= row["peak_process_mb"] > 50  # Beam alone is more


def test_the_bundle_probe_sees_the_document_join_shuffle(shard_dir, tmp_path):
    report = tmp_path / "probe.json"
    command = [sys.executable, "-m", "bench.stage_memory", str(report), "--", "--input",
               str(shard_dir / "jsonl" / "*.jsonl.gz"), "--output", str(tmp_path / "out"), "--detectors", "",
               "--config", str(memory.CONFIG)]
    assert subprocess.run(command, capture_output=True).returncode == 0
    probe = json.loads(report.read_text())
    assert probe["status"] == 0 and probe["peak"]["rss_mb"] > 50
    joined = [mb for bundle in probe["bundles"] for name, mb in bundle["input_mb"].items()
              if name.startswith("Deduplicate/JoinDocs") and name.endswith("GroupByKey/Read")]
    assert joined and sum(joined) > 0  # 30 documents with their text crossed the join
