"""Detector specs → detector objects.

A spec is ``NAME`` for a shipped detector or ``FAMILY:ARGUMENT`` for one loaded from a path or hub id, e.g.
``ai-default``, ``mt-default``, ``hf-classifier:/models/roberta-detector``, ``binoculars:OBSERVER,PERFORMER``.
Factories are imported lazily so that a worker only imports what its configuration names (transformers is heavy).
"""
from __future__ import annotations

import importlib
import threading
from pathlib import Path

from provmix.detectors.base import Detector

# spec name or family → "module:factory"; each factory takes the text after ':' (or None) and keyword options.
FACTORIES: dict[str, str] = {
    "ai-default": "provmix.detectors.ai_text.default:load",
    "ai-minilm": "provmix.detectors.ai_text.embedding:load",
    "ai-lm": "provmix.detectors.ai_text.lm_detector:load",
    "ai-cascade": "provmix.detectors.ai_text.cascade:load",
    "mt-default": "provmix.detectors.machine_translation.default:load",
    "hf-classifier": "provmix.detectors.ai_text.hf_classifier:load",
    "binoculars": "provmix.detectors.ai_text.binoculars:load",
    "watermark": "provmix.detectors.watermark:load",
}

# transformers' lazy imports are not thread-safe (multi_threading runner); reentrant: a locked import may import more
IMPORT_LOCK = threading.RLock()


class UnknownDetector(ValueError):
    pass


def split_spec(spec: str) -> tuple[str, str | None]:
    family, sep, argument = spec.partition(":")
    return family.strip(), (argument.strip() if sep else None)


def load_detector(spec: str, **options: object) -> Detector:
    """Build the detector named by ``spec``; raises :class:`UnknownDetector` with the known names."""
    family, argument = split_spec(spec)
    target = FACTORIES.get(family)
    if target is None:
        raise UnknownDetector(f"unknown detector {spec!r}; known: {', '.join(sorted(FACTORIES))}")
    module_name, factory_name = target.split(":")
    with IMPORT_LOCK:
        module = importlib.import_module(module_name)
    return getattr(module, factory_name)(argument, **options)


def spec_fingerprint(spec: str) -> str:
    """A fingerprint of the model files ``spec`` names (shipped folder, local paths), without loading them."""
    from provmix.detectors.artifacts import SHIPPED_MODELS, fingerprint

    family, argument = split_spec(spec)
    references = [family] + ([part.strip() for part in argument.split(",")] if argument else [])
    local = [Path(ref) for ref in references if Path(ref).exists()]
    shipped = SHIPPED_MODELS / family
    if shipped.is_dir():
        local.insert(0, shipped)
    return fingerprint(local, [spec])
