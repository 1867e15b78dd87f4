"""Exact-duplicate groups, packed: every document's exact key, id and MinHash signature cross the shuffle as NumPy
arrays' bytes, one chunk per partition per bundle, instead of one ``(key, (id, signature))`` element each.

The in-process runner holds a shuffle decoded until it is read (FnApiRunner's ``GroupingBuffer``): an element held
about 740 bytes in three small objects (the 512-byte signature alone, above CPython's small-object limit, one
``malloc`` each), where a chunk holds about 560 bytes a document in a few large blocks. :func:`exact_groups` sorts a
partition's keys and gives back each key's members.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from provmix.pipeline.arrays import StringColumn, by_partition, packed_strings, runs, string_table
from provmix.pipeline.buffering import MAX_BUFFERED, BundleBuffer
from provmix.pipeline.dedup.bands import SignedId

SignedBatch = tuple  # (exact keys: 8-byte digests, ids, signatures: a uint32 array with a row per document)
ExactChunk = tuple  # (keys: uint64 bytes, ids: bytes of `width` each, lengths: uint32 bytes, width, signatures: bytes)
_KEY = np.dtype("<u8")  # an exact key's 8 bytes as one number (the partition is that number modulo the count)


class ExactEntries(BundleBuffer):
    """Signed batches → ``(partition, chunk)`` of their documents, a bundle's at a time
    (:class:`~provmix.pipeline.buffering.BundleBuffer`: ``max_buffered`` documents)."""

    def __init__(self, partitions: int, max_buffered: int = MAX_BUFFERED) -> None:
        super().__init__(max_buffered)
        self.partitions = partitions

    def clear(self) -> None:
        self._batches: list[SignedBatch] = []

    def hold(self, batch: SignedBatch) -> int:
        self._batches.append(batch)
        return len(batch[1])

    def flush(self) -> Iterator[tuple[int, ExactChunk]]:
        batches = self._batches
        self.clear()
        if not batches:
            return
        keys = np.frombuffer(b"".join(key for batch in batches for key in batch[0]), dtype=_KEY)
        table, lengths = string_table([doc_id for batch in batches for doc_id in batch[1]])
        signatures = np.concatenate([batch[2] for batch in batches])
        for partition, members in by_partition(keys, self.partitions):
            chunk = (keys[members].tobytes(), *packed_strings(table, lengths, members), signatures[members].tobytes())
            yield partition, chunk


def exact_groups(chunks: Iterable[ExactChunk]) -> Iterator[list[SignedId]]:
    """A partition's documents grouped by exact key: the ``(id, signature bytes)`` of each key's documents."""
    chunks = list(chunks)
    if not chunks:
        return
    keys = np.concatenate([np.frombuffer(chunk[0], dtype=_KEY) for chunk in chunks])
    ids = StringColumn([chunk[1:4] for chunk in chunks])
    signatures = b"".join(chunk[4] for chunk in chunks)
    width = len(signatures) // keys.size
    order, starts, sizes = runs(keys)
    for start, size in zip(starts.tolist(), sizes.tolist()):
        yield [(ids[entry], signatures[entry * width : (entry + 1) * width])
               for entry in order[start : start + size].tolist()]
