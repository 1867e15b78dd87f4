"""Evidence items the label stage gathers from a document, one small function per source of evidence.

Every item is ``{name, value, weight}``: ``weight`` is a signed log-odds contribution towards the item's kind
(``ai`` or ``mt``); negative weights argue against it. Items this stage adds carry the :data:`OWN_PREFIX` so a
second labelling pass can replace them without touching evidence added upstream.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Callable, Sequence

from provmix.detectors.machine_translation.markup import markup_evidence
from provmix.schemas import documents as d

OWN_PREFIX = "label."
LOGIT_CLIP = 1e-6  # probabilities are clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before taking log-odds

STRONG_DATE_COLUMNS = (d.CRAWL_DATE, d.HTTP_DATE, d.FIRST_SEEN)  # dates the crawler itself observed


@dataclass(frozen=True)
class EvidenceProvider:
    """A source of extra evidence for one kind: ``fn(doc)`` returns ``[{name, value, weight}]``."""

    kind: str
    name: str
    fn: Callable[[dict], list[dict]]


DEFAULT_PROVIDERS: tuple[EvidenceProvider, ...] = (EvidenceProvider(d.MT, "markup", markup_evidence),)


def item(name: str, value: str, weight: float) -> dict:
    """One evidence item owned by the label stage."""
    return {d.NAME: f"{OWN_PREFIX}{name}", d.VALUE: value, d.WEIGHT: float(weight)}


def logit(p: float) -> float:
    p = min(max(p, LOGIT_CLIP), 1 - LOGIT_CLIP)
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def probability(value: object) -> float | None:
    """A stored probability, or None when missing or NaN (an abstention)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def parse_date(value: object) -> date | None:
    """The calendar date of an ISO-8601 string (``2019-03-01`` or ``2019-03-01T12:00:00Z``), else None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def own_items_removed(evidence: Sequence[dict] | None) -> list[dict]:
    """Upstream evidence: everything this stage did not add itself."""
    return [e for e in evidence or [] if not str(e.get(d.NAME, "")).startswith(OWN_PREFIX)]


def date_evidence(
    doc: dict, cutoff: date, earliest_plausible: date, strong_weight: float, last_modified_weight: float
) -> list[dict]:
    """At most one item: the earliest plausible pre-cutoff date, preferring dates the crawler observed.

    ``Last-Modified`` is set by the server (often wrong or defaulted), so it only counts when no crawler date
    predates the cutoff, and with its own, weaker weight. Dates before ``earliest_plausible`` are ignored.
    """
    for columns, weight in ((STRONG_DATE_COLUMNS, strong_weight), ((d.LAST_MODIFIED,), last_modified_weight)):
        dated = [(day, col) for col in columns if (day := parse_date(doc.get(col))) is not None]
        dated = [(day, col) for day, col in dated if earliest_plausible <= day < cutoff]
        if dated:
            day, col = min(dated)
            return [item("pre_cutoff_date", f"{col}={day.isoformat()}", weight)]
    return []


def watermark_evidence(doc: dict, threshold: float, weight: float) -> list[dict]:
    """One item per watermark detector whose score reaches ``threshold`` (absence of a watermark says nothing)."""
    found = []
    for score in doc.get(d.DETECTOR_SCORES) or []:
        p = probability(score.get(d.SCORE))
        if score.get(d.KIND) == "watermark" and p is not None and p >= threshold:
            found.append(item("watermark", f"{score.get(d.DETECTOR)}={p:.4f}", weight))
    return found


def provider_evidence(doc: dict, provider: EvidenceProvider) -> list[dict]:
    """The provider's items, renamed into this stage's namespace so a second pass can replace them."""
    return [
        item(f"{provider.name}.{e[d.NAME]}", str(e.get(d.VALUE, "")), float(e.get(d.WEIGHT) or 0.0))
        for e in provider.fn(doc)
    ]
