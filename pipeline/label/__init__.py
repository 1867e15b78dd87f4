"""The label stage (the only stage that decides provenance) and its evidence providers.

``config`` (LabelConfig and the ``label.evidence`` weights), ``combine`` (detector scores → p_ai / p_mt),
``evidence`` (dates, watermarks, provider plumbing), ``markup`` and ``siblings`` (MT evidence providers; the
siblings Beam stage runs before the label stage), ``decide`` (the rules and the Beam stage).
"""
from provmix.pipeline.label.config import LabelConfig
from provmix.pipeline.label.decide import DEFAULT_PROVIDERS, PROVISIONAL_LABEL, Decision, Label, decide_label
from provmix.pipeline.label.siblings import UrlLanguageSiblings

__all__ = ["DEFAULT_PROVIDERS", "PROVISIONAL_LABEL", "Decision", "Label", "LabelConfig", "UrlLanguageSiblings",
           "decide_label"]
