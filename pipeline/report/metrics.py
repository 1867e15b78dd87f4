"""Per-stage throughput from the manifest's Beam counters (``metrics``: stage namespace → counter → value)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

IN, OUT, REJECTED_PREFIX = "in", "out", "rejected."
# timing counter → seconds per unit; pipeline.step adds each step's processing time to ``micros``
TIMING_UNITS = {"micros": 1e-6}


def timing_seconds(name: str, value: float) -> float | None:
    """Seconds measured by a timing counter; None for other counters."""
    scale = TIMING_UNITS.get(name)
    return None if scale is None else value * scale


@dataclass(frozen=True)
class StageThroughput:
    stage: str
    records_in: int | None
    records_out: int | None
    rejected: int
    seconds: float | None  # processing time summed over all workers (busy time, not wall time)
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
