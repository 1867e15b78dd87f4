"""A real `provmix run` through the console entry point: output layout, dataset card, per-mix accounting, the
last lines and the exit statuses a scheduler acts on."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

from provmix.pipeline.cli import EMPTY_MIX, FLOOR_FAILED, OK, SHORTFALL
from provmix.schemas import documents as d
from provmix.schemas.manifest import MANIFEST_SCHEMA
from tests import fixtures

TWO_MIXES = """
mixes:
  - {name: human, human_floor: 0.99}
  - {name: short, human_floor: 0.0, min_human_tokens: 1000000000}
"""
FAILING = """
mixes:
  - {name: loose, human_floor: 0.0}
  - {name: strict, human_floor: 0.99, policy: fail}
"""


def provmix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI as a user starts it, from ``cwd`` (relative paths resolve there)."""
    return subprocess.run([sys.executable, "-m", "provmix.pipeline.cli", *args], cwd=cwd, capture_output=True,
                          text=True, check=False, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin",
                                                       "PYTHONPATH": str(Path(__file__).resolve().parents[1])})


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Two mixes over the sample inputs (relative paths; the JSONL as a human reference): ``human`` drops the
    unlabelled crawl pages to meet its floor, ``short`` keeps them and falls short of its human tokens."""
    root = tmp_path_factory.mktemp("ops")
    (root / "in").mkdir()
    fixtures.sample_warc(root / "in" / "crawl.warc.gz")
    fixtures.sample_jsonl(root / "in" / "docs.jsonl.gz")
    (root / "mixes.yaml").write_text(TWO_MIXES)
    done = provmix("run", "--input", "in/*.warc.gz", "--reference", "in/*.jsonl.gz", "--output", "out",
                   "--config", "mixes.yaml", "--detectors", "", cwd=root)
    return root / "out", done


def test_a_shortfall_exits_4_and_the_last_lines_give_every_mix(finished) -> None:
    out, done = finished
    assert done.returncode == SHORTFALL, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    lines = done.stderr.strip().splitlines()
    for name, mix in manifest["mixes"].items():
        c = mix["counts"]
        line = (f"provmix: mix {name}: read {c['read']}, kept {c['kept']}, rejected {c['rejected']}, "
                f"failed {c['failed']}; floor {mix['floor_status']}")
        assert line in lines[-3:], lines
    assert manifest["mixes"]["short"]["floor_status"] == "shortfall"
    assert manifest["mixes"]["human"]["floor_status"] == "ok"
    assert "Traceback" not in done.stderr and "apitools" not in done.stderr


def test_every_mix_accounts_for_every_record(finished) -> None:
    out, _ = finished
    manifest = json.loads((out / "manifest.json").read_text())
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    rejected = pq.read_table(out / "rejected").to_pylist()
    read = sum(a["records"] for a in manifest["inputs"])
    assert manifest["mixes"]["human"]["floor_rejected"] > 0 == manifest["mixes"]["short"]["floor_rejected"]
    for name, mix in manifest["mixes"].items():
        c = mix["counts"]
        assert c["read"] == read == c["kept"] + c["rejected"] + c["failed"]
        assert c["kept"] == pq.read_table(out / "mix" / name).num_rows
        mine = [r for r in rejected if r["mix"] in (None, name)]
        assert c["rejected"] + c["failed"] == len(mine)
        assert c["failed"] == sum(r["outcome"] == "failed" for r in mine)
    assert manifest["rejected_rows"] == len(rejected)
    assert manifest["counts"]["kept"] == manifest["mixes"]["human"]["counts"]["kept"]


def test_layout_mix_column_timestamps_and_absolute_paths(finished) -> None:
    out, _ = finished
    assert sorted(p.name for p in (out / "mix").iterdir()) == ["human", "short"]
    for name in ("human", "short"):
        table = pq.read_table(out / "mix" / name)
        assert set(table.column(d.MIX).to_pylist()) <= {name}
        assert table.schema.field(d.CRAWL_DATE).type == d.TIMESTAMP
        assert all(Path(p).is_absolute() for p in table.column(d.SOURCE_FILE).to_pylist())
    crawled = [r for r in pq.read_table(out / "mix" / "short").to_pylist() if r[d.CRAWL_DATE]]
    assert crawled and crawled[0][d.CRAWL_DATE].isoformat() == "2021-03-04T05:06:07+00:00"
    labels = pq.read_table(out / "labels")
    assert labels.schema.field(d.FIRST_SEEN).type == d.TIMESTAMP


def test_dataset_card_names_every_table(finished) -> None:
    out, _ = finished
    text = (out / "README.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    configs = {c["config_name"]: c for c in front["configs"]}
    assert list(configs) == ["human", "short", "labels", "rejected", "documents"]
    assert configs["human"].get("default") is True
    every_file = set(out.rglob("*.parquet"))
    covered = set()
    for name, config in configs.items():
        (split,) = config["data_files"]
        assert split["split"] == "train"
        matched = sorted(out.glob(split["path"]))
        assert matched, name
        covered.update(matched)
        table = out / ("mix/" + name if name in ("human", "short") else name)
        assert ds.dataset(matched, format="parquet").count_rows() == pq.read_table(table).num_rows
    assert covered == every_file  # each Parquet file belongs to exactly the config of its table
    datasets = pytest.importorskip("datasets")
    assert datasets.load_dataset(str(out), "short", split="train").num_rows == pq.read_table(
        out / "mix" / "short").num_rows


def test_finalize_is_idempotent(finished) -> None:
    out, _ = finished
    before = (out / "manifest.json").read_text()
    done = provmix("finalize", str(out), "--allow-shortfall", cwd=out.parent)
    assert done.returncode == OK, done.stderr
    assert (out / "manifest.json").read_text() == before


def test_policy_fail_writes_a_failed_manifest_and_no_table(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    fixtures.sample_jsonl(tmp_path / "in" / "docs.jsonl.gz")
    (tmp_path / "fail.yaml").write_text(FAILING)
    done = provmix("run", "--input", "in/*", "--output", "out", "--config", "fail.yaml", "--detectors", "",
                   cwd=tmp_path)
    assert done.returncode == FLOOR_FAILED, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["outputs"] == {}
    assert any(r["mix"] == "strict" and r["status"] == "shortfall" for r in manifest["floor"])
    assert not (tmp_path / "out" / "mix").exists()


def test_an_empty_mix_exits_3_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "blank.jsonl").write_text('{"id": "1", "text": "too short"}\n')
    args = ("run", "--input", "in/*", "--output", "out", "--detectors", "", "--human-floor", "0")
    done = provmix(*args, cwd=tmp_path)
    assert done.returncode == EMPTY_MIX, done.stderr
    assert provmix(*args, "--overwrite", "--allow-empty", cwd=tmp_path).returncode == OK



def test_the_shard_count_grows_with_the_input(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    fixtures.sample_jsonl(tmp_path / "in" / "docs.jsonl.gz")
    long_text = " ".join(f"w{i}" for i in range(200_000))  # one long document: 1.3 MB of input
    (tmp_path / "in" / "long.jsonl").write_text(json.dumps({"id": "long", "text": long_text}) + "\n")
    (tmp_path / "shards.yaml").write_text("write: {num_shards: 1, input_mb_per_shard: 1}\n")
    done = provmix("run", "--input", "in/*", "--output", "out", "--config", "shards.yaml", "--detectors", "",
                   cwd=tmp_path)
    assert done.returncode in (OK, SHORTFALL, EMPTY_MIX), done.stderr  # the floor's outcome is not the point
    for table in ("labels", "rejected", "mix/default"):
        assert sorted(p.name for p in (tmp_path / "out" / table).glob("*.parquet")) == [
            "part-00000-of-00002.parquet", "part-00001-of-00002.parquet"]
