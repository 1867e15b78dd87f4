"""JSONL and Parquet rows as raw document records (text already extracted)."""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator, Mapping, NamedTuple

import pyarrow.parquet as pq

from provmix.pipeline.ids import document_id, location_key
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure, crawl_id_from_path
from provmix.schemas import documents as d
from provmix.schemas.rejects import MALFORMED_RECORD, RECORD_TOO_LARGE, UNSUPPORTED_FORMAT


def _optional_str(value: object) -> str | None:
    """``value`` as text (None when absent); lone surrogates from JSON escapes become U+FFFD (not UTF-8-encodable)."""
    if value is None or value == "":
        return None
    return str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def row_document(row: Mapping, path: str, offset: int, config: ReadConfig, namespace: str) -> dict | Failure:
    """A raw record from one JSON object / Parquet row, or a Failure naming what is missing."""
    record_id = _optional_str(row.get(config.id_field))
    url = _optional_str(row.get(config.url_field))
    text = row.get(config.text_field)
    if not isinstance(text, str):
        problem = "missing" if text is None else f"not a string ({type(text).__name__})"
        return Failure(MALFORMED_RECORD, f"text field {config.text_field!r} {problem}", offset, record_id, url)
    key = f"{path}#{record_id}" if record_id else location_key(path, offset)
    doc = d.new_document(
        id=document_id(namespace, key),
        url=url,
        source_file=path,
        source_offset=offset,
        record_id=record_id,
        crawl_date=_optional_str(row.get(config.date_field)) if config.date_field else None,
        crawl_id=crawl_id_from_path(path),
        source=d.SOURCE_CRAWL,
    )
    doc.update({d.RAW_CONTENT: text.encode("utf-8", "surrogatepass"), d.RAW_KIND: "text", d.HTTP_STATUS: None})
    return doc


class _LongLine(NamedTuple):
    length: int  # bytes of a line over the limit, which was skipped rather than held in memory


def _lines(stream: BinaryIO, limit: int, chunk_bytes: int = 1 << 20) -> Iterator[bytes | _LongLine]:
    """The lines of ``stream``, holding at most ``limit`` bytes of one line (Beam's gzip files cannot bound
    ``readline``, and a file without newlines would otherwise be read whole)."""
    pending, skipped = b"", 0
    while chunk := stream.read(chunk_bytes):
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            if skipped:
                yield _LongLine(skipped + len(line))
                skipped = 0
            elif len(line) > limit:
                yield _LongLine(len(line))
            else:
                yield line
        if skipped or len(pending) > limit:
            skipped += len(pending)
            pending = b""
    if skipped:
        yield _LongLine(skipped)
    elif pending:
        yield pending


def iter_jsonl(stream: BinaryIO, path: str, config: ReadConfig) -> Iterator[dict | Failure]:
    """One record per non-blank line; ``source_offset`` is the 1-based line number."""
    for line_no, line in enumerate(_lines(stream, config.max_record_bytes), start=1):
        if isinstance(line, _LongLine):
            yield Failure(RECORD_TOO_LARGE, f"line of {line.length} bytes > {config.max_record_bytes}", line_no)
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            yield Failure(MALFORMED_RECORD, f"invalid JSON: {error}", line_no)
            continue
        if not isinstance(row, dict):
            yield Failure(MALFORMED_RECORD, f"JSON value is a {type(row).__name__}, not an object", line_no)
            continue
        yield row_document(row, path, line_no, config, "jsonl")


def iter_parquet(stream: BinaryIO, path: str, config: ReadConfig) -> Iterator[dict | Failure]:
    """One record per row, read in batches; ``source_offset`` is the 0-based row number."""
    try:
        parquet = pq.ParquetFile(stream)
    except Exception as error:  # noqa: BLE001 - pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
        yield Failure(UNSUPPORTED_FORMAT, f"not a Parquet file: {error}", 0)
        return
    names = set(parquet.schema_arrow.names)
    if config.text_field not in names:
        yield Failure(MALFORMED_RECORD, f"no text column {config.text_field!r} (columns: {sorted(names)})", 0)
        return
    wanted = [c for c in (config.text_field, config.id_field, config.url_field, config.date_field) if c in names]
    row_no = 0
    for batch in parquet.iter_batches(batch_size=1024, columns=wanted):
        for row in batch.to_pylist():
            yield row_document(row, path, row_no, config, "parquet")
            row_no += 1
