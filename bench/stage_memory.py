"""Where a FnApiRunner run's memory goes: resident memory and the runner's held data after every bundle.

``python -m bench.stage_memory OUTPUT_JSON -- PROVMIX_RUN_ARGS…`` runs ``provmix run`` in this process on the
in-process FnApiRunner (one worker) with the runner's bundle execution wrapped: after each bundle it records the
stage, this process's RSS, the encoded bytes of the bundle's inputs (for a stage reading a shuffle: the bytes
that crossed it), the encoded bytes of the PCollection buffers the runner holds between stages (lists
and grouped shuffle outputs; a shuffle still being filled holds decoded objects, so only its value count is known)
and the bytes in the runner's state store (side inputs and large grouped iterables, which it never frees). The
JSON lists every bundle; the table on stderr lists the stages that raised RSS the most. It reads private
attributes of Beam 2.77's FnApiRunner (buffers, queues, state store): a diagnostic, to be re-checked on upgrades.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE_MB


def _buffers(context) -> list:
    """Every buffer the runner holds: between stages, and queued as the input of a stage not yet run."""
    queues = context.queues
    found = {id(b): b for b in context.pcoll_buffers.values()}
    for queue in (queues.ready_inputs, queues.watermark_pending_inputs, queues.time_pending_inputs):
        for _, data_input in queue._q:
            found.update({id(b): b for b in data_input.data.values()})
    return list(found.values())


def _encoded_bytes(buffer) -> int:
    """Encoded bytes in a buffer (a grouped one only once grouped: its pending part holds decoded objects)."""
    from apache_beam.runners.portability.fn_api_runner.execution import GroupingBuffer, ListBuffer

    if isinstance(buffer, ListBuffer):
        return 0 if buffer.cleared else sum(len(chunk) for chunk in buffer._inputs)
    if isinstance(buffer, GroupingBuffer) and buffer._grouped_output:
        return sum(len(chunk) for part in buffer._grouped_output for chunk in part)
    return 0


def held(context) -> dict:
    """Bytes (and, for shuffles still being filled, decoded values) the runner holds now."""
    from apache_beam.runners.portability.fn_api_runner.execution import GroupingBuffer, ListBuffer

    listed = grouped = pending_values = 0
    for buffer in _buffers(context):
        if isinstance(buffer, ListBuffer):
            listed += _encoded_bytes(buffer)
        elif isinstance(buffer, GroupingBuffer):
            grouped += _encoded_bytes(buffer)
            pending_values += sum(len(values) for values in buffer._table.values())
    state = context.state_servicer._state
    state_bytes = sum(len(chunk) for chunks in state.values() for chunk in chunks)
    mb = 2**20
    return {"list_mb": round(listed / mb, 1), "grouped_mb": round(grouped / mb, 1),
            "pending_shuffle_values": pending_values, "state_mb": round(state_bytes / mb, 1)}


def instrument(log: list[dict]) -> None:
    """Wrap ``FnApiRunner._execute_bundle`` so that every bundle appends a record to ``log``."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    original = fn_runner.FnApiRunner._execute_bundle

    def execute_bundle(self, context, bundle_context_manager, bundle_input):
        before, listed = _rss_mb(), {name: _encoded_bytes(b) for name, b in bundle_input.data.items()}
        result = original(self, context, bundle_context_manager, bundle_input)
        # a list input is read before it is cleared, a grouped one is encoded (grouped) when the bundle reads it
        inputs = {name: round(max(listed[name], _encoded_bytes(b)) / 2**20, 3) for name, b in bundle_input.data.items()}
        log.append({"stage": bundle_context_manager.stage.name, "rss_before_mb": round(before, 1),
                    "rss_mb": round(_rss_mb(), 1), "input_mb": inputs, **held(context)})
        return result

    fn_runner.FnApiRunner._execute_bundle = execute_bundle


def top_stages(log: list[dict], count: int = 15) -> list[dict]:
    """Stages by the RSS their bundles added, largest first."""
    added: dict[str, float] = {}
    for entry in log:
        added[entry["stage"]] = added.get(entry["stage"], 0.0) + entry["rss_mb"] - entry["rss_before_mb"]
    return [{"stage": stage, "rss_added_mb": round(mb, 1)}
            for stage, mb in sorted(added.items(), key=lambda item: -item[1])[:count]]


def main(argv: list[str]) -> int:
    output, run_args = Path(argv[0]), argv[argv.index("--") + 1 :]
    from provmix.pipeline.cli import main as provmix

    log: list[dict] = []
    instrument(log)
    status = provmix(["run", *run_args, "--runner", "FnApiRunner"])
    peak = max(log, key=lambda entry: entry["rss_mb"]) if log else {}
    output.write_text(json.dumps({"status": status, "peak": peak, "top_stages": top_stages(log), "bundles": log},
                                 indent=1))
    for row in top_stages(log):
        print(f"{row['rss_added_mb']:>9.1f} MB  {row['stage'][:150]}", file=sys.stderr)
    print(f"peak after a bundle: {peak}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
