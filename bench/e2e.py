"""One provmix run in this (fresh) process: ``python -m bench.e2e OUTPUT_JSON -- PROVMIX_RUN_ARGS…``.

Writes wall and CPU seconds (this process and its SDK-worker children), peak RSS and the run's manifest counts and
per-stage Beam metrics to OUTPUT_JSON, so the harness measures every run from a cold start.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.usage import Meter


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
