"""The keeper policy and per-cluster summaries.

In every cluster the keeper is, in order: a document labelled human (by the provisional label pass), the earliest
date (the least of crawl, HTTP and Last-Modified dates present), then the smallest xxh3 hash of the id (and the
id itself, should two hashes collide). Never arrival order, so every runner and input order picks the same one.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Iterable, NamedTuple

import apache_beam as beam
import xxhash

from provmix.schemas.documents import CRAWL_DATE, HTTP_DATE, HUMAN, ID, LABEL, LAST_MODIFIED, UNKNOWN

DATE_COLUMNS = (CRAWL_DATE, HTTP_DATE, LAST_MODIFIED)
_NO_DATE = "~"  # sorts after every ISO-8601 date


@functools.lru_cache(maxsize=65536)  # crawl dates repeat across a crawl's documents
def parse_date(value: str | None) -> str | None:
    """An ISO-8601 date as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive dates taken as UTC); None if absent or invalid."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def earliest_date(doc: dict) -> str | None:
    dates = [date for date in (parse_date(doc.get(column)) for column in DATE_COLUMNS) if date]
    return min(dates) if dates else None


class Member(NamedTuple):
    """What the keeper policy needs to know about one document."""

    id: str
    human: bool
    earliest: str | None
    exact_key: bytes
    label: str

    @classmethod
    def of(cls, doc: dict, exact_key: bytes) -> "Member":
        return cls(doc[ID], doc.get(LABEL) == HUMAN, earliest_date(doc), exact_key, doc.get(LABEL) or UNKNOWN)

    def rank(self) -> tuple:
        """Smaller is better."""
        return (not self.human, self.earliest or _NO_DATE, xxhash.xxh3_64_intdigest(self.id.encode()), self.id)


class Cluster(NamedTuple):
    """One cluster as every member records it."""

    size: int
    keeper: Member
    first_seen: str | None
    labels: tuple  # sorted (label, count) pairs

    @classmethod
    def singleton(cls, member: Member) -> "Cluster":
        return cls(1, member, member.earliest, ((member.label, 1),))

    def label_mix(self) -> str:
        return ",".join(f"{label}={count}" for label, count in self.labels)


class SummariseCluster(beam.CombineFn):
    """Members → :class:`Cluster` (associative and commutative, so Beam lifts it before the shuffle)."""

    def create_accumulator(self) -> tuple:
        return 0, None, None, {}

    def add_input(self, accumulator: tuple, member: Member) -> tuple:
        return self.merge_accumulators([accumulator, (1, member, member.earliest, {member.label: 1})])

    def merge_accumulators(self, accumulators: Iterable[tuple]) -> tuple:
        size, keeper, first_seen, labels = 0, None, None, {}
        for part_size, part_keeper, part_first, part_labels in accumulators:
            size += part_size
            if part_keeper is not None and (keeper is None or part_keeper.rank() < keeper.rank()):
                keeper = part_keeper
            if part_first is not None and (first_seen is None or part_first < first_seen):
                first_seen = part_first
            for label, count in part_labels.items():
                labels[label] = labels.get(label, 0) + count
        return size, keeper, first_seen, labels

    def extract_output(self, accumulator: tuple) -> Cluster:
        size, keeper, first_seen, labels = accumulator
        return Cluster(size, keeper, first_seen, tuple(sorted(labels.items())))
