"""Stable document ids.

``id = xxh3_128(namespace NUL key)`` in hex, where the key is the most stable identity a record has:
the WARC-Record-ID (globally unique by the WARC spec) for WARC/WET records, the configured id field for
JSONL/Parquet rows, and otherwise ``source_file@offset``. The same input gives the same id on every run and
runner, independent of worker count or input order.
"""
from __future__ import annotations

import xxhash


def document_id(namespace: str, key: str) -> str:
    return xxhash.xxh3_128_hexdigest(f"{namespace}\x00{key}".encode("utf-8", "surrogatepass"))


def location_key(source_file: str, offset: int) -> str:
    return f"{source_file}@{offset}"
