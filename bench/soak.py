"""Soak: kill ``provmix run`` at random moments, rerun the same command, and check the output is exactly that of
an uninterrupted run.

``python -m bench.soak --input GLOB [--input GLOB…] --work DIR [--loops 5] [--config FILE] [--seed 0]
[--out bench/results/soak.json] [-- BEAM_ARGS…]``

One reference run goes first. Each loop then starts the same command into a fresh output directory, SIGKILLs its
process group — in even loops after a random delay drawn from (5 %, 95 %) of the reference wall time, in odd loops
as soon as the run writes its first output file — and reruns the unchanged command. The loop passes when every Parquet file is byte-identical to the reference and the
manifest equals it outside timing fields. Results (kills that landed mid-run, rerun times, equality) go to
``--out`` as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

# Manifest fields and metrics that legitimately differ between otherwise identical runs.
TIMING_FIELDS = ("started_at", "finished_at", "wall_seconds")
TIMING_METRICS = ("micros",)
# pipeline.runner's names (not imported: the runner pulls in Beam and the detectors)
STAGING = ".staging"
MANIFEST = "manifest.json"


def comparable_manifest(manifest: dict, out: Path) -> str:
    """The manifest as text without timing fields and with the output directory replaced by ``OUT``."""
    kept = {key: value for key, value in manifest.items() if key not in TIMING_FIELDS}
    kept["metrics"] = {namespace: {name: value for name, value in counters.items() if name not in TIMING_METRICS}
                       for namespace, counters in manifest.get("metrics", {}).items()}
    return re.sub(re.escape(str(out)), "OUT", json.dumps(kept, indent=1, sort_keys=True))


def output_bytes(out: Path) -> dict[str, bytes]:
    """Every Parquet file of a run, by its path under ``out``."""
    return {str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*.parquet"))}


def same_outputs(reference: Path, out: Path) -> bool:
    manifests = [json.loads((o / "manifest.json").read_text()) for o in (reference, out)]
    return (output_bytes(reference) == output_bytes(out)
            and comparable_manifest(manifests[0], reference) == comparable_manifest(manifests[1], out))


def command(inputs: Sequence[str], out: Path, config: str | None, beam_args: Sequence[str]) -> list[str]:
    argv = [sys.executable, "-m", "provmix.pipeline.cli", "run", "--output", str(out)]
    argv += [arg for pattern in inputs for arg in ("--input", pattern)]
    return argv + (["--config", config] if config else []) + list(beam_args)


def run_to_end(argv: list[str]) -> float:
    """Run ``argv`` to completion; returns its wall seconds (raises when it fails)."""
    started = time.monotonic()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
    return time.monotonic() - started


def _writing(out: Path) -> bool:
    """Whether the run has started writing its output tables (the riskiest moment to die)."""
    return any((out / STAGING).rglob("*.parquet*"))


def run_and_kill(argv: list[str], out: Path, after: float | None) -> bool:
    """Start ``argv`` in its own process group and SIGKILL the group after ``after`` seconds, or (None) as soon
    as it writes its first output file. Returns True when the kill landed mid-run."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + after if after is not None else None
    while process.poll() is None:
        if (deadline is not None and time.monotonic() >= deadline) or (deadline is None and _writing(out)):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.02)
    return False


def soak(inputs: Sequence[str], work: Path, loops: int, config: str | None, seed: int,
         beam_args: Sequence[str]) -> dict:
    rng = random.Random(seed)
    reference = work / "reference"
    reference_seconds = run_to_end(command(inputs, reference, config, beam_args))
    manifest = json.loads((reference / "manifest.json").read_text())
    results = []
    for loop in range(loops):
        out = work / f"loop-{loop:03d}"
        argv = command(inputs, out, config, beam_args)
        delay = rng.uniform(0.05, 0.95) * reference_seconds if loop % 2 == 0 else None
        killed_mid_run = run_and_kill(argv, out, delay)
        staging_left = (out / STAGING).exists()
        # killed after manifest.json was written (while cleaning up): the run is finished, a rerun would refuse
        finished = (out / MANIFEST).exists()
        rerun_seconds = run_to_end(argv) if not finished else 0.0
        results.append({"loop": loop, "kill": f"after {delay:.1f}s" if delay is not None else "first output write",
                        "killed_mid_run": killed_mid_run, "finished_before_kill": finished,
                        "staging_left_by_kill": staging_left,
                        "rerun_s": round(rerun_seconds, 2), "identical": same_outputs(reference, out)})
        print(json.dumps(results[-1]), file=sys.stderr)
    return {"inputs": list(inputs), "loops": loops, "seed": seed, "reference_s": round(reference_seconds, 2),
            "counts": manifest["counts"], "kills_mid_run": sum(r["killed_mid_run"] for r in results),
            "all_identical": all(r["identical"] for r in results), "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", action="append", required=True, help="input pattern (repeatable)")
    parser.add_argument("--work", type=Path, required=True, help="scratch directory for the runs (must not exist)")
    parser.add_argument("--loops", type=int, default=5)
    parser.add_argument("--config", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON summary here")
    parser.add_argument("beam_args", nargs="*", help="after --: Beam options passed to every run")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=False)
    summary = soak(args.input, args.work, args.loops, args.config, args.seed, args.beam_args)
    text = json.dumps(summary, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if summary["all_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
