"""provmix: data-provenance filtering for LLM training data, on Apache Beam.

The repository keeps its top-level folders (``pipeline/``, ``detectors/``, ``schemas/``); an install puts them
under this package (``provmix.pipeline``, ``provmix.detectors``, ``provmix.schemas``) so nothing generic lands in
site-packages. Run from a source checkout, the checkout root is added to this package's search path instead.

The public API::

    import provmix
    provmix.run(["--input", "shards/*.warc.gz", "--output", "out/"])   # the ``provmix run`` command, as a call
    docs = p | provmix.ReadInputs(...) | provmix.Extract(...)           # the stages, as Beam composite transforms
"""
from __future__ import annotations

import importlib
import os
from importlib import metadata
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
if not os.path.isdir(os.path.join(_HERE, "pipeline")):  # a source checkout: the subpackages are its siblings
    __path__.append(os.path.dirname(_HERE))  # type: ignore[name-defined]  # noqa: F821

try:
    __version__ = metadata.version("provmix")
except metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

# public name → "module:attribute"; imported on first use, so ``import provmix`` stays cheap (no Beam import)
_PUBLIC = {
    "run": "provmix.pipeline.runner:run",
    "RunConfig": "provmix.pipeline.options:RunConfig",
    "load_config": "provmix.pipeline.options:load_config",
    "ReadInputs": "provmix.pipeline.read:ReadInputs",
    "Extract": "provmix.pipeline.extract:Extract",
    "IdentifyLanguage": "provmix.pipeline.language:IdentifyLanguage",
    "Detect": "provmix.pipeline.detect:Detect",
    "Deduplicate": "provmix.pipeline.dedup:Deduplicate",
    "Label": "provmix.pipeline.label:Label",
    "HumanFloor": "provmix.pipeline.floor:HumanFloor",
    "load_detector": "provmix.detectors.registry:load_detector",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    target = _PUBLIC.get(name)
    if target is None:
        raise AttributeError(f"module 'provmix' has no attribute {name!r}")
    module, attribute = target.split(":")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
