"""Progress of a running job, logged at a steady interval by the launching process.

It watches what the job leaves on the filesystem, so it needs nothing from the runner and no change to any
stage: per-file checkpoints finished under ``OUTPUT/.work`` (the scan: read, extract, language, detect) and
Parquet shards written under ``OUTPUT/.staging`` (dedup, label and floor are done once shards appear).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.checkpoint import DONE_SUFFIX

if TYPE_CHECKING:
    from provmix.pipeline.graph import Layout

INTERVAL_SECONDS = 10.0


def _count(pattern: str) -> int:
    try:
        return sum(len(r.metadata_list) for r in FileSystems.match([pattern]))
    except Exception:  # noqa: BLE001 - a folder that does not exist yet matches nothing
        return 0


class Progress:
    """A context manager: while open, one line every ``interval`` seconds on ``log``."""

    def __init__(self, log: logging.Logger, files: int, work: str | None, layout: "Layout",
                 interval: float = INTERVAL_SECONDS) -> None:
        self.log, self.files, self.work, self.layout, self.interval = log, files, work, layout, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="provmix-progress", daemon=True)
        self._started = 0.0

    def line(self) -> str:
        """What has been done so far, per stage the filesystem shows."""
        parts = [f"{time.monotonic() - self._started:.0f}s"]
        if self.work:
            parts.append(f"scan {_count(FileSystems.join(self.work, '*' + DONE_SUFFIX))}/{self.files} files")
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
