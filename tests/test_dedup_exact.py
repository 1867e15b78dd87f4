"""Packed exact-duplicate entries (pipeline/dedup/exact.py): after the shuffle, the same groups as grouping every
(exact key, (id, signature)) by key, whatever the ids, the partition count and the buffer size."""
from __future__ import annotations

import random

import numpy as np
import pytest

from provmix.pipeline.dedup.exact import ExactEntries, exact_groups
from provmix.pipeline.dedup.text import exact_key
from tests.shuffles import assert_read_after_shuffle

PERMS = 6


def _batches(seed: int, count: int = 250, size: int = 16) -> list[tuple]:
    """Signed batches whose texts repeat often (a small vocabulary), ids of mixed lengths and scripts, one ending
    in NUL, and one id read twice."""
    rng = random.Random(seed)
    names = ["a", "doc-β", "札幌", "x" * 40, "tail\x00"]
    entries = []
    for index in range(count):
        text = f"text {rng.randrange(40)}"
        signature = np.array([rng.randrange(2**32) for _ in range(PERMS)], dtype=np.uint32)
        entries.append((exact_key(text), f"{index}{names[index % len(names)]}", signature))
    entries.append(entries[3])
    return [([key for key, _, _ in part], [doc_id for _, doc_id, _ in part], np.stack([sig for _, _, sig in part]))
            for part in (entries[start : start + size] for start in range(0, len(entries), size))]


def _groups(members: list[tuple[str, bytes]]) -> tuple:
    return tuple(sorted(members))


def _expected(batches: list[tuple]) -> list[tuple]:
    groups: dict[bytes, list] = {}
    for keys, ids, signatures in batches:
        for key, doc_id, signature in zip(keys, ids, signatures):
            groups.setdefault(key, []).append((doc_id, signature.tobytes()))
    return sorted(_groups(members) for members in groups.values())


@pytest.mark.parametrize("partitions,max_buffered", [(1, 100_000), (3, 100_000), (64, 7), (4096, 1)])
def test_groups_after_the_shuffle_equal_grouping_every_document_by_key(partitions: int, max_buffered: int) -> None:
    batches = _batches(seed=partitions)
    assert_read_after_shuffle(batches, ExactEntries(partitions, max_buffered),
                              lambda partition: map(_groups, exact_groups(partition[1])), _expected(batches))


def test_a_full_buffer_is_sent_within_the_bundle_and_the_rest_at_its_end() -> None:
    step, batches = ExactEntries(partitions=2, max_buffered=40), _batches(seed=1, count=100, size=16)
    step.start_bundle()
    sent = [len(list(step.process(batch))) for batch in batches]
    assert sent == [0, 0, 2, 0, 0, 2, 0]  # the third batch brings 48 documents; two partitions each time
    assert len(list(step.finish_bundle())) == 2
    assert list(exact_groups([])) == []
