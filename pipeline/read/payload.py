"""HTTP payload decoding (chunked transfer, gzip/deflate/br content) from a record's raw bytes, size-bounded.

Decoding the raw block ourselves, rather than through FastWARC's record reader, keeps a broken chunk or gzip
stream from desynchronising the archive iterator (the next record still parses) and caps the decoded size, so a
compression bomb fails as ``record_too_large`` instead of filling memory. Crawlers often store bodies already
decoded but keep the original ``Content-Encoding`` / ``Transfer-Encoding`` headers (ClueWeb09 does), so a coding
is only undone when the bytes actually look encoded (gzip magic, zlib header, chunk-size line).
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO, Callable, NamedTuple

from fastwarc.stream_io import BrotliReader, ChunkedReader, GzipReader

_CHUNK_LINE = re.compile(rb"[0-9A-Fa-f]+[ \t]*(;[^\r\n]*)?\r?\n")


class PayloadTooLarge(ValueError):
    pass


class _Coding(NamedTuple):
    reader: Callable[[BinaryIO], BinaryIO]
    applies: Callable[[bytes], bool]  # whether bytes look encoded with this coding


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


_GZIP = _Coding(GzipReader, lambda data: data[:2] == b"\x1f\x8b")
_CONTENT_CODINGS = {
    "gzip": _GZIP,
    "x-gzip": _GZIP,
    "deflate": _Coding(lambda inner: GzipReader(inner, zlib=True), _zlib_header),
    "br": _Coding(BrotliReader, lambda data: True),  # brotli has no magic number
}
_CHUNKED = _Coding(ChunkedReader, lambda data: _CHUNK_LINE.match(data) is not None)


def _codings(header: str | None) -> list[str]:
    return [c for c in (part.strip().lower() for part in (header or "").split(",")) if c and c != "identity"]


def _undo(coding: _Coding, data: bytes, limit: int) -> bytes:
    stream = coding.reader(io.BytesIO(data))
    parts, size = [], 0
    try:
        while size <= limit:
            part = stream.read(limit + 1 - size)
            if not part:
                break
            parts.append(part)
            size += len(part)
    except OSError as error:
        raise ValueError(str(error)) from error
    if size > limit:
        raise PayloadTooLarge(f"decodes to more than {limit} bytes")
    return b"".join(parts)


def decode_payload(raw: bytes, transfer_encoding: str | None, content_encoding: str | None, limit: int) -> bytes:
    """The payload with its transfer and content codings removed; raises ValueError when it cannot be decoded,
    :class:`PayloadTooLarge` when it decodes to more than ``limit`` bytes."""
    steps = []
    for name in _codings(transfer_encoding):
        if name != "chunked":
            raise ValueError(f"unsupported transfer coding {name!r}")
        steps.append(_CHUNKED)
    for name in reversed(_codings(content_encoding)):  # codings are listed in the order they were applied
        if name not in _CONTENT_CODINGS:
            raise ValueError(f"unsupported content coding {name!r}")
        steps.append(_CONTENT_CODINGS[name])
    data = raw
    for coding in steps:
        if coding.applies(data):
            data = _undo(coding, data, limit)
    return data
