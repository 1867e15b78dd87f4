"""Exact-duplicate groups, packed: every document's exact key, id and MinHash signature cross the shuffle as NumPy
arrays' bytes, one chunk per partition per bundle, instead of one ``(key, (id, signature))`` element each.

The in-process runner holds a shuffle decoded until it is read (FnApiRunner's ``GroupingBuffer``): an element held
about 740 bytes in three small objects (the 512-byte signature alone, above CPython's small-object limit, one
``malloc`` each), where a chunk holds about 560 bytes a document in a few large blocks. :func:`exact_groups` sorts a
partition's keys and gives back each key's members.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam
import numpy as np
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue

from provmix.pipeline.dedup.arrays import IdColumn, by_partition, id_table, packed_ids, runs
from provmix.pipeline.dedup.bands import SignedId
from provmix.pipeline.dedup.grouping import MAX_BUFFERED

SignedBatch = tuple  # (exact keys: 8-byte digests, ids, signatures: a uint32 array with a row per document)
ExactChunk = tuple  # (keys: uint64 bytes, ids: bytes of `width` each, lengths: uint32 bytes, width, signatures: bytes)
_KEY = np.dtype("<u8")  # an exact key's 8 bytes as one number (the partition is that number modulo the count)


class ExactEntries(beam.DoFn):
    """Signed batches → ``(partition, chunk)`` of their documents, sent at the end of each bundle (in the global
    window: dedup runs on bounded input) or whenever ``max_buffered`` documents are held."""

    def __init__(self, partitions: int, max_buffered: int = MAX_BUFFERED) -> None:
        self.partitions = partitions
        self.max_buffered = max_buffered

    def start_bundle(self) -> None:
        self._batches: list[SignedBatch] = []
        self._buffered = 0

    def process(self, batch: SignedBatch) -> Iterator[tuple[int, ExactChunk]]:
        self._batches.append(batch)
        self._buffered += len(batch[1])
        if self._buffered >= self.max_buffered:
            yield from self._flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for chunk in self._flush():
            yield GlobalWindows.windowed_value(chunk)

    def _flush(self) -> Iterator[tuple[int, ExactChunk]]:
        batches, self._batches, self._buffered = self._batches, [], 0
        if not batches:
            return
        keys = np.frombuffer(b"".join(key for batch in batches for key in batch[0]), dtype=_KEY)
        table, lengths = id_table([doc_id for batch in batches for doc_id in batch[1]])
        signatures = np.concatenate([batch[2] for batch in batches])
        for partition, members in by_partition(keys, self.partitions):
            chunk = (keys[members].tobytes(), *packed_ids(table, lengths, members), signatures[members].tobytes())
            yield partition, chunk


def exact_groups(chunks: Iterable[ExactChunk]) -> Iterator[list[SignedId]]:
    """A partition's documents grouped by exact key: the ``(id, signature bytes)`` of each key's documents."""
    chunks = list(chunks)
    if not chunks:
        return
    keys = np.concatenate([np.frombuffer(chunk[0], dtype=_KEY) for chunk in chunks])
    ids = IdColumn([chunk[1:4] for chunk in chunks])
    signatures = b"".join(chunk[4] for chunk in chunks)
    width = len(signatures) // keys.size
    order, starts, sizes = runs(keys)
    for start, size in zip(starts.tolist(), sizes.tolist()):
        yield [(ids[entry], signatures[entry * width : (entry + 1) * width])
               for entry in order[start : start + size].tolist()]
