"""LSH band entries, packed: the largest shuffle of a dedup run at about 45 bytes an entry.

Every representative document enters one bucket per band (16 by default), so the band-key shuffle carries 16
entries per document: 12.8 million for a million documents with 20% exact duplicates. As Python objects (``{band
key: [id]}`` groups) an entry held about 176 bytes, and the in-process runner holds a shuffle decoded until it is
read (FnApiRunner's ``GroupingBuffer``).

:class:`BandEntries` sends a partition's entries as one :data:`BandChunk` of NumPy arrays' bytes (keys, the ids
NUL-padded to one width, their lengths: :mod:`pipeline.arrays`), a few per partition per bundle;
:func:`buckets` finds the keys held more than once with a sort and decodes only those ids.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import xxhash

from provmix.pipeline.arrays import StringColumn, by_partition, packed_strings, runs, string_table
from provmix.pipeline.buffering import MAX_BUFFERED, BundleBuffer
from provmix.pipeline.dedup.minhash import EMPTY

BandChunk = tuple  # (keys: uint64 bytes, ids: bytes of `width` each, lengths: uint32 bytes, width: int)
SignedId = tuple  # (doc id, signature bytes)
_SLOT_BYTES = np.dtype(np.uint32).itemsize  # a signature slot (minhash.signatures are uint32)
_EMPTY_SLOT = np.array([EMPTY], dtype=np.uint32).tobytes()  # an empty set's signature is this slot repeated


def band_keys(signature: bytes, bands: int, rows: int) -> list[int]:
    """One 64-bit key per band of a signature's bytes (uint32 slots): xxh3 of the band's slots, seeded with the band
    index; none for an empty set's signature."""
    if not signature.strip(_EMPTY_SLOT):
        return []
    width = rows * _SLOT_BYTES
    return [xxhash.xxh3_64_intdigest(signature[band * width : (band + 1) * width], seed=band) for band in range(bands)]


def pack_by_partition(keys: np.ndarray, owners: np.ndarray, ids: list[str],
                      partitions: int) -> Iterator[tuple[int, BandChunk]]:
    """Entries (``keys[i]``, ``ids[owners[i]]``) → one ``(partition, chunk)`` per partition they fall in."""
    table, lengths = string_table(ids)
    for partition, members in by_partition(keys, partitions):
        yield partition, (keys[members].tobytes(), *packed_strings(table, lengths, owners[members]))


def buckets(chunks: Iterable[BandChunk]) -> Iterator[list[str]]:
    """The ids of every band key that two or more of a partition's entries hold (the order within a bucket is the
    entries' order)."""
    chunks = list(chunks)
    if not chunks:
        return
    keys = np.concatenate([np.frombuffer(chunk[0], dtype=np.uint64) for chunk in chunks])
    ids = StringColumn([chunk[1:] for chunk in chunks])
    order, starts, sizes = runs(keys)
    shared = sizes > 1
    for start, size in zip(starts[shared].tolist(), sizes[shared].tolist()):
        yield [ids[entry] for entry in order[start : start + size].tolist()]


class BandEntries(BundleBuffer):
    """Signed documents → ``(partition, chunk)`` of their band entries (``(band key, id)`` for each band), a
    bundle's at a time (:class:`~provmix.pipeline.buffering.BundleBuffer`: ``max_buffered`` entries)."""

    def __init__(self, bands: int, rows: int, partitions: int, max_buffered: int = MAX_BUFFERED) -> None:
        super().__init__(max_buffered)
        self.bands = bands
        self.rows = rows
        self.partitions = partitions

    def clear(self) -> None:
        self._keys: list[int] = []
        self._ids: list[str] = []

    def hold(self, member: SignedId) -> int:
        doc_id, signature = member
        keys = band_keys(signature, self.bands, self.rows)
        if keys:
            self._keys.extend(keys)
            self._ids.append(doc_id)
        return len(keys)

    def flush(self) -> Iterator[tuple[int, BandChunk]]:
        keys, ids = self._keys, self._ids
        self.clear()
        if ids:
            owners = np.repeat(np.arange(len(ids)), self.bands)  # a non-empty signature has a key in every band
            yield from pack_by_partition(np.array(keys, dtype=np.uint64), owners, ids, self.partitions)
