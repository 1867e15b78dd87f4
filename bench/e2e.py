"""One provmix run in this (fresh) process: ``python -m bench.e2e OUTPUT_JSON -- PROVMIX_RUN_ARGS…``.

Writes wall and CPU seconds (this process and its SDK-worker children), peak RSS and the run's manifest counts and
per-stage Beam metrics to OUTPUT_JSON, so the harness measures every run from a cold start. :func:`measure` is the
harness side: it starts such a process and samples its whole process tree's resident memory.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.usage import Meter, TreeSampler

RUNNERS = {
    "FnApiRunner, 1 worker": [],
    "FnApiRunner multi_processing, 2 workers": ["--direct_running_mode", "multi_processing",
                                                "--direct_num_workers", "2"],
}


class RunFailed(RuntimeError):
    """A measured run exited non-zero (the message is its last stderr line)."""


def measure(run_args: list[str], work: Path) -> dict:
    """``provmix run RUN_ARGS`` (on FnApiRunner) in a fresh process: its report, plus ``peak_tree_mb`` (largest
    sampled total RSS of the process and all its descendants) and ``peak_process_mb`` (largest single process)."""
    report = work / "e2e.json"
    command = [sys.executable, "-m", "bench.e2e", str(report), "--", *run_args, "--runner", "FnApiRunner"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with TreeSampler(process.pid) as tree:
        _, stderr = process.communicate()
    if process.returncode:
        raise RunFailed(" ".join(stderr.strip().splitlines()[-1:]))
    result = json.loads(report.read_text())
    return {**result, "peak_tree_mb": round(tree.peak_sum_mb, 1), "peak_process_mb": round(tree.peak_process_mb, 1)}


def main(argv: list[str]) -> int:
    output, run_args = Path(argv[0]), argv[argv.index("--") + 1 :]
    from provmix.pipeline.cli import main as provmix

    with Meter() as meter:
        status = provmix(["run", *run_args])
    run_dir = Path(run_args[run_args.index("--output") + 1])
    manifest = json.loads((run_dir / "manifest.json").read_text()) if status == 0 else {}
    output.write_text(json.dumps({
        "status": status, **meter.usage.as_dict(), "manifest_wall_s": manifest.get("wall_seconds"),
        "counts": manifest.get("counts"), "metrics": manifest.get("metrics"), "models": manifest.get("models"),
    }))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
