"""HTTP payload decoding (chunked transfer, gzip/deflate/br content) from a record's raw bytes, size-bounded.

Decoding the raw block ourselves, rather than through FastWARC's record reader, keeps a broken chunk or gzip
stream from desynchronising the archive iterator (the next record still parses) and caps the decoded size, so a
compression bomb fails as ``record_too_large`` instead of filling memory.
"""
from __future__ import annotations

import io
from typing import BinaryIO, Callable

from fastwarc.stream_io import BrotliReader, ChunkedReader, GzipReader

_CONTENT_DECODERS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "gzip": GzipReader,
    "x-gzip": GzipReader,
    "deflate": lambda inner: GzipReader(inner, zlib=True),
    "br": BrotliReader,
}


class PayloadTooLarge(ValueError):
    pass


def _codings(header: str | None) -> list[str]:
    return [c.strip().lower() for c in (header or "").split(",") if c.strip() and c.strip().lower() != "identity"]


def decode_payload(raw: bytes, transfer_encoding: str | None, content_encoding: str | None, limit: int) -> bytes:
    """The payload with its transfer and content codings removed; raises ValueError when it cannot be decoded,
    :class:`PayloadTooLarge` when it decodes to more than ``limit`` bytes."""
    transfer, content = _codings(transfer_encoding), _codings(content_encoding)
    if not transfer and not content:
        return raw
    stream: BinaryIO = io.BytesIO(raw)
    for coding in transfer:
        if coding != "chunked":
            raise ValueError(f"unsupported transfer coding {coding!r}")
        stream = ChunkedReader(stream)
    for coding in reversed(content):  # codings are listed in the order they were applied
        decoder = _CONTENT_DECODERS.get(coding)
        if decoder is None:
            raise ValueError(f"unsupported content coding {coding!r}")
        stream = decoder(stream)
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
