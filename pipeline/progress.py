"""Progress of a running job, logged at a steady interval by the launching process.

It reads what the job leaves on the filesystem, so it needs nothing from the runner: per-file checkpoints
finished under ``OUTPUT/.work``, Parquet shards written under ``OUTPUT/.staging`` and, on local runners, the
records each stage has passed on so far (:mod:`provmix.pipeline.counters`, in pipeline order).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Mapping

from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.checkpoint import DONE_SUFFIX
from provmix.pipeline.counters import read_totals
from provmix.pipeline.dedup.config import NAMESPACE as DEDUP
from provmix.pipeline.floor.transform import STAGE as FLOOR
from provmix.pipeline.label import PROVISIONAL_LABEL
from provmix.pipeline.label.decide import STAGE as LABEL
from provmix.pipeline.read import STAGE as READ
from provmix.pipeline.stages import PER_RECORD
from provmix.schemas.rejects import EXACT_DUPLICATE, NEAR_DUPLICATE

if TYPE_CHECKING:
    from provmix.pipeline.graph import Layout

INTERVAL_SECONDS = 10.0


def _count(pattern: str) -> int:
    try:
        return sum(len(r.metadata_list) for r in FileSystems.match([pattern]))
    except Exception:  # noqa: BLE001 - a folder that does not exist yet matches nothing
        return 0


def _stages() -> list[tuple[str, str, tuple[str, ...]]]:
    """Per stage in pipeline order: its name, the counter of records it passed on, the counter prefixes of the
    records it stopped."""
    def step(name: str) -> tuple[str, str, tuple[str, ...]]:
        return name, f"{name}.out", (f"{name}.rejected.",)

    return [(READ, f"{READ}.records", (f"{READ}.failed",)), *(step(s.name) for s in PER_RECORD),
            step(PROVISIONAL_LABEL),
            (DEDUP, f"{DEDUP}.kept", (f"{DEDUP}.{EXACT_DUPLICATE}s", f"{DEDUP}.{NEAR_DUPLICATE}s")), step(LABEL)]


def stage_counts(totals: Mapping[str, int]) -> list[str]:
    """``read 5,000``, ``extract 4,100 (900 rejected)``, …, ``mix default 1,200``: the records each stage has
    passed on so far, in pipeline order; stages not started yet are left out."""
    parts = []
    for name, passed, stopped in _stages():
        rejected = sum(n for key, n in totals.items() if key.startswith(stopped))
        if totals.get(passed) or rejected:
            parts.append(f"{name} {totals.get(passed, 0):,}" + (f" ({rejected:,} rejected)" if rejected else ""))
    kept = {key[len(FLOOR) + 1:-len(".kept")]: n for key, n in totals.items()
            if key.startswith(f"{FLOOR}.") and key.endswith(".kept")}
    return parts + [f"mix {name} {n:,}" for name, n in sorted(kept.items())]


class Progress:
    """A context manager: while open, one line every ``interval`` seconds on ``log``. ``counters`` is the folder
    the workers' stage counters are written to (None: counts are not shown)."""

    def __init__(self, log: logging.Logger, files: int, work: str | None, layout: "Layout",
                 interval: float | None = None, counters: str | None = None) -> None:
        self.log, self.files, self.work, self.layout = log, files, work, layout
        self.interval = interval or INTERVAL_SECONDS
        self.counters = counters
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="provmix-progress", daemon=True)
        self._started = 0.0

    def line(self) -> str:
        """What has been done so far, per stage the filesystem shows."""
        parts = [f"{time.monotonic() - self._started:.0f}s"]
        if self.work:
            parts.append(f"scan {_count(FileSystems.join(self.work, '*' + DONE_SUFFIX))}/{self.files} files")
        if self.counters:
            parts += stage_counts(read_totals(self.counters))
        parts.append(f"written {_count(self.layout.path('**', '*.parquet'))} Parquet shards")
        return ", ".join(parts)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.log.info("running: %s", self.line())

    def __enter__(self) -> "Progress":
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
