"""Wall time, CPU time (this process and its finished children) and peak resident memory of a block of work.

Imports nothing outside the standard library, so the datatrove reference venv can use it too.
"""
from __future__ import annotations

import resource
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
