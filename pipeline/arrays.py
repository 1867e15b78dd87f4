"""NumPy helpers of the shuffles that cross as arrays' bytes (dedup's band and exact-key entries, the URL siblings'
pairs): strings as one array's bytes, entries split by the partition of their 64-bit key, runs of equal keys."""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

PackedStrings = tuple  # (strings NUL-padded to `width`: bytes, their lengths: uint32 bytes, width: int)


def string_table(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``strings`` (document ids, language codes) UTF-8 encoded, NUL-padded to the longest (an ``S{width}``
    array), and their lengths in bytes (a string may itself end in NUL)."""
    encoded = [string.encode() for string in strings]
    lengths = np.fromiter(map(len, encoded), dtype=np.uint32, count=len(encoded))
    return np.array(encoded, dtype=f"S{max(int(lengths.max(initial=0)), 1)}"), lengths


def packed_strings(table: np.ndarray, lengths: np.ndarray, rows: np.ndarray) -> PackedStrings:
    """The strings at ``rows`` of a :func:`string_table`, as bytes."""
    return table[rows].tobytes(), lengths[rows].tobytes(), table.dtype.itemsize


class StringColumn:
    """The strings of several :data:`PackedStrings` parts, concatenated; ``column[i]`` decodes the i-th."""

    def __init__(self, parts: Sequence[PackedStrings]) -> None:
        self.width = max((width for _, _, width in parts), default=1)
        self.strings = b"".join(np.frombuffer(strings, dtype=f"S{width}").astype(f"S{self.width}").tobytes()
                                for strings, _, width in parts)
        self.lengths = np.concatenate([np.frombuffer(lengths, dtype=np.uint32) for _, lengths, _ in parts]
                                      or [np.empty(0, dtype=np.uint32)]).tolist()

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, entry: int) -> str:
        start = entry * self.width
        return self.strings[start : start + self.lengths[entry]].decode()


def by_partition(keys: np.ndarray, partitions: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(partition, indexes of its entries in input order)`` for every partition that 64-bit ``keys`` fall in
    (a partition is the key modulo ``partitions``: the keys are hashes already)."""
    partition = keys % np.uint64(partitions)
    order = np.argsort(partition, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(partition[order])) + 1):
        if members.size:
            yield int(partition[members[0]]), members


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(order, starts, sizes)``: ``keys[order]`` is sorted (stable) and each run of equal keys is
    ``order[start : start + size]``."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if keys.size else order
    return order, starts, np.diff(np.append(starts, keys.size))
