"""The label stage: the only place that decides a document's provenance (human | ai | mt | unknown).

Per kind (``ai``, ``mt``) the evidence is summed in log-odds: the kind's detectors combined by the configured
rule (:mod:`provmix.pipeline.label.combine`; that combined probability is written to ``p_ai`` / ``p_mt``), or
the configured base rate when every detector abstained but other evidence exists, plus date, watermark, markup
and URL-sibling evidence weighted by ``label.evidence``. A kind whose posterior reaches its threshold labels the
document (the larger wins); ``human`` needs every kind in ``human_requires`` to have a posterior at or below its
``human_max``; anything else is ``unknown``. With ``label.detector_thresholds`` the deciding detector's shipped
operating points set both bars (:mod:`provmix.pipeline.label.combine`). Declared sources decide by rule:
``reference`` is human, ``synthetic`` is ai. The stage runs twice (before and after dedup) and replaces only its
own evidence items, so the second pass is idempotent. See docs/labels-and-floor.md for the rules, defaults and
evidence names.
"""
from __future__ import annotations

from math import prod
from typing import NamedTuple, Sequence

import apache_beam as beam

from provmix.pipeline.label import evidence as ev
from provmix.pipeline.label.combine import Combined, Combiner
from provmix.pipeline.label.config import KINDS, LabelConfig
from provmix.pipeline.label.markup import markup_evidence
from provmix.pipeline.label.siblings import siblings_evidence
from provmix.pipeline.step import StageResult, Step, run_step
from provmix.schemas import documents as d

STAGE = "label"
PROVISIONAL_LABEL = "provisional_label"  # counters of the pass before dedup
PROBABILITY_COLUMNS = {d.AI: d.P_AI, d.MT: d.P_MT}
DEFAULT_PROVIDERS: tuple[ev.EvidenceProvider, ...] = (
    ev.EvidenceProvider(d.MT, "markup", markup_evidence),
    ev.EvidenceProvider(d.MT, "siblings", siblings_evidence),
)


class Decision(NamedTuple):
    label: str
    confidence: float | None  # posterior of the chosen label (human: product of 1 - P(kind)); None for unknown
    evidence: list[dict]
    probabilities: dict  # kind → combined detector probability (the p_ai / p_mt columns)
    p_human: float | None  # product over kinds of 1 - posterior; None while a required kind has no evidence


def combiners(config: LabelConfig) -> dict[str, Combiner]:
    return {kind: Combiner(kind, config.rule(kind), config.evidence) for kind in KINDS}


def _kind_evidence(doc: dict, config: LabelConfig, providers: Sequence[ev.EvidenceProvider]) -> dict[str, list]:
    """Evidence items (excluding the detectors) for each kind."""
    items: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    items[d.AI] += ev.date_evidence(doc, config.cutoff_day, config.earliest_day, config.evidence)
    items[d.AI] += ev.watermark_evidence(doc, config.watermark_threshold, config.evidence)
    for provider in providers:
        items[provider.kind] += ev.provider_evidence(doc, provider, config.evidence)
    return items


def _posterior(kind: str, detectors: list[dict], p: float | None, items: list[dict],
               config: LabelConfig) -> tuple[float | None, list[dict]]:
    """Posterior probability of ``kind`` and the items that produced it; None without any evidence."""
    if p is None and not items:
        return None, []
    if p is None:
        rate = config.base_rate(kind)
        detectors = [ev.item(f"{kind}_base_rate", f"{rate:.4f}", ev.logit(rate))]
    used = [*detectors, *items]
    return ev.sigmoid(sum(item[d.WEIGHT] for item in used)), used


def decide_label(
    doc: dict,
    config: LabelConfig = LabelConfig(),
    providers: Sequence[ev.EvidenceProvider] = DEFAULT_PROVIDERS,
    combine: dict[str, Combiner] | None = None,
) -> Decision:
    """The label of ``doc``: upstream evidence kept, this stage's items replaced."""
    combine = combine if combine is not None else combiners(config)
    upstream = ev.own_items_removed(doc.get(d.EVIDENCE))
    combined = {kind: combine[kind](doc) for kind in KINDS}
    probabilities = {kind: c.probability for kind, c in combined.items()}
    source = doc.get(d.SOURCE)
    if source in (d.SOURCE_REFERENCE, d.SOURCE_SYNTHETIC):
        label = d.HUMAN if source == d.SOURCE_REFERENCE else d.AI
        rule = ev.item("rule", f"declared_source:{source}", 0.0)
        return Decision(label, 1.0, upstream + [rule], probabilities, float(label == d.HUMAN))

    kind_items = _kind_evidence(doc, config, providers)
    posterior: dict[str, float | None] = {}
    own: list[dict] = []
    for kind in KINDS:
        c = combined[kind]
        posterior[kind], used = _posterior(kind, c.items, c.probability, kind_items[kind], config)
        own += used
    thresholds = {kind: label_threshold(kind, combined[kind], config) for kind in KINDS}
    human_max = {kind: human_threshold(kind, combined[kind], config) for kind in KINDS}
    label, confidence, rule = _rule(posterior, thresholds, human_max, config)
    evidence = upstream + own + [ev.item("rule", rule, 0.0)]
    return Decision(label, confidence, evidence, probabilities, human_posterior(posterior, config))


def human_posterior(posterior: dict[str, float | None], config: LabelConfig) -> float | None:
    """P(human): the product over kinds of ``1 - P(kind)`` (kinds without evidence left out), None while a kind
    in ``human_requires`` has no evidence at all."""
    if any(posterior[kind] is None for kind in config.human_requires):
        return None
    return prod(1 - p for p in posterior.values() if p is not None)


def label_threshold(kind: str, combined: Combined, config: LabelConfig) -> float:
    """The posterior at which ``kind`` labels: the configured threshold, raised to the deciding detector's
    operating point when ``label.detector_thresholds`` (a detector alone then labels at its shipped threshold)."""
    if config.detector_thresholds and combined.threshold is not None:
        return max(config.threshold(kind), combined.threshold)
    return config.threshold(kind)


def human_threshold(kind: str, combined: Combined, config: LabelConfig) -> float:
    """The posterior at or below which ``kind`` is ruled out for ``human``: the deciding detector's human operating
    point when ``label.detector_thresholds`` and it ships one, else ``human_max_p_<kind>``."""
    if config.detector_thresholds and combined.human_threshold is not None:
        return combined.human_threshold
    return config.human_max(kind)


def _rule(posterior: dict[str, float | None], thresholds: dict[str, float], human_max: dict[str, float],
          config: LabelConfig) -> tuple[str, float | None, str]:
    """Apply the thresholds to the posteriors: ``(label, confidence, rule name)``."""
    above = [(p, kind) for kind in KINDS if (p := posterior[kind]) is not None and p >= thresholds[kind]]
    if above:
        p, kind = max(above, key=lambda pk: (pk[0], pk[1] == d.AI))
        return kind, p, f"{kind}_above_threshold"
    missing = [kind for kind in config.human_requires if posterior[kind] is None]
    if missing:
        return d.UNKNOWN, None, f"unknown:no_evidence:{','.join(missing)}"
    uncertain = [kind for kind in config.human_requires if posterior[kind] > human_max[kind]]
    if uncertain:
        return d.UNKNOWN, None, f"unknown:uncertain:{','.join(uncertain)}"
    return d.HUMAN, human_posterior(posterior, config), "human_below_max"


_DATE_ITEM_NAMES = frozenset(f"{ev.OWN_PREFIX}{name}" for _, name in ev.DATE_ITEMS)  # as the date evidence names them


def provisional_decision_stands(record: dict, config: LabelConfig) -> bool:
    """Whether deciding ``record`` again after dedup would repeat the provisional decision it carries.

    Of what dedup writes, the label reads ``first_seen`` (through the date evidence) and the evidence item a cluster
    of two or more gains. A document dedup found no copy of gains no item, so its decision stands when the date
    evidence it now gets is the date item the provisional pass recorded."""
    if record.get(d.LABEL) is None or record.get(d.CLUSTER_SIZE) != 1:
        return False
    dated = ev.date_evidence(record, config.cutoff_day, config.earliest_day, config.evidence)
    recorded = [item for item in record.get(d.EVIDENCE) or [] if item.get(d.NAME) in _DATE_ITEM_NAMES]
    return dated == recorded


def apply_decision(record: dict, decision: Decision) -> dict:
    """``record`` with the label columns of ``decision``."""
    columns = {PROBABILITY_COLUMNS[kind]: p for kind, p in decision.probabilities.items()}
    return {**record, d.LABEL: decision.label, d.LABEL_CONFIDENCE: decision.confidence,
            d.EVIDENCE: decision.evidence, d.P_HUMAN: decision.p_human, **columns}


class LabelStep(Step):
    stage = STAGE

    def __init__(self, config: LabelConfig, providers: Sequence[ev.EvidenceProvider], namespace: str,
                 after_dedup: bool = False) -> None:
        super().__init__()
        self.config = config
        self.providers = tuple(providers)
        self.namespace = namespace
        self.after_dedup = after_dedup

    def start(self) -> None:
        self.combine = combiners(self.config)

    def apply(self, record: dict) -> list[dict]:
        if self.after_dedup and provisional_decision_stands(record, self.config):
            return [record]
        return [apply_decision(record, decide_label(record, self.config, self.providers, self.combine))]


class Label(beam.PTransform):
    """Label every document (see :func:`decide_label`); rejects only records whose evidence could not be read.

    ``namespace`` names the pass's counters (the pipeline labels twice: ``provisional_label`` before dedup).
    ``after_dedup``: the pass after dedup, which keeps the decisions that dedup cannot have changed
    (:func:`provisional_decision_stands`)."""

    def __init__(
        self, config: LabelConfig = LabelConfig(), providers: Sequence[ev.EvidenceProvider] = DEFAULT_PROVIDERS,
        namespace: str = STAGE, after_dedup: bool = False,
    ) -> None:
        super().__init__()
        self.config = config
        self.providers = tuple(providers)
        self.namespace = namespace
        self.after_dedup = after_dedup

    def expand(self, documents: beam.PCollection) -> StageResult:
        return run_step(documents, "Decide", LabelStep(self.config, self.providers, self.namespace, self.after_dedup))
