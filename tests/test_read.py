"""Readers on their own: formats by name, offsets, ids, failures per record."""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from provmix.pipeline.ids import document_id
from provmix.pipeline.read import detect_format
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure, MissingFields, SkippedRecord
from provmix.pipeline.read.tabular import iter_jsonl, iter_parquet
from provmix.pipeline.read.warc import iter_warc
from provmix.schemas import documents as d
from tests import fixtures
from tests.conftest import SHARED_DATA


@pytest.mark.parametrize("name, fmt", [
    ("a.warc.gz", "warc"), ("CC-MAIN-x.warc.wet.gz", "warc"), ("x.wat", "warc"), ("b.jsonl", "jsonl"),
    ("c.json.gz", "jsonl"), ("d.parquet", "parquet"), ("SOURCE.json", None), ("paths.gz", None),
])
def test_format_by_file_name(name: str, fmt: str | None) -> None:
    assert detect_format(name) == fmt


def test_warc_records_keep_offsets_ids_and_dates(tmp_path: Path) -> None:
    path = fixtures.sample_warc(tmp_path / "CC-MAIN-2021-10-x.warc.gz")
    data = path.read_bytes()
    items = list(iter_warc(io.BytesIO(data), str(path), ReadConfig()))
    docs = [i for i in items if isinstance(i, dict)]
    assert [i.record_type for i in items if isinstance(i, SkippedRecord)] == ["request"]
    assert len(docs) == 6
    for doc in docs:  # every offset starts a gzip member
        assert data[doc[d.SOURCE_OFFSET]:doc[d.SOURCE_OFFSET] + 2] == b"\x1f\x8b"
        assert doc[d.ID] == document_id("warc", doc[d.RECORD_ID])
        assert doc[d.CRAWL_ID] == "CC-MAIN-2021-10"
        assert doc[d.CRAWL_DATE] == "2021-03-04T05:06:07Z"
    assert {doc[d.HTTP_STATUS] for doc in docs} == {200, 404}
    png = next(doc for doc in docs if doc[d.URL].endswith(".png"))
    assert png[d.RAW_KIND] is None and png[d.RAW_CONTENT] is None  # unsupported bodies are not read


def test_oversized_records_fail_without_reading(tmp_path: Path) -> None:
    path = fixtures.sample_warc(tmp_path / "x.warc.gz")
    items = list(iter_warc(io.BytesIO(path.read_bytes()), str(path), ReadConfig(max_record_bytes=300)))
    failures = [i for i in items if isinstance(i, Failure)]
    assert failures and all(f.reason == "record_too_large" and f.record_id for f in failures)


def test_garbage_after_records_fails_once_with_the_last_good_offset(tmp_path: Path) -> None:
    path = fixtures.sample_warc(tmp_path / "x.warc.gz")
    data = path.read_bytes() + b"\x1f\x8b\x08\x00garbage that is not gzip"
    items = list(iter_warc(io.BytesIO(data), str(path), ReadConfig()))
    assert sum(isinstance(i, dict) for i in items) == 6
    failures = [i for i in items if isinstance(i, Failure)]
    assert len(failures) <= 1  # a torn tail is one failure, never a crash


def test_not_a_warc_is_one_failure() -> None:
    items = list(iter_warc(io.BytesIO(b"just some text\n" * 20), "x.warc", ReadConfig()))
    assert [(i.reason) for i in items] == ["unsupported_format"]


def test_jsonl_lines_fail_individually(tmp_path: Path) -> None:
    lines = b'{"id": "1", "text": "hello"}\n[1, 2]\n{"id": "3"}\n{broken\n\n{"id": "5", "text": "bye"}\n'
    *items, missing = iter_jsonl(io.BytesIO(lines), "f.jsonl", ReadConfig())
    assert [i[d.RECORD_ID] if isinstance(i, dict) else (i.reason, i.offset) for i in items] == [
        "1", ("malformed_record", 2), ("malformed_record", 3), ("malformed_record", 4), "5"]
    assert missing == MissingFields({"url_field": "url"})  # no line had a url


DOLMA = [{"id": "a", "text": "first text", "metadata": {"url": "https://x.org/a", "date": "2019-05-01"}},
         {"id": "b", "text": "second text", "metadata": {"url": "https://x.org/b", "date": "not a date"}}]
NESTED = ReadConfig(url_field="metadata.url", date_field="metadata.date")


def _records(items: list) -> list[tuple]:
    return [(i[d.RECORD_ID], i[d.URL], i[d.CRAWL_DATE]) for i in items if isinstance(i, dict)]


def test_nested_fields_in_jsonl() -> None:
    data = b"".join(json.dumps(row).encode() + b"\n" for row in DOLMA)
    items = list(iter_jsonl(io.BytesIO(data), "dolma.jsonl", NESTED))
    assert _records(items) == [("a", "https://x.org/a", "2019-05-01T00:00:00Z"), ("b", "https://x.org/b", None)]
    assert not any(isinstance(i, (MissingFields, Failure)) for i in items)


def test_nested_fields_in_parquet(tmp_path: Path) -> None:
    path = tmp_path / "dolma.parquet"
    pq.write_table(pa.Table.from_pylist(DOLMA), path)
    with open(path, "rb") as stream:
        items = list(iter_parquet(stream, str(path), NESTED))
    assert _records(items) == [("a", "https://x.org/a", "2019-05-01T00:00:00Z"), ("b", "https://x.org/b", None)]


def test_a_configured_field_absent_from_every_record_is_reported() -> None:
    data = b"".join(json.dumps(row).encode() + b"\n" for row in DOLMA)
    items = list(iter_jsonl(io.BytesIO(data), "dolma.jsonl", ReadConfig(url_field="metadata.uri")))
    assert _records(items) == [("a", None, None), ("b", None, None)]
    assert items[-1] == MissingFields({"url_field": "metadata.uri"})
    assert "read.url_field 'metadata.uri' absent from every record" in items[-1].message()


@pytest.mark.skipif(not (SHARED_DATA / "shards" / "cc-resiliparse").exists(), reason="shared shards absent")
def test_old_warc_versions_parse() -> None:
    path = SHARED_DATA / "shards" / "cc-resiliparse" / "clueweb-quirk.warc.gz"  # WARC/0.18 (ClueWeb09)
    with open(path, "rb") as stream:
        docs = [i for i in iter_warc(stream, str(path), ReadConfig()) if isinstance(i, dict)]
    assert len(docs) == 29 and all(doc[d.RECORD_ID] for doc in docs)
