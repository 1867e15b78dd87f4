"""MT evidence from markup: ``html_signals`` (markers found at extraction, hreflang, <html lang>) → weighted items.

The scanner that finds the markers is :func:`provmix.detectors.machine_translation.markup.find_mt_markers`; the
weights are ``label.evidence`` entries (log-odds towards MT; see :data:`provmix.pipeline.label.config.EVIDENCE`).
"""
from __future__ import annotations

import re

from provmix.detectors.machine_translation.markup import CLIENT_WIDGETS, OPT_OUT, SERVING_PLUGINS
from provmix.pipeline.label.evidence import Weights
from provmix.schemas import documents as d

MANY_ALTERNATES = 5
_GENERATOR_PLUGINS = re.compile("|".join(sorted(SERVING_PLUGINS)), re.IGNORECASE)
MARKER_EVIDENCE = (  # evidence name → the markers that raise it
    ("mt_translated_page", frozenset({"google_translate_proxy"})),
    ("mt_notice", frozenset({"machine_translation_notice"})),
    ("mt_serving_plugin", SERVING_PLUGINS),
    ("translated_from_notice", frozenset({"translated_from_notice"})),
    ("mt_client_widget", CLIENT_WIDGETS),
    ("mt_opt_out_markup", OPT_OUT),
    ("author_notranslate_meta", frozenset({"google_notranslate_meta"})),
)


def primary_language(tag: str | None) -> str | None:
    """``de`` for ``de-AT``/``de_at``/``DE``; None for empty or ``x-default``."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _marker_items(markers: set[str], weights: Weights) -> list[dict]:
    return [{d.NAME: name, d.VALUE: ",".join(sorted(markers & family)), d.WEIGHT: weights[name]}
            for name, family in MARKER_EVIDENCE if markers & family]


def _hreflang_items(hreflang: list[dict] | None, weights: Weights) -> list[dict]:
    langs = {lang for entry in hreflang or [] if (lang := primary_language(entry.get(d.LANG)))}
    if len(langs) < 2:
        return []
    name = "hreflang_many_alternates" if len(langs) >= MANY_ALTERNATES else "hreflang_alternates"
    return [{d.NAME: name, d.VALUE: str(len(langs)), d.WEIGHT: weights[name]}]


def _mismatch_items(signals: dict, detected: str | None, weights: Weights) -> list[dict]:
    declared, detected = primary_language(signals.get(d.HTML_LANG)), primary_language(detected)
    if declared and detected and declared != detected:
        name = "declared_language_mismatch"
        return [{d.NAME: name, d.VALUE: f"html_lang={declared},detected={detected}", d.WEIGHT: weights[name]}]
    return []


def markup_evidence(doc: dict, weights: Weights) -> list[dict]:
    """Evidence items from ``doc[html_signals]`` and ``doc[lang]``; empty when the document has no markup."""
    signals = doc.get(d.HTML_SIGNALS) or {}
    markers = set(signals.get(d.MT_MARKERS) or [])
    markers |= {m.group(0).lower() for m in _GENERATOR_PLUGINS.finditer(signals.get(d.META_GENERATOR) or "")}
    return (_marker_items(markers, weights) + _hreflang_items(signals.get(d.HREFLANG), weights)
            + _mismatch_items(signals, doc.get(d.LANG), weights))
