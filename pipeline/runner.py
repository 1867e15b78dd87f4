"""``provmix run``: check, build and run the graph; ``finalize``: commit the outputs, write and check the manifest.

Outputs are written under ``OUTPUT/.staging`` and moved into place only after the pipeline finished, so a
killed run never leaves a half-written mix; ``manifest.json`` is written last and marks a finished run. What the
launch knew goes to ``OUTPUT/.staging/_run.json`` before the job starts, so ``provmix finalize OUTPUT`` can
finish the bookkeeping of a job whose launcher returned early (a Flex Template, an Airflow operator).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import platform
import tempfile
import time
from importlib import metadata
from typing import Iterator, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import StandardOptions

from provmix.pipeline import card, graph
from provmix.pipeline.checkpoint import ShardStore, config_digest, shard_key
from provmix.pipeline.counters import PROGRESS_ENV
from provmix.pipeline.detect import check_configured
from provmix.pipeline.dofn_specs import memoize_dofn_specs
from provmix.pipeline.floor.config import FAIL
from provmix.pipeline.manifest import dumps, floor_status, summarize, verify
from provmix.pipeline.options import ConfigError, JobOptions, ProvmixOptions, RunConfig, load_config, parse_run_args
from provmix.pipeline.progress import Progress
from provmix.pipeline.write import make_dirs, read_json, write_json
from provmix.schemas.documents import SOURCE_CRAWL, SOURCE_REFERENCE, SOURCE_SYNTHETIC
from provmix.schemas.version import SCHEMA_VERSION

MANIFEST = "manifest.json"
REPORT = "report.html"  # written by `provmix report`; removed with the run it describes
STAGING = ".staging"
WORK = ".work"  # per-input-file checkpoints of an unfinished run (see pipeline.checkpoint)
OUTPUT_DIRS = ("mix", "rejected", "labels", "documents")
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


def _has_scheme(path: str) -> bool:
    return "://" in path


def absolute(pattern: str) -> str:
    """A local pattern made absolute (rows name their source file wherever the run was started); URIs as given."""
    return pattern if _has_scheme(pattern) else os.path.abspath(pattern)


def check_filesystem(path: str, what: str) -> None:
    """RunError (one line) when no installed Beam filesystem serves ``path``'s scheme (gs:// without [gcp])."""
    try:
        FileSystems.get_filesystem(path)
    except Exception as error:  # noqa: BLE001 - ValueError, or BeamIOError wrapping an ImportError
        scheme = path.split("://", 1)[0] if _has_scheme(path) else "local"
        extra = {"gs": "apache-beam[gcp]", "s3": "apache-beam[aws]", "hdfs": "apache-beam[hadoop]",
                 "azfs": "apache-beam[azure]"}.get(scheme, "the Beam filesystem for it")
        raise RunError(f"{what} {path}: no filesystem for {scheme}:// is installed (pip install {extra})") from error


def check_writable(output: str) -> None:
    """RunError (one line) unless a file can be created and deleted in ``output``."""
    check_filesystem(output, "--output")
    probe = FileSystems.join(output, ".provmix-write-check")
    try:
        with FileSystems.create(probe) as sink:
            sink.write(b"")
        FileSystems.delete([probe])
    except Exception as error:  # noqa: BLE001 - OSError locally, BeamIOError or backend errors elsewhere
        cause = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise RunError(f"cannot write to --output {output}: {cause}") from error


def matched_inputs(patterns: Sequence[str], what: str = "--input") -> list:
    """FileMetadata of every file the patterns match; RunError when none does."""
    if not patterns:
        raise RunError(f"no {what} given")
    for pattern in patterns:
        check_filesystem(pattern, what)
    try:
        results = FileSystems.match(list(patterns))
    except Exception as error:  # noqa: BLE001 - FileSystems raises BeamIOError and backend errors
        raise RunError(f"cannot match inputs: {error}") from error
    files = {m.path: m for result in results for m in result.metadata_list}
    if not files:
        raise RunError(f"no {what.lstrip('-')} matched {' '.join(patterns)}")
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
        _delete_tree(FileSystems.join(output, REPORT))  # it describes the run being replaced
    return graph.Layout(staging)


def commit(output: str, layout: graph.Layout) -> None:
    """Replace the output tables with the staged ones, file by file (works on every FileSystems scheme).

    A replaced run's manifest goes first: if this is interrupted, the folder reads as unfinished, not as the old run.
    """
    _delete_tree(FileSystems.join(output, MANIFEST))
    _delete_tree(FileSystems.join(output, REPORT))
    for name in OUTPUT_DIRS:
        _delete_tree(FileSystems.join(output, name))
        staged = layout.path(name)
        sources = [m.path for r in FileSystems.match([FileSystems.join(staged, "**")]) for m in r.metadata_list]
        if sources:
            targets = [FileSystems.join(output, name, s[len(staged):].lstrip("/")) for s in sources]
            for target in targets:
                make_dirs(target.rsplit("/", 1)[0])
            FileSystems.rename(sources, targets)


def run_metrics(result) -> dict:
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


def resumable(inputs: Sequence, config: RunConfig, work: str, version: str) -> int:
    """How many of ``inputs`` (FileMetadata) have a finished checkpoint in ``work`` for this config."""
    if not FileSystems.exists(work):
        return 0
    store, digest = ShardStore(work), config_digest(config, version)
    return sum(store.is_done(shard_key(m, digest)) for m in inputs)


def _check_mix_names(config: RunConfig) -> None:
    clashes = sorted({mix.name for mix in config.mixes} & set(card.TABLES))
    if clashes:
        raise ConfigError(f"mixes: {', '.join(clashes)} is the name of an output table; rename the mix")


def run(argv: Sequence[str]) -> dict:
    """Run the pipeline for command-line ``argv`` (provmix and Beam flags), then finalize; returns the manifest.

    Everything a user can get wrong (flags, config, detectors, inputs, output) is checked before the job starts.
    """
    parse_run_args(list(argv))
    options = JobOptions(list(argv))
    ours = options.view_as(ProvmixOptions)
    if not ours.output:
        raise RunError("no --output given")
    if ours.config:
        check_filesystem(ours.config, "--config")
    config: RunConfig = load_config(ours.config, ours.overrides())
    _check_mix_names(config)
    sources = {SOURCE_CRAWL: ours.input or [], SOURCE_REFERENCE: ours.reference or [],
               SOURCE_SYNTHETIC: ours.synthetic or []}
    sources = {source: [absolute(p) for p in patterns] for source, patterns in sources.items()}
    matched = matched_inputs(sources[SOURCE_CRAWL])
    for source, flag in ((SOURCE_REFERENCE, "--reference"), (SOURCE_SYNTHETIC, "--synthetic")):
        if sources[source]:
            matched += matched_inputs(sources[source], flag)
    check_writable(ours.output)
    standard = options.view_as(StandardOptions)
    standard.runner = standard.runner or DEFAULT_RUNNER
    try:  # without loading a model: a CPU-only launcher can start a GPU job; the job records what it loaded
        check_configured(config.detect)
    except Exception as error:  # noqa: BLE001 - a bad model path or spec must fail before any work starts
        raise ConfigError(f"bad detector: {error}") from error
    layout = prepare_output(ours.output, ours.overwrite)
    version = _versions().get("provmix", "unknown")
    work = FileSystems.join(ours.output, WORK) if ours.checkpoint else None

    log = logging.getLogger("provmix")
    log.info("%d input file(s), runner %s", len(matched), standard.runner)
    done = resumable(matched, config, work, version) if work else 0
    if done:
        log.info("resuming: %d of %d files done (checkpoints in %s)", done, len(matched), work)
    memoize_dofn_specs()
    pipeline = beam.Pipeline(options=options)
    input_bytes = sum(metadata.size_in_bytes for metadata in matched)
    mix_names = graph.build(pipeline, config, sources, layout, work, version, input_bytes)
    write_json(layout.run, {
        **run_head(config, str(standard.runner), mix_names, work),
        "stages_run": [stage for stage in graph.STAGES if stage not in skipped_stages(config)],
        "stages_skipped": skipped_stages(config),
        "dedup": config.dedup.as_manifest(),
    })
    with _progress(log, len(matched), work, layout, str(standard.runner)):
        result = pipeline.run()
        result.wait_until_finish()
    return finalize(ours.output, run_metrics(result))


def run_head(config: RunConfig, runner: str, mix_names: list[str], work: str | None = None) -> dict:
    """What a launch records for :func:`finalize` before its job starts (the caller adds the stages it ran)."""
    return {"started_at": _now(), "started_epoch": time.time(), "runner": runner, "config": config.as_dict(),
            "config_sha256": config.sha256(), "mix_names": mix_names, "work": work}


@contextlib.contextmanager
def _progress(log: logging.Logger, files: int, work: str | None, layout: graph.Layout, runner: str) -> Iterator[None]:
    """Progress lines while the job runs, with the stages' counts from a scratch folder the local workers write
    them to (:mod:`provmix.pipeline.counters`); none on Dataflow, whose console shows the counters live."""
    if runner == "DataflowRunner":
        yield
        return
    previous = os.environ.get(PROGRESS_ENV)
    with tempfile.TemporaryDirectory(prefix="provmix-progress-") as folder:
        os.environ[PROGRESS_ENV] = folder
        try:
            with Progress(log, files, work, layout, counters=folder):
                yield
        finally:
            if previous is None:
                os.environ.pop(PROGRESS_ENV, None)
            else:
                os.environ[PROGRESS_ENV] = previous


def run_status(floor: list[dict]) -> str:
    """``failed`` when a floor with policy ``fail`` reported a shortfall, else ``ok``."""
    failing = [r for r in floor if r.get("status") == "shortfall" and r.get("policy") == FAIL]
    return "failed" if failing else "ok"


def finalize(output: str, metrics: dict | None = None) -> dict:
    """Check the staged outputs of a finished job, commit them and write the manifest; returns it.

    With policy ``fail`` and a floor not met, no table is committed but the manifest (status ``failed``, the
    floor reports) still is. Idempotent: a finished run without staged outputs returns its manifest.
    """
    layout = graph.Layout(FileSystems.join(output, STAGING))
    path = FileSystems.join(output, MANIFEST)
    if not FileSystems.exists(layout.run):
        if FileSystems.exists(path):
            return read_json(path)
        raise RunError(f"{output} holds no staged job ({STAGING}/_run.json): nothing to finalize")
    head = read_json(layout.run)
    try:
        tally, inputs, floor = read_json(layout.tally), read_json(layout.inputs), read_json(layout.floor)
        models = read_json(layout.models)
        written = _written_files(read_json(layout.written), output, layout.root)
    except OSError as error:
        raise RunError(f"the job in {output} has not finished writing ({error})") from error
    summary = summarize(tally, inputs, head["mix_names"])
    problems = verify(summary, written)
    status = run_status(floor)
    for name, mix in summary["mixes"].items():
        mix["floor_status"] = floor_status(floor, name)
    if status == "failed":  # a replaced run's tables must not pass for this run's
        written = {}
        for name in (*OUTPUT_DIRS, card.CARD, REPORT):
            _delete_tree(FileSystems.join(output, name))
    else:
        commit(output, layout)
        card.write_card(output, head["mix_names"], written)
    versions = _versions()
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "provmix_version": versions.get("provmix", "unknown"),
        "versions": versions,
        "status": status,
        "output": output,
        "started_at": head["started_at"],
        "finished_at": _now(),
        "wall_seconds": round(time.time() - head["started_epoch"], 3),
        **{key: head[key] for key in ("runner", "config", "config_sha256", "stages_run", "stages_skipped")},
        "inputs": sorted(inputs, key=lambda a: a["path"]),
        "models": models,
        **summary,
        "floor": floor,
        "dedup": head["dedup"],
        **{key: head[key] for key in ("remixed_from",) if key in head},
        "metrics": metrics or {},
        "outputs": {tag: [p for p, _ in files] for tag, files in written.items()},
        "verified": not problems,
        "problems": problems,
    }
    _delete_tree(path)
    with FileSystems.create(path) as sink:
        sink.write(dumps(manifest).encode("utf-8"))
    _delete_tree(layout.root)
    if head["work"]:
        _delete_tree(head["work"])  # the run is finished: nothing left to resume
    return manifest
