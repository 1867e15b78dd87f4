"""Every fuzzed or real broken record ends somewhere, with the specific reason its case predicts."""
from __future__ import annotations

import os

import pytest
from apache_beam.io.filesystem import FileMetadata

from provmix.pipeline.read import FAILURES, INPUTS, ReadFile
from provmix.pipeline.read.config import ReadConfig
from provmix.schemas import documents as d
from provmix.schemas import rejects as r
from tests.reliability import harness
from tests.reliability.corpus import CASES, FuzzCase, write_corpus


def test_run_finishes_and_verifies(fuzz_run) -> None:
    assert fuzz_run.status == 0
    assert fuzz_run.manifest["verified"] and not fuzz_run.manifest["problems"]


def test_conservation(fuzz_run) -> None:
    counts = fuzz_run.manifest["counts"]
    assert counts["read"] == counts["kept"] + counts["rejected"] + counts["failed"]
    assert counts["read"] >= sum(case.records for case in CASES)


def test_parquet_rows_match_manifest(fuzz_run) -> None:
    counts, out = fuzz_run.manifest["counts"], fuzz_run.out
    assert harness.row_count(out, "mix") == counts["kept"]
    assert harness.row_count(out, "rejected") == counts["rejected"] + counts["failed"]
    failed = [row for row in harness.rejects(out) if row[r.OUTCOME] == r.FAILED]
    assert len(failed) == counts["failed"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_case_ends_as_predicted(fuzz_run, case: FuzzCase) -> None:
    assert dict(harness.fates(fuzz_run.out)[case.name]) == case.expected, case.why


def test_failures_are_specific(fuzz_run) -> None:
    for row in harness.rejects(fuzz_run.out):
        assert row[r.REASON] and row[r.REASON] != r.STEP_ERROR, row
        assert row[d.SOURCE_FILE], row
        if row[r.OUTCOME] == r.FAILED:
            assert row[r.STAGE] == "read" and row[r.DETAIL], row


def test_header_limit_is_named(fuzz_run) -> None:
    details = [row[r.DETAIL] for row in harness.rejects(fuzz_run.out)
               if os.path.basename(row[d.SOURCE_FILE]).startswith("huge-")]
    assert len(details) == 2 and all("header" in detail.lower() for detail in details), details


def test_unusable_files_are_one_failure_with_their_path(fuzz_run) -> None:
    accounts = {os.path.basename(a["path"]): a for a in fuzz_run.manifest["inputs"]}
    for name in ("empty.warc", "not-a-warc.warc", "not-gzip.jsonl.gz", "not-parquet.parquet", "unknown-suffix.bin"):
        assert accounts[name]["records"] == 1 and accounts[name]["error"], accounts[name]


def test_real_shards_are_all_accounted(fuzz_run) -> None:
    if not harness.real_shard_patterns():
        pytest.skip("../shared/data shards absent")
    fates = harness.fates(fuzz_run.out)
    accounts = {os.path.basename(a["path"]): a for a in fuzz_run.manifest["inputs"] if "shards" in a["path"]}
    for name, account in accounts.items():
        assert sum(fates[name].values()) == account["records"], name
    assert fates["example-trunc.warc"][r.MALFORMED_RECORD] == 1  # warcio's truncated file
    assert fates["clipped.warc.gz"] == {r.MALFORMED_RECORD: 1}  # resiliparse's clipped gzip
    assert fates["bad.arc"] == {r.UNSUPPORTED_FORMAT: 1}  # ARC is not WARC: one failure, not a crash
    assert sum(fates["clueweb-quirk.warc.gz"].values()) == 29  # WARC/0.18: every response read


def test_file_that_cannot_be_opened_is_one_failure(tmp_path) -> None:
    (path := tmp_path / "gone.warc").write_bytes(b"x")
    metadata = FileMetadata(str(path), 1)
    path.unlink()  # matched, then gone before it was read (or unreadable: permissions, a dead mount)
    read = ReadFile(ReadConfig(), d.SOURCE_CRAWL)
    read.setup()
    outputs = list(read.process(metadata))
    failures = [o.value for o in outputs if getattr(o, "tag", None) == FAILURES]
    (account,) = [o.value for o in outputs if getattr(o, "tag", None) == INPUTS]
    assert len(failures) == 1 and failures[0][r.REASON] == r.UNREADABLE_FILE
    assert failures[0][d.SOURCE_FILE] == str(path) and "No such file" in failures[0][r.DETAIL]
    assert account["records"] == 1 and account["error"].startswith(r.UNREADABLE_FILE)


def test_corpus_is_reproducible(tmp_path) -> None:
    write_corpus(tmp_path / "a")
    write_corpus(tmp_path / "b")
    for case in CASES:
        assert (tmp_path / "a" / case.name).read_bytes() == (tmp_path / "b" / case.name).read_bytes(), case.name
