"""Packed LSH band entries (pipeline/dedup/bands.py): after the shuffle, the same buckets as grouping every (band
key, id) entry by key, whatever the ids, the partition count and the buffer size."""
from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash

from provmix.pipeline.dedup.bands import BandEntries, band_keys, buckets, pack_by_partition
from provmix.pipeline.dedup.minhash import EMPTY
from tests.shuffles import assert_read_after_shuffle

BANDS, ROWS = 4, 2


def _signed(seed: int, count: int = 300) -> list[tuple[str, bytes]]:
    """Signed ids whose signatures share bands often (slot values from a small range), ids of mixed lengths and
    scripts, one ending in NUL, and one empty set."""
    rng = random.Random(seed)
    names = ["a", "doc-β", "札幌", "x" * 40, "tail\x00"]
    members = []
    for index in range(count):
        slots = np.array([rng.randrange(3) for _ in range(BANDS * ROWS)], dtype=np.uint32)
        members.append((f"{index}{names[index % len(names)]}", slots.tobytes()))
    members.append(("empty", np.full(BANDS * ROWS, EMPTY, dtype=np.uint32).tobytes()))
    return members


def _expected_buckets(members: list[tuple[str, bytes]]) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for doc_id, signature in members:
        for key in band_keys(signature, BANDS, ROWS):
            groups.setdefault(key, []).append(doc_id)
    return sorted(sorted(ids) for ids in groups.values() if len(ids) > 1)


def test_band_keys_hash_each_bands_slots_and_an_empty_set_has_none() -> None:
    slots = np.arange(BANDS * ROWS, dtype=np.uint32)
    assert band_keys(slots.tobytes(), BANDS, ROWS) == [
        xxhash.xxh3_64_intdigest(slots[band * ROWS : (band + 1) * ROWS].tobytes(), seed=band) for band in range(BANDS)
    ]
    assert band_keys(np.full(BANDS * ROWS, EMPTY, dtype=np.uint32).tobytes(), BANDS, ROWS) == []
    one_slot_set = np.full(BANDS * ROWS, EMPTY, dtype=np.uint32)
    one_slot_set[-1] = 7
    assert len(band_keys(one_slot_set.tobytes(), BANDS, ROWS)) == BANDS


def test_a_partitions_chunks_give_back_every_id_of_each_shared_key() -> None:
    keys = np.array([5, 9, 5, 2**64 - 1, 9, 5, 2**64 - 1, 11], dtype=np.uint64)
    ids = ["p", "q", "rr\x00", "札"]
    owners = np.array([0, 1, 2, 3, 0, 3, 1, 2])
    chunks = dict(pack_by_partition(keys, owners, ids, partitions=1))
    assert list(chunks) == [0]
    found = sorted(sorted(bucket) for bucket in buckets([chunks[0]]))
    assert found == sorted([["p", "rr\x00", "札"], ["p", "q"], ["q", "札"]])
    assert list(buckets([])) == []


@pytest.mark.parametrize("partitions,max_buffered", [(1, 100_000), (3, 100_000), (64, 7), (4096, 1)])
def test_buckets_after_the_shuffle_equal_grouping_every_entry(partitions: int, max_buffered: int) -> None:
    members = _signed(seed=partitions)
    assert_read_after_shuffle(members, BandEntries(BANDS, ROWS, partitions, max_buffered),
                              lambda partition: (sorted(ids) for ids in buckets(partition[1])),
                              _expected_buckets(members))


def test_a_full_buffer_is_sent_within_the_bundle_and_the_rest_at_its_end() -> None:
    step, members = BandEntries(BANDS, ROWS, partitions=2, max_buffered=3 * BANDS), _signed(seed=1, count=10)
    step.start_bundle()
    sent = [len(list(step.process(member))) for member in members]
    assert sent[2] > 0 and sent[5] > 0 and sent[8] > 0 and sum(sent[:2]) == 0  # every third signature fills it
    assert len(list(step.finish_bundle())) > 0
