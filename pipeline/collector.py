"""Python's cyclic garbage collector, tuned for a worker process: young collections every
:data:`THRESHOLDS`\\[0] net allocations instead of 700, full ones rare.

A worker allocates a few container objects per record per stage, and most die young without a reference cycle
(reference counting frees them), yet at CPython's default thresholds a full collection, which walks every live
object (the loaded libraries, the runner's buffers), runs every 70,000 net allocations: 19 of them, 1.7 s, in a
20,000-document run's 33 CPU-seconds. At these thresholds the same run spends 0.15 s collecting, and interleaved
runs took 30.7 CPU-seconds against 32.5 (medians of three; docs/performance.md), peak RSS unchanged at 100,000
documents. Cycles are still found, later: the young generation is at most a few megabytes.

``PROVMIX_GC_THRESHOLDS`` (three integers, ``gc.set_threshold``'s) overrides them, e.g. ``700,10,10`` for
CPython's defaults.
"""
from __future__ import annotations

import gc
import os

THRESHOLDS = (50_000, 50, 100)
THRESHOLDS_ENV = "PROVMIX_GC_THRESHOLDS"


def thresholds() -> tuple[int, int, int]:
    """The thresholds to use: :data:`THRESHOLDS` unless ``PROVMIX_GC_THRESHOLDS`` says otherwise."""
    value = os.environ.get(THRESHOLDS_ENV)
    if value is None:
        return THRESHOLDS
    try:
        young, middle, old = (int(part) for part in value.split(","))
    except ValueError:
        raise ValueError(f"{THRESHOLDS_ENV}={value!r} is not three integers (e.g. 700,10,10)") from None
    if min(young, middle, old) < 0:
        raise ValueError(f"{THRESHOLDS_ENV}={value!r} has a negative threshold")
    return young, middle, old


def tune_collector() -> None:
    """Set this process's collector thresholds (idempotent: every step's setup calls it)."""
    gc.set_threshold(*thresholds())
