"""The throughput harness: provmix end to end, provmix per stage, the raw libraries and datatrove on one shard.

``python -m bench run --shard S.warc.gz [--runs 3] [--sample 2000] [--memory DIR…] [--out bench/results/run.json]``

Every row is timed ``--runs`` times and reported as the median with min and max. Speed is documents per
CPU-second ("docs/s/core": user + system time of the process and its workers), which stays meaningful on a shared
machine; wall-clock docs/s is reported beside it. End-to-end runs read the whole shard, each in a fresh process;
per-stage, library and datatrove rows read its first ``--sample`` documents (datatrove's Trafilatura is too slow
for the whole shard within the time budget). End-to-end peak RSS is the whole process tree's (runner and SDK
workers, sampled). ``--memory`` adds the rows of :mod:`bench.memory` (peak RSS against corpus size, on generated
JSONL shards), and the headline table puts every end-to-end row's speed, its ratios to datatrove and to the
raw-library ceiling, and its peak memory side by side.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import memory, stages
from bench.e2e import RUNNERS, RunFailed, measure
from bench.usage import Usage

E2E, DATATROVE = "provmix end to end", "datatrove"
BENCH_PYTHON = Path(".venv-bench/bin/python")
LID176_ENV = "PROVMIX_LID176"


@dataclass
class Row:
    name: str
    group: str
    docs: int = 0
    input_mb: float = 0.0
    usages: list[Usage] = field(default_factory=list)
    note: str = ""
    largest_process_mb: float | None = None  # end to end: the largest single process of the tree

    def _stat(self, values: list[float]) -> dict:
        return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
                "max": round(max(values), 1)}

    def summary(self) -> dict:
        out = {"name": self.name, "group": self.group, "docs": self.docs, "runs": len(self.usages),
               "note": self.note}
        if self.usages:
            out["docs_per_cpu_s"] = self._stat([self.docs / max(u.cpu_s, 1e-9) for u in self.usages])
            out["docs_per_wall_s"] = self._stat([self.docs / max(u.wall_s, 1e-9) for u in self.usages])
            out["mb_per_cpu_s"] = self._stat([self.input_mb / max(u.cpu_s, 1e-9) for u in self.usages])
            out["peak_rss_mb"] = round(max(u.peak_rss_mb for u in self.usages), 1)
        if self.largest_process_mb is not None:
            out["peak_process_mb"] = self.largest_process_mb
        return out


def _response_count(shard: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    with open(shard, "rb") as stream:
        return sum(1 for _ in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=False))


def stage_rows(shard: Path, sample: int, runs: int, mb_per_doc: float) -> list[Row]:
    prepared = stages.prepare(shard, sample)
    rows = []
    for stage in stages.STAGES:
        print(f"bench: {stage.name}", file=sys.stderr)
        result = stages.measure(stage, prepared, runs)
        row = Row(stage.name, stage.group)
        if isinstance(result, str):
            row.note = result
        else:
            row.docs, row.usages = result
            row.input_mb = row.docs * mb_per_doc
        rows.append(row)
    return rows


def _loadable_detectors(rows: list[Row]) -> str:
    prefix = "detect "
    return ",".join(r.name[len(prefix):] for r in rows if r.name.startswith(prefix) and r.usages)


def e2e_rows(shard: Path, runs: int, detectors: str, docs: int, mb: float, work: Path) -> list[Row]:
    rows = []
    for runner, extra in RUNNERS.items():
        row = Row(f"{runner} (detectors: {detectors or 'none loadable'})", E2E, docs, mb)
        for attempt in range(runs):
            print(f"bench: {runner} run {attempt + 1}", file=sys.stderr)
            try:
                result = measure(["--input", str(shard), "--output", str(work / "e2e"), "--overwrite", "--detectors",
                                  detectors, *extra], work)
            except RunFailed as error:
                row.note = f"failed: {error}"
                break
            row.usages.append(Usage(result["wall_s"], result["cpu_s"], result["peak_tree_mb"]))
            row.largest_process_mb = max(row.largest_process_mb or 0.0, result["peak_process_mb"])
            row.note = f"stage busy seconds (Beam metrics): {_busy_seconds(result['metrics'])}"
        rows.append(row)
    return rows


def _busy_seconds(metrics: dict | None) -> dict:
    return {stage: round(values["micros"] / 1e6, 2) for stage, values in (metrics or {}).items() if "micros" in values}


def datatrove_row(shard: Path, sample: int, runs: int, mb_per_doc: float, work: Path) -> Row:
    row = Row("WARC read + Trafilatura + fastText lid.176 + MinHash dedup, 1 task", DATATROVE)
    lid176 = os.environ.get(LID176_ENV)
    if not BENCH_PYTHON.exists() or not lid176:
        row.note = f"skipped: needs {BENCH_PYTHON} (see docs/performance.md) and {LID176_ENV}=path/to/lid.176.ftz"
        return row
    for attempt in range(runs):
        print(f"bench: datatrove run {attempt + 1}", file=sys.stderr)
        report = work / "datatrove.json"
        command = [str(BENCH_PYTHON), "-m", "bench.reference", "--shard", str(shard), "--docs", str(sample),
                   "--work", str(work / "datatrove"), "--lid176", lid176, "--out", str(report)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            row.note = f"failed: {done.stderr.strip().splitlines()[-1:]}"
            return row
        result = json.loads(report.read_text())
        row.usages.append(Usage(result["wall_s"], result["cpu_s"], result["peak_rss_mb"]))
        row.note = f"docs out {result['docs_out']}; step seconds {result['steps']}"
    row.docs, row.input_mb = sample, sample * mb_per_doc
    return row


def ratios(rows: list[dict]) -> dict:
    """The headline ratios: provmix end to end against datatrove and against the raw-library ceiling."""
    speed = {r["name"]: r["docs_per_cpu_s"]["median"] for r in rows if "docs_per_cpu_s" in r}
    e2e = [r for r in rows if r["group"] == E2E and "docs_per_cpu_s" in r]
    datatrove = [r for r in rows if r["group"] == DATATROVE and "docs_per_cpu_s" in r]
    ceiling_parts = [name for name in speed if any(name.startswith(p) for p in (
        "FastWARC", "Resiliparse", "py3langid", "rensa", "detect "))]
    ceiling = 1 / sum(1 / speed[name] for name in ceiling_parts) if ceiling_parts else None
    out: dict = {"ceiling_docs_per_cpu_s": round(ceiling, 1) if ceiling else None, "ceiling_parts": ceiling_parts}
    for row in e2e:
        mine = row["docs_per_cpu_s"]["median"]
        out[row["name"]] = {
            "vs_datatrove": round(mine / datatrove[0]["docs_per_cpu_s"]["median"], 2) if datatrove else None,
            "vs_ceiling": round(mine / ceiling, 3) if ceiling else None,
        }
    return out


def table(rows: list[dict], ratio: dict) -> str:
    lines = ["| group | what | docs | docs/s/core median (min–max) | docs/s wall | MB/s/core | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "docs_per_cpu_s" not in r:
            lines.append(f"| {r['group']} | {r['name']} | – | {r['note']} | | | |")
            continue
        s = r["docs_per_cpu_s"]
        lines.append(f"| {r['group']} | {r['name']} | {r['docs']} | {s['median']:.0f} ({s['min']:.0f}–{s['max']:.0f})"
                     f" | {r['docs_per_wall_s']['median']:.0f} | {r['mb_per_cpu_s']['median']:.2f} |"
                     f" {r['peak_rss_mb']:.0f} |")
    lines.append("")
    lines.append(f"raw-library ceiling: {ratio['ceiling_docs_per_cpu_s']} docs/s/core "
                 f"(1 / sum of per-doc costs of {', '.join(ratio['ceiling_parts'])})")
    for name, values in ratio.items():
        if isinstance(values, dict):
            lines.append(f"{name}: {values['vs_datatrove']}x datatrove, {values['vs_ceiling']} of the ceiling")
    return "\n".join(lines)


def headline(rows: list[dict], ratio: dict, memory_rows: list[dict]) -> str:
    """One table: every end-to-end run's docs/s/core, its ratios to datatrove and the ceiling, its peak RSS.

    Memory rows run with other detectors than the ceiling counts (none, by default): their ratios are left out.
    """
    lines = ["| run | docs | docs/s/core | × datatrove | × ceiling | peak RSS MB (process tree) | largest process MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["group"] == E2E and "docs_per_cpu_s" in r:
            mine = ratio.get(r["name"], {})
            lines.append(f"| {r['name']} | {r['docs']} | {r['docs_per_cpu_s']['median']:.0f} |"
                         f" {mine.get('vs_datatrove') or '–'} | {mine.get('vs_ceiling') or '–'} |"
                         f" {r['peak_rss_mb']:.0f} | {r.get('peak_process_mb') or '–'} |")
    for m in memory_rows:
        lines.append(f"| {m['runner']} (detectors: {m['detectors']}), JSONL | {m['docs']} | {m['docs_per_cpu_s']:.0f} |"
                     f" – | – | {m['peak_tree_mb']:.0f} | {m['peak_process_mb']:.0f} |")
    lines += [f"peak RSS growth, {name}: {slope} MB per 1,000 documents"
              for name, slope in memory.growth(memory_rows).items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench run", description=__doc__.splitlines()[0])
    parser.add_argument("--shard", type=Path, required=True, help="a WARC shard from `python -m bench generate`")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--e2e-runs", type=int, help="end-to-end runs per runner (default: --runs)")
    parser.add_argument("--sample", type=int, default=2000, help="documents for per-stage and datatrove rows")
    parser.add_argument("--skip", nargs="*", default=[], choices=["stages", "e2e", "datatrove"])
    parser.add_argument("--memory", type=Path, nargs="*", default=[],
                        help="`bench generate` directories of growing size for the memory rows (bench.memory)")
    parser.add_argument("--memory-detectors", default="", help="detectors of the memory rows (default: none)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/run.json"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    total = _response_count(args.shard)
    size_mb = args.shard.stat().st_size / 1e6
    mb_per_doc = size_mb / max(total, 1)
    sample = min(args.sample, total)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="provmix-bench-") as tmp:
        work = Path(tmp)
        if "stages" not in args.skip:
            rows += stage_rows(args.shard, sample, args.runs, mb_per_doc)
        if "datatrove" not in args.skip:
            rows.append(datatrove_row(args.shard, sample, args.runs, mb_per_doc, work))
        if "e2e" not in args.skip:
            e2e_runs = args.e2e_runs or args.runs
            rows += e2e_rows(args.shard, e2e_runs, _loadable_detectors(rows), total, size_mb, work)
        memory_rows = memory.memory_rows(args.memory, args.memory_detectors, 1, work) if args.memory else []
    summaries = [row.summary() for row in rows]
    ratio = ratios(summaries)
    result = {"shard": str(args.shard), "docs": total, "shard_mb": round(size_mb, 2), "sample": sample,
              "runs": args.runs, "e2e_runs": args.e2e_runs or args.runs, "cpu": _cpu_model(),
              "cores": os.cpu_count(), "rows": summaries, "ratios": ratio, "memory": memory_rows,
              "memory_growth_mb_per_1k_docs": memory.growth(memory_rows),
              "harness_wall_s": round(time.monotonic() - started, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(table(summaries, ratio))
    print()
    print(headline(summaries, ratio, memory_rows))
    print(f"harness wall time: {result['harness_wall_s']:.0f} s on {result['cores']} cores ({result['cpu']})")
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"
