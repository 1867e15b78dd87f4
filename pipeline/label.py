"""The label stage: the only place that decides a document's provenance (human | ai | mt | unknown).

Per kind (``ai``, ``mt``) the evidence is summed in log-odds: the detector's calibrated probability (or the
configured base rate when the detector abstained but other evidence exists), plus crawl-date, watermark, markup
and mapped upstream evidence. A kind whose posterior reaches its threshold labels the document (the larger wins);
``human`` needs every kind in ``human_requires`` to have a posterior at or below its ``human_max``; anything else
is ``unknown``. Declared sources decide by rule: ``reference`` is human, ``synthetic`` is ai. The stage runs
twice (before and after dedup) and replaces only its own evidence items, so the second pass is idempotent.
See docs/labels-and-floor.md for the rules, defaults and evidence names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import prod
from typing import Sequence

import apache_beam as beam

from provmix.pipeline import label_evidence as ev
from provmix.pipeline.step import StageResult, Step, run_step
from provmix.schemas import documents as d

STAGE = "label"
KINDS = (d.AI, d.MT)


@dataclass(frozen=True)
class LabelConfig:
    """Label rules; every field has a documented default and a YAML-friendly type."""

    cutoff_date: str = "2022-11-30"  # text first seen before this date predates public LLM chat models
    earliest_plausible_date: str = "1995-01-01"  # earlier dates are server defaults (epoch), ignored
    ai_threshold: float = 0.5  # posterior P(ai) at or above which the document is labelled ai
    mt_threshold: float = 0.5
    human_max_p_ai: float = 0.2  # human needs posterior P(ai) at or below this (between: unknown)
    human_max_p_mt: float = 0.2
    human_requires: list = field(default_factory=lambda: [d.AI, d.MT])  # kinds that must be ruled out
    ai_base_rate: float = 0.1  # prior used when the detector abstained but other evidence exists
    mt_base_rate: float = 0.1
    pre_cutoff_weight: float = -4.0  # crawler-observed date before the cutoff, against ai
    last_modified_weight: float = -2.0  # HTTP Last-Modified before the cutoff (server-set, weaker)
    watermark_threshold: float = 0.99  # watermark detector score that counts as a found watermark
    watermark_weight: float = 6.0
    upstream_evidence: dict = field(default_factory=lambda: {"url_language_siblings": d.MT})  # name → kind
    unknown_counts_as_human: bool = False  # read by the human floor (pipeline.floor), never by the label

    def __post_init__(self) -> None:
        for kind in KINDS:
            threshold, human_max = self.threshold(kind), self.human_max(kind)
            if not 0 < human_max <= threshold < 1:
                raise ValueError(f"need 0 < human_max_p_{kind} <= {kind}_threshold < 1")
            if not 0 < self.base_rate(kind) < 1:
                raise ValueError(f"{kind}_base_rate must lie in (0, 1)")
        bad_kinds = (set(self.human_requires) | set(self.upstream_evidence.values())) - set(KINDS)
        if bad_kinds:
            raise ValueError(f"unknown evidence kinds {sorted(bad_kinds)}; known: {KINDS}")
        earliest = ev.parse_date(self.earliest_plausible_date)
        if earliest is None or self.cutoff_day <= earliest:
            raise ValueError("earliest_plausible_date must be an ISO date before cutoff_date")

    @property
    def cutoff_day(self) -> date:
        day = ev.parse_date(self.cutoff_date)
        if day is None:
            raise ValueError(f"cutoff_date {self.cutoff_date!r} is not an ISO date")
        return day

    def threshold(self, kind: str) -> float:
        return self.ai_threshold if kind == d.AI else self.mt_threshold

    def human_max(self, kind: str) -> float:
        return self.human_max_p_ai if kind == d.AI else self.human_max_p_mt

    def base_rate(self, kind: str) -> float:
        return self.ai_base_rate if kind == d.AI else self.mt_base_rate


def _kind_evidence(
    doc: dict, config: LabelConfig, providers: Sequence[ev.EvidenceProvider]
) -> dict[str, list[dict]]:
    """Evidence items (excluding the detector probability) for each kind."""
    items: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    items[d.AI] += ev.date_evidence(
        doc,
        config.cutoff_day,
        ev.parse_date(config.earliest_plausible_date),
        config.pre_cutoff_weight,
        config.last_modified_weight,
    )
    items[d.AI] += ev.watermark_evidence(doc, config.watermark_threshold, config.watermark_weight)
    for provider in providers:
        items[provider.kind] += ev.provider_evidence(doc, provider)
    for upstream in ev.own_items_removed(doc.get(d.EVIDENCE)):
        kind = config.upstream_evidence.get(upstream.get(d.NAME))
        if kind is not None:
            items[kind].append(upstream)
    return items


def _posterior(
    kind: str, p_detector: float | None, items: list[dict], config: LabelConfig
) -> tuple[float | None, list[dict]]:
    """Posterior probability of ``kind`` and the own items that produced it; None without any evidence."""
    if p_detector is None and not items:
        return None, []
    if p_detector is not None:
        base = ev.item(f"p_{kind}", f"{p_detector:.4f}", ev.logit(p_detector))
    else:
        rate = config.base_rate(kind)
        base = ev.item(f"{kind}_base_rate", f"{rate:.4f}", ev.logit(rate))
    used = [base, *items]
    return ev.sigmoid(sum(item[d.WEIGHT] for item in used)), used


def _own_only(items: list[dict]) -> list[dict]:
    return [item for item in items if str(item[d.NAME]).startswith(ev.OWN_PREFIX)]


def decide_label(
    doc: dict, config: LabelConfig = LabelConfig(), providers: Sequence[ev.EvidenceProvider] = ev.DEFAULT_PROVIDERS
) -> tuple[str, float | None, list[dict]]:
    """``(label, confidence, evidence)`` for ``doc``: upstream evidence kept, this stage's items replaced.

    ``confidence`` is the posterior of the chosen label (for human: the product of ``1 - P(kind)`` over the
    kinds with evidence); None for unknown.
    """
    upstream = ev.own_items_removed(doc.get(d.EVIDENCE))
    source = doc.get(d.SOURCE)
    if source in (d.SOURCE_REFERENCE, d.SOURCE_SYNTHETIC):
        label = d.HUMAN if source == d.SOURCE_REFERENCE else d.AI
        return label, 1.0, upstream + [ev.item("rule", f"declared_source:{source}", 0.0)]

    detector_p = {d.AI: ev.probability(doc.get(d.P_AI)), d.MT: ev.probability(doc.get(d.P_MT))}
    kind_items = _kind_evidence(doc, config, providers)
    posterior: dict[str, float | None] = {}
    own: list[dict] = []
    for kind in KINDS:
        posterior[kind], used = _posterior(kind, detector_p[kind], kind_items[kind], config)
        own += _own_only(used)

    label, confidence, rule = _rule(posterior, config)
    return label, confidence, upstream + own + [ev.item("rule", rule, 0.0)]


def _rule(posterior: dict[str, float | None], config: LabelConfig) -> tuple[str, float | None, str]:
    """Apply the thresholds to the posteriors: ``(label, confidence, rule name)``."""
    above = [(p, kind) for kind in KINDS if (p := posterior[kind]) is not None and p >= config.threshold(kind)]
    if above:
        p, kind = max(above, key=lambda pk: (pk[0], pk[1] == d.AI))
        return kind, p, f"{kind}_above_threshold"
    missing = [kind for kind in config.human_requires if posterior[kind] is None]
    if missing:
        return d.UNKNOWN, None, f"unknown:no_evidence:{','.join(missing)}"
    uncertain = [kind for kind in config.human_requires if posterior[kind] > config.human_max(kind)]
    if uncertain:
        return d.UNKNOWN, None, f"unknown:uncertain:{','.join(uncertain)}"
    confidence = prod(1 - p for p in posterior.values() if p is not None)
    return d.HUMAN, confidence, "human_below_max"


class _LabelStep(Step):
    stage = STAGE

    def __init__(self, config: LabelConfig, providers: Sequence[ev.EvidenceProvider]) -> None:
        super().__init__()
        self.config = config
        self.providers = tuple(providers)

    def apply(self, record: dict) -> list[dict]:
        label, confidence, evidence = decide_label(record, self.config, self.providers)
        return [{**record, d.LABEL: label, d.LABEL_CONFIDENCE: confidence, d.EVIDENCE: evidence}]


class Label(beam.PTransform):
    """Label every document (see :func:`decide_label`); rejects only records whose evidence could not be read."""

    def __init__(
        self, config: LabelConfig = LabelConfig(), providers: Sequence[ev.EvidenceProvider] = ev.DEFAULT_PROVIDERS
    ) -> None:
        super().__init__()
        self.config = config
        self.providers = tuple(providers)

    def expand(self, documents: beam.PCollection) -> StageResult:
        return run_step(documents, "Decide", _LabelStep(self.config, self.providers))
