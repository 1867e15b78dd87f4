"""Wall time, CPU time (this process and its finished children) and peak resident memory of a block of work, and
the resident memory of a whole process tree (a Beam run and its SDK workers), sampled.

Imports nothing outside the standard library, so the datatrove reference venv can use it too.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Usage:
    wall_s: float
    cpu_s: float  # user + system, this process and the children it waited for
    peak_rss_mb: float  # the largest resident set of this process or any one child, over the process's life

    def as_dict(self) -> dict:
        return {key: round(value, 4) for key, value in asdict(self).items()}


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return max(own.ru_maxrss, children.ru_maxrss) / 1024


class Meter:
    """``with Meter() as meter: …`` then ``meter.usage``."""

    usage: Usage

    def __enter__(self) -> "Meter":
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.usage = Usage(time.perf_counter() - self._wall, _cpu_seconds() - self._cpu, peak_rss_mb())


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (``/proc/PID/task/*/children``; empty where /proc lacks it)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(sum, largest) resident set in MB over ``root`` and all its descendants, now."""
    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
    sizes, pending = [], [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                sizes.append(int(handle.read().split()[1]) * page_mb)
        except OSError:
            continue
        pending += _children(pid)
    return sum(sizes), max(sizes, default=0.0)


class TreeSampler:
    """``with TreeSampler(pid) as tree: …`` samples the process tree under ``pid`` every ``interval`` seconds in a
    thread; ``tree.peak_sum_mb`` is the largest total seen (all processes at one moment), ``tree.peak_process_mb``
    the largest single process. Linux only (``/proc``)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_sum_mb = self.peak_process_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            total, largest = tree_rss_mb(self.pid)
            self.peak_sum_mb, self.peak_process_mb = max(self.peak_sum_mb, total), max(self.peak_process_mb, largest)
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
