"""Configuration of the label stage, and the one map of evidence weights (``label.evidence``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from provmix.pipeline.dates import parse_date
from provmix.schemas import documents as d

KINDS = (d.AI, d.MT)
MAX, LOG_ODDS, FUSION_PREFIX = "max", "log_odds", "fusion:"
DETECTOR_PREFIX = "detector:"  # label.evidence["detector:NAME"]: that detector's weight under the log_odds rule


class Evidence(NamedTuple):
    """A named evidence item: the kind it argues about, its default log-odds weight and why."""

    kind: str
    weight: float
    reason: str


EVIDENCE: dict[str, Evidence] = {
    # dates (against ai): only dates the crawler observed are strong
    "pre_cutoff_crawl_date": Evidence(d.AI, -4.0, "this record's WARC-Date, or the earliest WARC-Date in its"
                                      " duplicate cluster, is before the cutoff"),
    "pre_cutoff_server_date": Evidence(d.AI, -0.5, "HTTP Date/Last-Modified before the cutoff: set by the server,"
                                       " spoofable, so weak (and bounded, see LabelConfig)"),
    "watermark": Evidence(d.AI, 6.0, "a watermark detector found a watermark"),
    # markup (for mt unless negative)
    "mt_translated_page": Evidence(d.MT, 3.0, "the page is Google Translate proxy output"),
    "mt_notice": Evidence(d.MT, 2.5, "the page says it was machine/automatically translated"),
    "mt_serving_plugin": Evidence(d.MT, 1.0, "a plugin that serves machine-translated copies of the site's pages"
                                  " is installed"),
    "translated_from_notice": Evidence(d.MT, 0.5, "the page says it is a translation (human or machine)"),
    "mt_client_widget": Evidence(d.MT, 0.3, "the site offers in-browser MT; the crawled text is usually the"
                                 " original"),
    "mt_opt_out_markup": Evidence(d.MT, 0.2, "translate=no/notranslate marks what an MT layer must skip:"
                                  " translation tooling"),
    "author_notranslate_meta": Evidence(d.MT, -0.3, "the author asks browsers not to translate: the text is meant"
                                        " as served"),
    "hreflang_alternates": Evidence(d.MT, 0.3, "2-4 declared language versions: the site is translated"),
    "hreflang_many_alternates": Evidence(d.MT, 0.8, "5+ declared language versions: many-way translation is"
                                         " mostly MT"),
    "declared_language_mismatch": Evidence(d.MT, 0.4, "<html lang> differs from the detected language: content"
                                           " swapped by a translation layer that left the template alone"),
    # URL language siblings in the crawl (Thompson et al. 2024: multi-way parallel web text is mostly MT)
    "url_language_siblings": Evidence(d.MT, 0.5, "the same URL in two languages: a translated site, MT or not"),
    "url_language_siblings_many": Evidence(d.MT, 1.0, "the same URL in 3+ languages: many-way translation"),
}
DEFAULT_WEIGHTS = {name: e.weight for name, e in EVIDENCE.items()}


def _help(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True)
class LabelConfig:
    """Label rules; every field has a documented default and a YAML-friendly type."""

    cutoff_date: str = field(default="2022-11-30", metadata=_help(
        "text first seen by the crawler before this date predates public LLM chat models"))
    earliest_plausible_date: str = field(default="1995-01-01", metadata=_help(
        "earlier dates are server defaults (epoch) and are ignored"))
    ai_threshold: float = field(default=0.5, metadata=_help("posterior P(ai) at or above which the label is ai"))
    mt_threshold: float = field(default=0.5, metadata=_help("posterior P(mt) at or above which the label is mt"))
    detector_thresholds: bool = field(default=True, metadata=_help(
        "use the deciding detector's shipped operating points: label ai / mt only at or above its 1%-FPR threshold "
        "(when higher than ai_threshold / mt_threshold), clear a kind for human at or below its human threshold "
        "(in place of human_max_p_ai / human_max_p_mt)"))
    human_max_p_ai: float = field(default=0.2, metadata=_help(
        "human needs posterior P(ai) at or below this (between it and ai_threshold: unknown), unless the detector's "
        "human threshold applies"))
    human_max_p_mt: float = field(default=0.2, metadata=_help(
        "human needs posterior P(mt) at or below this, unless the detector's human threshold applies"))
    human_requires: list = field(default_factory=lambda: [d.AI, d.MT], metadata=_help(
        "kinds that must be ruled out (have evidence, posterior at or below human_max) for a human label"))
    ai_base_rate: float = field(default=0.1, metadata=_help(
        "prior P(ai) used when every ai detector abstained but other ai evidence exists"))
    mt_base_rate: float = field(default=0.1, metadata=_help(
        "prior P(mt) used when every mt detector abstained but other mt evidence exists"))
    watermark_threshold: float = field(default=0.99, metadata=_help(
        "watermark detector score that counts as a found watermark"))
    combine: dict = field(default_factory=lambda: {d.AI: MAX, d.MT: MAX}, metadata=_help(
        "kind → how the scores of that kind's detectors become p_ai / p_mt: 'max' (the most confident detector),"
        " 'log_odds' (sum of weight × logit p, weights label.evidence['detector:NAME'], default 1), or"
        " 'fusion:PATH' (a fitted fusion model JSON with a MODEL_CARD.md beside it)"))
    evidence: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS), metadata=_help(
        "evidence name → log-odds weight (positive argues for its kind); names not given keep their documented"
        " defaults (docs/labels-and-floor.md); 'detector:NAME' keys weigh detectors under combine: log_odds"))

    def __post_init__(self) -> None:
        for kind in KINDS:
            threshold, human_max = self.threshold(kind), self.human_max(kind)
            if not 0 < human_max <= threshold < 1:
                raise ValueError(f"need 0 < human_max_p_{kind} <= {kind}_threshold < 1")
            if not 0 < self.base_rate(kind) < 1:
                raise ValueError(f"{kind}_base_rate must lie in (0, 1)")
        if set(self.human_requires) - set(KINDS):
            raise ValueError(f"human_requires: unknown kinds {sorted(set(self.human_requires) - set(KINDS))}")
        earliest = parse_date(self.earliest_plausible_date)
        if earliest is None or self.cutoff_day <= earliest.date():
            raise ValueError("earliest_plausible_date must be an ISO date before cutoff_date")
        self._check_combine()
        object.__setattr__(self, "evidence", self._checked_weights())

    def _check_combine(self) -> None:
        if set(self.combine) - set(KINDS):
            raise ValueError(f"combine: unknown kinds {sorted(set(self.combine) - set(KINDS))}; known: {KINDS}")
        for kind, rule in self.combine.items():
            if rule not in (MAX, LOG_ODDS) and not str(rule).startswith(FUSION_PREFIX):
                raise ValueError(f"combine.{kind}: {rule!r} is not max, log_odds or fusion:PATH")

    def _checked_weights(self) -> dict:
        """The full weight map (defaults filled in); unknown names, non-numbers and unsafe date weights fail."""
        unknown = [name for name in self.evidence if name not in EVIDENCE and not name.startswith(DETECTOR_PREFIX)]
        if unknown:
            raise ValueError(f"evidence: unknown names {sorted(unknown)}; known: {sorted(EVIDENCE)} and detector:NAME")
        weights = {**DEFAULT_WEIGHTS, **self.evidence}
        for name, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
                raise ValueError(f"evidence.{name}: weight must be a finite number, got {weight!r}")
        # a server-set date may not move a document the detectors call ai all the way to human
        margin = math.log(self.ai_threshold / (1 - self.ai_threshold)) - math.log(
            self.human_max_p_ai / (1 - self.human_max_p_ai))
        if not -margin < weights["pre_cutoff_server_date"] <= 0:
            raise ValueError(f"evidence.pre_cutoff_server_date must lie in ({-margin:.3f}, 0]: a spoofable date"
                             " may not turn an ai-labelled document human")
        return {name: float(weight) for name, weight in weights.items()}

    @property
    def cutoff_day(self) -> date:
        moment = parse_date(self.cutoff_date)
        if moment is None:
            raise ValueError(f"cutoff_date {self.cutoff_date!r} is not an ISO date")
        return moment.date()

    @property
    def earliest_day(self) -> date:
        return parse_date(self.earliest_plausible_date).date()

    def threshold(self, kind: str) -> float:
        return self.ai_threshold if kind == d.AI else self.mt_threshold

    def human_max(self, kind: str) -> float:
        return self.human_max_p_ai if kind == d.AI else self.human_max_p_mt

    def base_rate(self, kind: str) -> float:
        return self.ai_base_rate if kind == d.AI else self.mt_base_rate

    def rule(self, kind: str) -> str:
        return self.combine.get(kind, MAX)
