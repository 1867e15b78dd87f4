"""``provmix mix RUN --config new.yaml --output NEW``: rebuild the mixes of a finished run under a new mix config.

Reads the run's ``documents/`` (every labelled document as the floor saw it) and its non-floor rejects, and runs
only the floor and the writers (:func:`provmix.pipeline.graph.build_mixes`): no crawl re-read, no detector re-run.
The floor is a pure function of the documents and the mix config, so the result equals a fresh run with the new
config. Only the ``mixes`` (and ``write``) sections may differ from the run's config: the label and everything
before it decide which documents reach the floor (the provisional label even picks dedup's keepers), so a change
there needs a fresh run.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import StandardOptions

from provmix.pipeline.cli import log_mixes, mix_outcome
from provmix.pipeline.dofn_specs import memoize_dofn_specs
from provmix.pipeline.floor.transform import STAGE as FLOOR_STAGE
from provmix.pipeline.graph import DOCUMENTS_DIR, Writers, build_mixes
from provmix.pipeline.options import JobOptions, add_outcome_flags, load_config
from provmix.pipeline.runner import (DEFAULT_RUNNER, MANIFEST, RunError, finalize, prepare_output, run_head,
                                     run_metrics)
from provmix.pipeline.write import write_json
from provmix.schemas.rejects import STAGE

REMIXABLE = ("mixes", "write")  # config sections a remix may change


def _stored_manifest(run: str) -> dict:
    path = FileSystems.join(run, MANIFEST)
    if not FileSystems.exists(path):
        raise RunError(f"{run} holds no finished run ({MANIFEST} missing)")
    with FileSystems.open(path) as f:
        return json.loads(f.read().decode("utf-8"))


def check_remixable(stored: dict, new: dict) -> None:
    """Refuse a new config that changes anything upstream of the floor."""
    changed = sorted(section for section in set(stored) | set(new)
                     if section not in REMIXABLE and stored.get(section) != new.get(section))
    if changed:
        raise RunError(f"the new config changes {', '.join(changed)}: only {', '.join(REMIXABLE)} can be remixed;"
                       " run the pipeline again for the rest")


def remix(run: str, config_path: str | None, output: str, overwrite: bool = False,
          beam_args: Sequence[str] = ()) -> dict:
    """Write the new mixes under ``output``; returns its manifest."""
    config = load_config(config_path)
    stored = _stored_manifest(run)
    check_remixable(stored["config"], config.as_dict())
    documents = FileSystems.join(run, DOCUMENTS_DIR, "*.parquet")
    stored_files = FileSystems.match([documents])[0].metadata_list
    if not stored_files:
        raise RunError(f"{run} has no {DOCUMENTS_DIR}/ table to remix")
    layout = prepare_output(output, overwrite)
    options = JobOptions(list(beam_args))
    standard = options.view_as(StandardOptions)
    standard.runner = standard.runner or DEFAULT_RUNNER
    memoize_dofn_specs()
    pipeline = beam.Pipeline(options=options)
    docs = pipeline | "ReadDocuments" >> beam.io.ReadFromParquet(documents)
    earlier = (pipeline | "ReadRejected" >> beam.io.ReadFromParquet(FileSystems.join(run, "rejected", "*.parquet"))
               | "NotFloor" >> beam.Filter(lambda row: row[STAGE] != FLOOR_STAGE))
    writers = Writers(layout, config.write.for_input(sum(f.size_in_bytes for f in stored_files)))
    mix_names = build_mixes(docs, [earlier], config, writers, [])
    # the run's reads, inputs, models and upstream stages: the remix reruns only the floor and the writers
    write_json(layout.inputs, stored["inputs"])
    write_json(layout.models, stored["models"])
    write_json(layout.run, {
        **run_head(config, str(standard.runner), mix_names),
        **{key: stored[key] for key in ("stages_run", "stages_skipped", "dedup")},
        "remixed_from": run,
    })
    result = pipeline.run()
    result.wait_until_finish()
    return finalize(output, run_metrics(result))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="provmix mix", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="output folder of a finished `provmix run`")
    parser.add_argument("--config", help="YAML config whose mixes to build (default: the default mix)")
    parser.add_argument("--output", required=True, help="where the new mix/, rejected/, labels/ go")
    parser.add_argument("--overwrite", action="store_true", help="replace a finished remix at --output")
    add_outcome_flags(parser)
    args, beam_args = parser.parse_known_args(list(argv))
    manifest = remix(args.run, args.config, args.output, args.overwrite, beam_args)
    for report in manifest["floor"]:
        print(f"provmix: mix {report['mix']} {report['scope']}={report['key']}: {report['status']}, "
              f"non-human {report['unit']} kept {report['kept']} of {report['allowed']} allowed", file=sys.stderr)
    log_mixes(manifest)
    return mix_outcome(manifest, args.allow_empty, args.allow_shortfall)
