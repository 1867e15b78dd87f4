"""Start-up of a run: ``python -m bench startup -- PROVMIX_RUN_ARGS…`` (in this fresh process, FnApiRunner).

Prints, in seconds from when the bench module was imported (the interpreter's own start, ~30 ms, not counted): when provmix's modules were imported, when the first input file
reached a scan (the first record: the checkpointed scan's ``ScanFile``, or ``ReadFile`` on the streamed path),
and when the run ended; plus the leaf transforms of the graph.
"""
from __future__ import annotations

import sys
import time

STARTED = time.perf_counter()


def _leaf_transforms(pipeline) -> int:
    from apache_beam.pipeline import PipelineVisitor

    class Count(PipelineVisitor):
        leaves = 0

        def visit_transform(self, node) -> None:
            Count.leaves += 1

    pipeline.visit(Count())
    return Count.leaves


def main(argv: list[str]) -> int:
    import apache_beam as beam

    from provmix.pipeline import checkpoint, read
    from provmix.pipeline.cli import main as provmix

    imported = time.perf_counter() - STARTED
    first: list[float] = []
    transforms: list[int] = []
    for cls in (checkpoint.ScanFile, read.ReadFile):
        original = cls.process

        def process(self, *args, _original=original, **kwargs):
            if not first:
                first.append(time.perf_counter() - STARTED)
            return _original(self, *args, **kwargs)

        cls.process = process
    run = beam.Pipeline.run

    def counted_run(pipeline: beam.Pipeline, *args, **kwargs):
        transforms.append(_leaf_transforms(pipeline))
        return run(pipeline, *args, **kwargs)

    beam.Pipeline.run = counted_run
    run_args = argv[argv.index("--") + 1:] if "--" in argv else argv
    status = provmix(["run", *run_args, "--runner", "FnApiRunner"])
    total = time.perf_counter() - STARTED
    print(f"imports {imported:.2f} s, first record {first[0] if first else float('nan'):.2f} s, "
          f"total {total:.2f} s, transforms {transforms[0] if transforms else 0} (status {status})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
