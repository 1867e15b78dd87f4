"""WARC, WET and WAT records (FastWARC), as raw document records.

Response, resource and conversion (WET) records are document candidates; warcinfo, request, metadata (WAT),
revisit and unknown records are counted as skipped. Gzip (per record or whole file) is detected by FastWARC, so
``source_offset`` is the record's offset in the file as stored — the offset a Common Crawl range request needs.
WARC headers are parsed strictly (old WARC/0.17 and 0.18 headers parse too): in quirks mode FastWARC silently
skips junk between records and with it the next record, while strict parsing stops there with one failure. HTTP
headers are parsed leniently (LF-only line ends are common); a block shorter than its Content-Length fails as
truncated, and payloads are decoded by :mod:`pipeline.read.payload` (bounded, isolated from the iterator).
"""
from __future__ import annotations

from typing import BinaryIO, Iterator

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from provmix.pipeline.ids import document_id, location_key
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.payload import PayloadTooLarge, decode_payload
from provmix.pipeline.read.records import Failure, SkippedRecord, crawl_id_from_path, iso_utc
from provmix.schemas import documents as d
from provmix.schemas.rejects import MALFORMED_RECORD, RECORD_TOO_LARGE, UNSUPPORTED_FORMAT

_CANDIDATES = frozenset(int(t) for t in (WarcRecordType.response, WarcRecordType.resource, WarcRecordType.conversion))
_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml+html"}
_TEXT_TYPES = {"text/plain"}


def raw_kind(content_type: str | None) -> str | None:
    """What extraction does with a payload of this MIME type: ``html``, ``text`` or None (unsupported)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _HTML_TYPES or not mime:
        return "html"
    if mime in _TEXT_TYPES:
        return "text"
    return None


def _target_uri(record: WarcRecord) -> str | None:
    uri = record.headers.get("WARC-Target-URI")
    return uri.strip().strip("<>") if uri else None


def _document(record: WarcRecord, path: str, crawl_id: str | None, config: ReadConfig) -> dict | Failure:
    offset = record.stream_pos
    record_id = record.record_id or None
    url = _target_uri(record)
    if record.content_length > config.max_record_bytes:
        return Failure(RECORD_TOO_LARGE, f"{record.content_length} bytes > {config.max_record_bytes}", offset,
                       record_id, url)
    status = None
    if record.record_type == WarcRecordType.response:
        try:
            record.parse_http(auto_decode="none", max_header_len=config.max_header_bytes, quirks_mode=True)
        except Exception as error:  # noqa: BLE001 - FastWARC raises several types for bad HTTP blocks
            return Failure(MALFORMED_RECORD, f"bad HTTP header block: {error}", offset, record_id, url)
        if not record.is_http_parsed:
            return Failure(MALFORMED_RECORD, "response record without an HTTP header block", offset, record_id, url)
        status = record.http_headers.status_code
        content_type, charset = record.http_content_type, record.http_charset
    else:
        content_type = (record.headers.get("Content-Type") or "").split(";")[0].strip() or None
        charset = None
    kind = "text" if record.record_type == WarcRecordType.conversion else raw_kind(content_type)
    payload = None
    if kind is not None:
        try:
            raw = record.reader.read()
        except OSError as error:  # e.g. a gzip member that ends inside the block
            return Failure(MALFORMED_RECORD, f"unreadable block: {error}", offset, record_id, url)
        if len(raw) < record.content_length:
            return Failure(MALFORMED_RECORD, f"truncated: {len(raw)} of {record.content_length} bytes", offset,
                           record_id, url)
        headers = record.http_headers if record.is_http_parsed else {}
        try:
            payload = decode_payload(raw, headers.get("Transfer-Encoding"), headers.get("Content-Encoding"),
                                     config.max_record_bytes)
        except PayloadTooLarge as error:
            return Failure(RECORD_TOO_LARGE, str(error), offset, record_id, url)
        except ValueError as error:
            return Failure(MALFORMED_RECORD, f"undecodable payload: {error}", offset, record_id, url)
    key = record_id or location_key(path, offset)
    doc = d.new_document(
        id=document_id("warc", key),
        url=url,
        source_file=path,
        source_offset=offset,
        record_id=record_id,
        crawl_date=iso_utc(record.record_date),
        http_date=iso_utc(record.http_date) if status is not None else None,
        last_modified=iso_utc(record.http_last_modified) if status is not None else None,
        content_type=content_type,
        charset=charset,
        crawl_id=crawl_id,
        source=d.SOURCE_CRAWL,
    )
    doc.update({d.RAW_CONTENT: payload, d.RAW_KIND: kind, d.HTTP_STATUS: status})
    return doc


def iter_warc(stream: BinaryIO, path: str, config: ReadConfig) -> Iterator[dict | Failure | SkippedRecord]:
    """Every record of a WARC/WET/WAT stream; a broken tail ends as one Failure at the last good offset."""
    crawl_id = crawl_id_from_path(path)
    records = ArchiveIterator(
        stream, parse_http=False, quirks_mode=False, max_header_len=config.max_header_bytes
    )
    seen, position = 0, 0
    try:
        for record in records:
            seen += 1
            position = record.stream_pos
            if int(record.record_type) not in _CANDIDATES:
                yield SkippedRecord(str(record.record_type))
                continue
            yield _document(record, path, crawl_id, config)
    except Exception as error:  # noqa: BLE001 - truncated gzip, garbage, bad headers: the rest of the file fails
        if seen == 0:
            yield Failure(UNSUPPORTED_FORMAT, f"not a WARC file: {error}", 0)
        else:
            yield Failure(MALFORMED_RECORD, f"unreadable after the record at offset {position}: {error}", position)
        return
    if seen == 0:
        yield Failure(UNSUPPORTED_FORMAT, "not a WARC file: no records found", 0)
