"""Evidence items the label stage gathers from a document, one small function per source of evidence.

Every item is ``{name, value, weight}``: ``weight`` is a signed log-odds contribution towards the item's kind
(``ai`` or ``mt``); negative weights argue against it. Weights come from ``label.evidence`` (see
:mod:`provmix.pipeline.label.config`). Items this stage adds carry the :data:`OWN_PREFIX` so a second labelling
pass can replace them without touching evidence added upstream.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping, Sequence

from provmix.pipeline.dates import parse_date
from provmix.schemas import documents as d

OWN_PREFIX = "label."
LOGIT_CLIP = 1e-6  # probabilities are clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before taking log-odds

# date columns by who set them: the crawler (this record's WARC-Date; first_seen, the earliest WARC-Date of the
# duplicate cluster) or the server (HTTP headers, spoofable)
CRAWLER_DATES = (d.CRAWL_DATE, d.FIRST_SEEN)
SERVER_DATES = (d.HTTP_DATE, d.LAST_MODIFIED)
DATE_ITEMS = ((CRAWLER_DATES, "pre_cutoff_crawl_date"), (SERVER_DATES, "pre_cutoff_server_date"))

Weights = Mapping[str, float]


@dataclass(frozen=True)
class EvidenceProvider:
    """A source of extra evidence for one kind: ``fn(doc, weights)`` returns ``[{name, value, weight}]``."""

    kind: str
    name: str
    fn: Callable[[dict, Weights], list[dict]]


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


def own_items_removed(evidence: Sequence[dict] | None) -> list[dict]:
    """Upstream evidence: everything this stage did not add itself."""
    return [e for e in evidence or [] if not str(e.get(d.NAME, "")).startswith(OWN_PREFIX)]


def date_evidence(doc: dict, cutoff: date, earliest_plausible: date, weights: Weights) -> list[dict]:
    """At most one item: the earliest plausible pre-cutoff date the crawler observed (strong), else the earliest
    server-set one (weak). The value names the column it came from: ``crawl_date`` (this record),
    ``first_seen`` (its duplicate cluster), ``http_date`` or ``last_modified``."""
    for columns, name in DATE_ITEMS:
        dated = [(moment.date(), col) for col in columns if (moment := parse_date(doc.get(col))) is not None]
        dated = [(day, col) for day, col in dated if earliest_plausible <= day < cutoff]
        if dated:
            day, col = min(dated)
            return [item(name, f"{col}={day.isoformat()}", weights[name])]
    return []


def watermark_evidence(doc: dict, threshold: float, weights: Weights) -> list[dict]:
    """One item per watermark detector whose score reaches ``threshold`` (absence of a watermark says nothing)."""
    found = []
    for score in doc.get(d.DETECTOR_SCORES) or []:
        p = probability(score.get(d.SCORE))
        if score.get(d.KIND) == "watermark" and p is not None and p >= threshold:
            found.append(item("watermark", f"{score.get(d.DETECTOR)}={p:.4f}", weights["watermark"]))
    return found


def provider_evidence(doc: dict, provider: EvidenceProvider, weights: Weights) -> list[dict]:
    """The provider's items, renamed into this stage's namespace so a second pass can replace them."""
    return [
        item(f"{provider.name}.{e[d.NAME]}", str(e.get(d.VALUE, "")), float(e.get(d.WEIGHT) or 0.0))
        for e in provider.fn(doc, weights)
    ]
