"""Counters the launcher can read while the job runs: Beam Metrics, mirrored to a file per worker process.

Beam's local runners report metrics only when the job ends. When the launcher sets :data:`PROGRESS_ENV` (it does
for every runner but Dataflow, whose console shows the Metrics live), each counter made here also adds to its
process's tally, which is rewritten atomically to ``DIR/<pid>-<nonce>.json`` at most every
:data:`FLUSH_SECONDS`; :func:`read_totals` sums the files (:mod:`provmix.pipeline.progress` prints them). Where the
variable is unset (a remote worker) a counter is a plain Beam Metrics counter.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter as Tally
from pathlib import Path

from apache_beam.metrics import Metrics

PROGRESS_ENV = "PROVMIX_PROGRESS_DIR"
FLUSH_SECONDS = 1.0


class _ProcessTally:
    """This process's counts by ``namespace.name`` for the current progress folder (a new folder, a new job:
    the counts start again), and when they were last written."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Tally = Tally()
        self.directory: str | None = None
        self.written_at = 0.0
        self.nonce = uuid.uuid4().hex[:12]

    def add(self, key: str, n: int) -> None:
        directory = os.environ.get(PROGRESS_ENV)
        if not directory:
            return
        with self.lock:
            if directory != self.directory:
                self.counts, self.directory, self.written_at = Tally(), directory, 0.0
            self.counts[key] += n
            now = time.monotonic()
            if now - self.written_at >= FLUSH_SECONDS:
                self.written_at = now
                self._write(Path(directory))

    def _write(self, directory: Path) -> None:
        path = directory / f"{os.getpid()}-{self.nonce}.json"
        partial = path.with_suffix(".tmp")
        try:
            partial.write_text(json.dumps(self.counts))
            os.replace(partial, path)
        except OSError:  # the launcher removed the folder (the job ended): progress is best effort
            pass


_TALLY = _ProcessTally()


class StageCounter:
    """A Beam Metrics counter whose running total the launcher can also see (see the module docstring)."""

    def __init__(self, namespace: str, name: str) -> None:
        self.metric = Metrics.counter(namespace, name)
        self.key = f"{namespace}.{name}"

    def inc(self, n: int = 1) -> None:
        self.metric.inc(n)
        _TALLY.add(self.key, n)

    def dec(self, n: int = 1) -> None:
        self.inc(-n)


def read_totals(directory: str) -> Tally:
    """The sum of every process's last written tally in ``directory``."""
    totals: Tally = Tally()
    for path in Path(directory).glob("*.json"):
        try:
            totals.update(json.loads(path.read_text()))
        except (OSError, ValueError):  # replaced or removed while read: the next line will count it
            continue
    return totals
