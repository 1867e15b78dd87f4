"""Rows packed into bytes before a shuffle that groups documents, unpacked by the step after it.

A grouping shuffle on the in-process runner (FnApiRunner's ``GroupingBuffer``) decodes every value it groups and
holds it decoded until the group is read: a document without its text is about 8 KB as Python objects but
1.3 KB encoded, and each value is decoded and encoded once more than across a fused boundary. Packed, the runner
holds and copies bytes. Packing is Beam's own ``FastPrimitivesCoder`` (what the shuffle would have used), so every
value comes back with its type; ``marshal`` was measured faster but writes any buffer (a NumPy scalar) as bytes.
"""
from __future__ import annotations

from apache_beam.coders import FastPrimitivesCoder

_CODER = FastPrimitivesCoder().get_impl()


def pack(row: dict) -> bytes:
    """``row`` as bytes that :func:`unpack` turns back into an equal dict, keys in the same order."""
    return _CODER.encode(row)


def unpack(packed: bytes) -> dict:
    """The row :func:`pack` packed."""
    return _CODER.decode(packed)
