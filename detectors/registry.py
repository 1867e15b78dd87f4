"""Detector specs → detector objects.

A spec is ``NAME`` for a shipped detector or ``FAMILY:ARGUMENT`` for one loaded from a path or hub id, e.g.
``ai-default``, ``mt-default``, ``hf-classifier:/models/roberta-detector``, ``binoculars:OBSERVER,PERFORMER``.
Factories are imported lazily so that a worker only imports what its configuration names (transformers is heavy).
"""
from __future__ import annotations

import importlib
import inspect
import threading
from pathlib import Path
from typing import Callable, Mapping

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


def _factory(spec: str) -> tuple[Callable[..., Detector], str | None]:
    """The factory of ``spec``'s family (its module imported; heavy libraries load only when it is called)."""
    family, argument = split_spec(spec)
    target = FACTORIES.get(family)
    if target is None:
        raise UnknownDetector(f"unknown detector {spec!r}; known: {', '.join(sorted(FACTORIES))}")
    module_name, factory_name = target.split(":")
    with IMPORT_LOCK:
        module = importlib.import_module(module_name)
    return getattr(module, factory_name), argument


def load_detector(spec: str, **options: object) -> Detector:
    """Build the detector named by ``spec``; raises :class:`UnknownDetector` with the known names."""
    factory, argument = _factory(spec)
    return factory(argument, **options)


def check_spec(spec: str, options: Mapping[str, object] | None = None) -> None:
    """Check ``spec`` without loading a model (a CPU-only launcher can start a GPU job): a known family, every local
    path it names present (``/``, ``./``, ``../`` or ``~``; anything else may be a hub id), and options its factory
    takes. Raises :class:`UnknownDetector` or ``ValueError``; what only loading shows fails on the worker."""
    factory, argument = _factory(spec)
    for reference in (part.strip() for part in (argument or "").split(",")):
        if reference.startswith(("/", "./", "../", "~")) and not Path(reference).expanduser().exists():
            raise ValueError(f"detector {spec!r}: {reference} does not exist")
    parameters = list(inspect.signature(factory).parameters.values())[1:]  # the first takes the argument
    if not any(p.kind is p.VAR_KEYWORD for p in parameters):
        unknown = sorted(set(options or {}) - {p.name for p in parameters})
        if unknown:
            raise ValueError(f"detector {spec!r} takes no option {', '.join(unknown)}; it takes: "
                             f"{', '.join(p.name for p in parameters) or 'none'}")


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
