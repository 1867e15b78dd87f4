"""End-to-end runs of `provmix run`: accounting, reasons, determinism, runners, the real shards."""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest

from provmix.schemas.manifest import MANIFEST_SCHEMA
from provmix.schemas.rejects import OUTCOME, REASON
from tests.conftest import SHARED_DATA, load_manifest, run_cli

FAST = ("--detectors", "", "--human-floor", "0")  # detectors and the floor have their own tests


def _run(inputs: Path, out: Path, *extra: str) -> dict:
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), *FAST, *extra) == 0
    return load_manifest(out)


def _rows(folder: Path) -> list[dict]:
    return pq.read_table(folder).to_pylist() if folder.exists() else []


def test_every_record_is_accounted_for_with_its_reason(inputs: Path, tmp_path: Path) -> None:
    manifest = _run(inputs, tmp_path / "out")
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    counts = manifest["counts"]
    assert counts["read"] == 6 + 3 + 2  # WARC candidates + JSONL lines + Parquet rows
    assert counts["read"] == counts["kept"] + counts["rejected"] + counts["failed"]
    assert counts["skipped_records"] == {"request": 1}
    assert manifest["verified"] is True

    rejects = _rows(tmp_path / "out" / "rejected")
    failed = sorted((Path(r["source_file"]).name, r[REASON]) for r in rejects if r[OUTCOME] == "failed")
    assert failed == [("docs.jsonl.gz", "malformed_record"), ("docs.parquet", "malformed_record")]
    reasons = {r[REASON] for r in rejects if r[OUTCOME] == "rejected"}
    assert {"http_status", "unsupported_content_type", "exact_duplicate"} <= reasons
    assert len(_rows(tmp_path / "out" / "mix")) == counts["kept"]
    assert len(rejects) == counts["rejected"] + counts["failed"]


def test_mix_rows_carry_source_evidence(inputs: Path, tmp_path: Path) -> None:
    _run(inputs, tmp_path / "out")
    docs = {r["url"]: r for r in _rows(tmp_path / "out" / "mix")}
    german = docs["http://example.de/c"]
    assert german["lang"] == "de" and german["lang_score"] > 0.9
    assert german["record_id"] == "<urn:uuid:00000000-0000-4000-8000-000000000002>"
    assert german["crawl_date"].isoformat() == "2021-03-04T05:06:07+00:00"  # written as UTC timestamps
    assert german["last_modified"].isoformat() == "2021-02-01T00:00:00+00:00"
    assert german["html_signals"]["html_lang"] == "de"
    assert german["source_offset"] > 0 and german["n_tokens"] > 20
    assert "Home" not in german["text"]  # main-content extraction drops the navigation
    assert docs["http://example.net/1"]["lang"] == "de"  # JSONL rows get the same treatment


def test_same_input_gives_identical_files(inputs: Path, tmp_path: Path) -> None:
    _run(inputs, tmp_path / "one")
    _run(inputs, tmp_path / "two")
    for table in ("mix", "rejected", "labels"):
        one = sorted((tmp_path / "one" / table).glob("*.parquet"))
        two = sorted((tmp_path / "two" / table).glob("*.parquet"))
        assert [p.name for p in one] == [p.name for p in two]
        assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_multi_processing_gives_the_same_rows(inputs: Path, tmp_path: Path) -> None:
    single = _run(inputs, tmp_path / "single")
    multi = _run(inputs, tmp_path / "multi", "--direct_num_workers", "2", "--direct_running_mode",
                 "multi_processing")
    assert single["counts"] == multi["counts"]
    key = lambda r: (r["id"], r["label"], r["lang"])  # noqa: E731
    assert sorted(map(key, _rows(tmp_path / "single" / "mix"))) == sorted(map(key, _rows(tmp_path / "multi" / "mix")))


@pytest.mark.skipif(not (SHARED_DATA / "shards").exists(), reason="../shared/data/shards is absent")
def test_real_shards_conserve_every_record(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(SHARED_DATA / "shards" / "*" / "*"), "--output", str(out), *FAST) == 0
    manifest = load_manifest(out)
    counts = manifest["counts"]
    assert counts["read"] == counts["kept"] + counts["rejected"] + counts["failed"] > 100
    assert counts["kept"] == len(_rows(out / "mix"))
    assert counts["rejected"] + counts["failed"] == len(_rows(out / "rejected"))
    # every file that matched is accounted for, the broken ones with a reason
    paths = {i["path"] for i in manifest["inputs"]}
    assert len(paths) == len(list((SHARED_DATA / "shards").glob("*/*")))
    assert any(i["error"] and "not a WARC" in i["error"] for i in manifest["inputs"] if i["path"].endswith(".arc"))
