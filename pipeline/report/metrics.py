"""Per-stage throughput from the manifest's Beam counters (``metrics``: stage namespace → counter → value)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

IN, OUT, REJECTED_PREFIX = "in", "out", "rejected."
# counter-name suffix → seconds per unit, for stages that count their own processing time
TIMING_UNITS = {"msec": 1e-3, "_ms": 1e-3, "seconds": 1.0, "_s": 1.0}


def timing_seconds(name: str, value: float) -> float | None:
    """Seconds measured by a timing counter (``…msec``, ``…_ms``, ``…seconds``, ``…_s``); None for other counters."""
    for suffix, scale in TIMING_UNITS.items():
        if name.endswith(suffix):
            return value * scale
    return None


@dataclass(frozen=True)
class StageThroughput:
    stage: str
    records_in: int | None
    records_out: int | None
    rejected: int
    seconds: float | None
    other: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float | None:
        if not self.seconds or self.records_in is None:
            return None
        return self.records_in / self.seconds


def stage_throughput(metrics: Mapping[str, Mapping[str, int]], stage_order: Sequence[str]) -> list[StageThroughput]:
    """One row per counter namespace, in the order the stages ran, unknown namespaces last."""
    rank = {stage: i for i, stage in enumerate(stage_order)}
    rows = []
    for stage in sorted(metrics, key=lambda s: (rank.get(s, len(rank)), s)):
        counters = metrics[stage]
        timings = [t for t in (timing_seconds(n, v) for n, v in counters.items()) if t is not None]
        other = {n: v for n, v in counters.items()
                 if n not in (IN, OUT) and not n.startswith(REJECTED_PREFIX) and timing_seconds(n, v) is None}
        rows.append(StageThroughput(
            stage=stage,
            records_in=counters.get(IN),
            records_out=counters.get(OUT),
            rejected=sum(v for n, v in counters.items() if n.startswith(REJECTED_PREFIX)),
            seconds=sum(timings) if timings else None,
            other=other,
        ))
    return rows
