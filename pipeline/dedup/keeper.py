"""The keeper policy and per-cluster summaries.

In every cluster the keeper is, in order: a document labelled human (by the provisional label pass), the earliest
crawl date (WARC-Date; server-set HTTP dates never count), then the smallest xxh3 hash of the id (and the
id itself, should two hashes collide). Never arrival order, so every runner and input order picks the same one.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import apache_beam as beam
import xxhash

from provmix.pipeline.dates import parse_date
from provmix.pipeline.read.records import iso_utc
from provmix.schemas.documents import CRAWL_DATE, HUMAN, ID, LABEL, UNKNOWN

_NO_DATE = "~"  # sorts after every ISO-8601 date


def observed_date(doc: dict) -> str | None:
    """The record's crawl date (WARC-Date), normalised: the only date here the crawler observed itself.

    HTTP ``Date`` and ``Last-Modified`` are set by the server and can be spoofed, so they never decide the keeper
    nor reach ``first_seen`` (the label stage weighs them separately, as weak evidence).
    """
    moment = parse_date(doc.get(CRAWL_DATE))
    return iso_utc(moment) if moment else None


class Member(NamedTuple):
    """What the keeper policy needs to know about one document."""

    id: str
    human: bool
    earliest: str | None
    exact_key: bytes
    label: str

    @classmethod
    def of(cls, doc: dict, exact_key: bytes) -> "Member":
        return cls(doc[ID], doc.get(LABEL) == HUMAN, observed_date(doc), exact_key, doc.get(LABEL) or UNKNOWN)

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
