"""JSONL and Parquet rows as raw document records (text already extracted)."""
from __future__ import annotations

import datetime as dt
import json
from typing import BinaryIO, Iterable, Iterator, Mapping, NamedTuple

import pyarrow.parquet as pq

from provmix.pipeline.ids import document_id, location_key
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure, MissingFields, crawl_id_from_path, iso_utc
from provmix.schemas import documents as d
from provmix.schemas.rejects import MALFORMED_RECORD, RECORD_TOO_LARGE, UNSUPPORTED_FORMAT


def _optional_str(value: object) -> str | None:
    """``value`` as text (None when absent); lone surrogates from JSON escapes become U+FFFD (not UTF-8-encodable)."""
    if value is None or value == "":
        return None
    return str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


_MISSING = object()


def field_value(row: Mapping, name: str) -> object:
    """``row[name]``, or for a dotted path (``metadata.url``) the nested value; ``_MISSING`` when absent."""
    if not name:
        return _MISSING
    if name in row:
        return row[name]
    value: object = row
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _present(value: object) -> object:
    return None if value is _MISSING else value


def iso_date(value: object) -> str | None:
    """A date field's value as the ISO-8601 UTC string the stages carry (naive values are UTC); None when it is
    not a date, so a free-form value never reaches the date evidence."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return iso_utc(moment)


def _fields(config: ReadConfig) -> dict[str, str]:
    """The optional fields a row is read for, by config key (text is required per row, so not listed)."""
    return {key: name for key, name in (("id_field", config.id_field), ("url_field", config.url_field),
                                        ("date_field", config.date_field)) if name}


def checked_rows(rows: Iterable, config: ReadConfig) -> Iterator:
    """(offset, row) items and failures passed through, then a :class:`MissingFields` naming each configured
    field that no row of the file had."""
    fields, seen, any_row = _fields(config), set(), False
    for item in rows:
        if not isinstance(item, Failure):
            any_row = True
            seen.update(key for key, name in fields.items()
                        if key not in seen and field_value(item[1], name) is not _MISSING)
        yield item
    missing = {key: name for key, name in fields.items() if key not in seen}
    if any_row and missing:
        yield MissingFields(missing)


def row_document(row: Mapping, path: str, offset: int, config: ReadConfig, namespace: str) -> dict | Failure:
    """A raw record from one JSON object / Parquet row, or a Failure naming what is missing."""
    record_id = _optional_str(_present(field_value(row, config.id_field)))
    url = _optional_str(_present(field_value(row, config.url_field)))
    text = _present(field_value(row, config.text_field))
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
        crawl_date=iso_date(_present(field_value(row, config.date_field))),
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


def _jsonl_rows(stream: BinaryIO, config: ReadConfig) -> Iterator[tuple[int, dict] | Failure]:
    """(line number, JSON object) per non-blank line, or a Failure for a line that is not one."""
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
        yield line_no, row


def _documents(rows: Iterable, path: str, config: ReadConfig, namespace: str) -> Iterator:
    """(offset, row) items as raw records; failures and the missing-fields note pass through."""
    for item in checked_rows(rows, config):
        yield item if isinstance(item, (Failure, MissingFields)) else row_document(item[1], path, item[0], config,
                                                                                    namespace)


def iter_jsonl(stream: BinaryIO, path: str, config: ReadConfig) -> Iterator[dict | Failure | MissingFields]:
    """One record per non-blank line; ``source_offset`` is the 1-based line number. Field names may be dotted
    paths into nested objects (``metadata.url``, Dolma's layout)."""
    yield from _documents(_jsonl_rows(stream, config), path, config, "jsonl")


def _parquet_rows(parquet: pq.ParquetFile, columns: list[str]) -> Iterator[tuple[int, dict]]:
    row_no = 0
    for batch in parquet.iter_batches(batch_size=1024, columns=columns):
        for row in batch.to_pylist():
            yield row_no, row
            row_no += 1


def iter_parquet(stream: BinaryIO, path: str, config: ReadConfig) -> Iterator[dict | Failure | MissingFields]:
    """One record per row, read in batches; ``source_offset`` is the 0-based row number. A dotted field name
    reads a struct column's member (``meta.date``)."""
    try:
        parquet = pq.ParquetFile(stream)
    except Exception as error:  # noqa: BLE001 - pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
        yield Failure(UNSUPPORTED_FORMAT, f"not a Parquet file: {error}", 0)
        return
    names = set(parquet.schema_arrow.names)

    def column(field: str) -> str:
        return field if field in names else field.split(".", 1)[0]

    if column(config.text_field) not in names:
        yield Failure(MALFORMED_RECORD, f"no text column {config.text_field!r} (columns: {sorted(names)})", 0)
        return
    fields = (config.text_field, config.id_field, config.url_field, config.date_field)
    wanted = sorted({column(f) for f in fields if f and column(f) in names})
    yield from _documents(_parquet_rows(parquet, wanted), path, config, "parquet")
