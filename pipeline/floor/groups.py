"""Where a document stands for the floor: its scope key, floor class, freshness, size and selection bucket."""
from __future__ import annotations

from typing import Mapping, NamedTuple

import xxhash

from provmix.pipeline.floor.config import GLOBAL, SCOPE_COLUMNS, SYNTHETIC, MixConfig
from provmix.pipeline.dates import parse_date
from provmix.pipeline.tokens import count_tokens
from provmix.schemas import documents as d

BUCKET_BITS = 16
GLOBAL_KEY = "all"
MISSING_KEY = "none"  # scope key of documents without a language / domain / source


class Group(NamedTuple):
    """The selection unit: documents of one class (and freshness, for human ones) within one scope."""

    cls: str
    fresh: bool


Histogram = dict  # a group's bucket → [tokens, documents, expected human tokens]
Selection = dict  # Group → frozenset of kept buckets (absent: keep all)


def scope_key(doc: dict, mix: MixConfig) -> str:
    if mix.scope == GLOBAL:
        return GLOBAL_KEY
    return str(doc.get(SCOPE_COLUMNS[mix.scope]) or MISSING_KEY)


def floor_class(doc: dict) -> str:
    """Declared synthetic data is its own class; everything else is classed by its label."""
    if doc.get(d.SOURCE) == d.SOURCE_SYNTHETIC:
        return SYNTHETIC
    return doc.get(d.LABEL) or d.UNKNOWN


def human_classes(mix: MixConfig) -> frozenset[str]:
    """The floor classes that count as human in ``mix``."""
    return frozenset({d.HUMAN, d.UNKNOWN} if mix.unknown_counts_as_human else {d.HUMAN})


def is_fresh(doc: dict, mix: MixConfig) -> bool:
    """Not from the reference set and, when ``fresh_after`` is set, first seen (else crawled) on or after it."""
    if doc.get(d.SOURCE) == d.SOURCE_REFERENCE:
        return False
    if mix.fresh_after is None:
        return True
    seen = parse_date(doc.get(d.FIRST_SEEN)) or parse_date(doc.get(d.CRAWL_DATE))
    return seen is not None and seen >= parse_date(mix.fresh_after)


def group_of(doc: dict, mix: MixConfig, humans: frozenset[str]) -> Group:
    cls = floor_class(doc)
    return Group(cls, cls in humans and is_fresh(doc, mix))


def tokens_of(doc: dict) -> int:
    """The ``n_tokens`` column, counted with the default tokenizer when extraction left it empty."""
    n = doc.get(d.N_TOKENS)
    return int(n) if n is not None else count_tokens(doc.get(d.TEXT) or "")


def expected_human_tokens(doc: dict, tokens: int) -> int:
    """``p_human × tokens`` rounded to whole tokens; 0 when the label stage had no evidence (``p_human`` null)."""
    p = doc.get(d.P_HUMAN)
    return 0 if p is None else round(p * tokens)


def histogram_entry(doc: dict, seed: int) -> tuple[int, int, int]:
    """``(bucket, tokens, expected human tokens)``: what ``doc`` adds to its group's histogram."""
    tokens = tokens_of(doc)
    return bucket_of(doc, seed), tokens, expected_human_tokens(doc, tokens)


def bucket_of(doc: dict, seed: int) -> int:
    """The document's place in the seeded selection order: the top bits of a 64-bit hash of its id."""
    return xxhash.xxh3_64_intdigest(f"{seed}\x00{doc[d.ID]}".encode()) >> (64 - BUCKET_BITS)


def is_kept(doc: dict, mix: MixConfig, humans: frozenset[str], selection: Mapping[Group, frozenset]) -> bool:
    """Whether ``doc``'s bucket is among its group's kept buckets in its scope's ``selection`` (absent: all)."""
    kept = selection.get(group_of(doc, mix, humans))
    return kept is None or bucket_of(doc, mix.seed) in kept
