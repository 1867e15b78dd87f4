"""``provmix run``: validate, build and run the graph, commit the outputs, write and check the manifest.

Outputs are written under ``OUTPUT/.staging`` and moved into place only after the pipeline finished, so a
killed run never leaves a half-written mix; ``manifest.json`` is written last and marks a finished run.
"""
from __future__ import annotations

import datetime as dt
import platform
import sys
import time
from importlib import metadata
from typing import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from provmix.pipeline import graph
from provmix.pipeline.detect import load_configured
from provmix.pipeline.floor.config import FAIL
from provmix.pipeline.manifest import dumps, summarize, verify
from provmix.pipeline.options import ConfigError, ProvmixOptions, RunConfig, load_config
from provmix.pipeline.write import read_json
from provmix.schemas.documents import SOURCE_CRAWL, SOURCE_REFERENCE, SOURCE_SYNTHETIC
from provmix.schemas.version import SCHEMA_VERSION

MANIFEST = "manifest.json"
STAGING = ".staging"
WORK = ".work"  # per-input-file checkpoints of an unfinished run (see pipeline.checkpoint)
OUTPUT_DIRS = ("mix", "rejected", "labels")
DEFAULT_RUNNER = "FnApiRunner"  # Beam's in-process runner; DirectRunner would first try to download Prism
_VERSIONED = ("apache-beam", "pyarrow", "numpy", "fastwarc", "resiliparse", "py3langid", "fasttext-numpy2",
              "datasketch", "xxhash")


class RunError(RuntimeError):
    """A run that could not start or whose outputs failed their checks (message is for the user)."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("provmix", *_VERSIONED):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def matched_inputs(patterns: Sequence[str]) -> list:
    """FileMetadata of every file the patterns match; RunError when none does."""
    if not patterns:
        raise RunError("no --input given")
    try:
        results = FileSystems.match(list(patterns))
    except Exception as error:  # noqa: BLE001 - FileSystems raises BeamIOError and backend errors
        raise RunError(f"cannot match inputs: {error}") from error
    files = {m.path: m for result in results for m in result.metadata_list}
    if not files:
        raise RunError(f"no input matched {' '.join(patterns)}")
    return sorted(files.values(), key=lambda m: m.path)


def _delete_tree(root: str) -> None:
    if FileSystems.exists(root):
        FileSystems.delete([root])


def prepare_output(output: str, overwrite: bool) -> graph.Layout:
    manifest = FileSystems.join(output, MANIFEST)
    if FileSystems.exists(manifest) and not overwrite:
        raise RunError(f"{output} already holds a finished run (manifest.json); use --overwrite to replace it")
    staging = FileSystems.join(output, STAGING)
    _delete_tree(staging)  # left over from a killed run; its .work checkpoints are kept and resumed
    if overwrite:
        _delete_tree(FileSystems.join(output, WORK))
    return graph.Layout(staging)


def commit(output: str, layout: graph.Layout) -> None:
    """Replace the output tables with the staged ones, file by file (works on every FileSystems scheme).

    A replaced run's manifest goes first: if this is interrupted, the folder reads as unfinished, not as the old run.
    """
    _delete_tree(FileSystems.join(output, MANIFEST))
    for name in OUTPUT_DIRS:
        _delete_tree(FileSystems.join(output, name))
        staged = layout.path(name)
        sources = [m.path for r in FileSystems.match([FileSystems.join(staged, "**")]) for m in r.metadata_list]
        if sources:
            targets = [FileSystems.join(output, name, s[len(staged):].lstrip("/")) for s in sources]
            for target in targets:
                parent = target.rsplit("/", 1)[0]
                if not FileSystems.exists(parent):
                    FileSystems.mkdirs(parent)
            FileSystems.rename(sources, targets)


def _metrics(result) -> dict:
    out: dict[str, dict[str, int]] = {}
    try:
        counters = result.metrics().query()["counters"]
    except Exception:  # noqa: BLE001 - some runners do not report metrics
        return out
    for counter in counters:
        value = counter.committed if counter.committed is not None else counter.attempted
        namespace = out.setdefault(counter.key.metric.namespace, {})
        namespace[counter.key.metric.name] = namespace.get(counter.key.metric.name, 0) + int(value or 0)
    return {ns: dict(sorted(v.items())) for ns, v in sorted(out.items())}


def _written_files(written: list[list], output: str, staging: str) -> dict[str, list[list]]:
    grouped: dict[str, list[list]] = {}
    for tag, path, rows in written:
        grouped.setdefault(tag, []).append([path.replace(staging, output.rstrip("/"), 1), rows])
    return {tag: sorted(files) for tag, files in sorted(grouped.items())}


def skipped_stages(config: RunConfig) -> dict[str, str]:
    """Stages that are in the graph but do no work under this config, with why."""
    skipped = {}
    if not config.detect.detectors:
        skipped["detect"] = "no detectors configured: p_ai and p_mt stay null"
    if not config.dedup.enabled:
        skipped["dedup"] = "dedup.enabled is false"
    return skipped


def run(argv: Sequence[str]) -> dict:
    """Run the pipeline for command-line ``argv`` (provmix and Beam flags); returns the manifest."""
    options = PipelineOptions(list(argv))
    ours = options.view_as(ProvmixOptions)
    if not ours.output:
        raise RunError("no --output given")
    inputs = matched_inputs(ours.input or [])
    config: RunConfig = load_config(ours.config, ours.overrides())
    standard = options.view_as(StandardOptions)
    standard.runner = standard.runner or DEFAULT_RUNNER
    try:
        models = [detector.info.as_dict() for detector in load_configured(config.detect)]
    except Exception as error:  # noqa: BLE001 - a bad model path or spec must fail before any work starts
        raise ConfigError(f"cannot load detectors: {error}") from error
    layout = prepare_output(ours.output, ours.overwrite)

    started_at, started = _now(), time.monotonic()
    print(f"provmix: {len(inputs)} input file(s), runner {standard.runner}", file=sys.stderr)
    pipeline = beam.Pipeline(options=options)
    sources = {SOURCE_CRAWL: ours.input, SOURCE_REFERENCE: ours.reference or [],
               SOURCE_SYNTHETIC: ours.synthetic or []}
    for patterns in (ours.reference, ours.synthetic):
        if patterns:
            matched_inputs(patterns)
    work = FileSystems.join(ours.output, WORK) if ours.checkpoint else None
    mix_names = graph.build(pipeline, config, sources, layout, work, _versions().get("provmix", "unknown"))
    result = pipeline.run()
    result.wait_until_finish()

    written = _written_files(read_json(layout.written), ours.output, layout.root)
    summary = summarize(read_json(layout.tally), read_json(layout.inputs), mix_names)
    problems = verify(summary, written)
    floor = read_json(layout.floor)
    failing = [f"{r['mix']} ({r['scope']} {r['key']})" for r in floor
               if r.get("status") == "shortfall" and r.get("policy") == FAIL]
    if failing:
        _delete_tree(layout.root)
        raise RunError(f"human floor not met with policy 'fail' in {', '.join(failing)}; no mix was written")
    commit(ours.output, layout)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "provmix_version": _versions().get("provmix", "unknown"),
        "versions": _versions(),
        "started_at": started_at,
        "finished_at": _now(),
        "wall_seconds": round(time.monotonic() - started, 3),
        "runner": str(standard.runner),
        "config": config.as_dict(),
        "config_sha256": config.sha256(),
        "stages_run": [stage for stage in graph.STAGES if stage not in skipped_stages(config)],
        "stages_skipped": skipped_stages(config),
        "inputs": sorted(read_json(layout.inputs), key=lambda a: a["path"]),
        "models": models,
        **summary,
        "floor": floor,
        "dedup": config.dedup.as_manifest(),
        "metrics": _metrics(result),
        "outputs": {tag: [path for path, _ in files] for tag, files in written.items()},
        "verified": not problems,
        "problems": problems,
    }
    with FileSystems.create(FileSystems.join(ours.output, MANIFEST)) as sink:
        sink.write(dumps(manifest).encode("utf-8"))
    _delete_tree(layout.root)
    if work:
        _delete_tree(work)  # the run is finished: nothing left to resume
    if problems:
        raise RunError(f"outputs failed their checks: {'; '.join(problems)}")
    return manifest
