"""``provmix report OUT_DIR``: a self-contained HTML report of one finished run, written to OUT_DIR/report.html.

The report reads ``manifest.json`` and streams the needed columns of ``mix/`` and ``labels/``; plots are
embedded as PNG data URIs, so the file opens offline and can be mailed or archived on its own.
"""
from __future__ import annotations

import argparse
import json
from typing import Sequence

from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.report.page import document
from provmix.pipeline.report.scan import scan_run
from provmix.pipeline.report.sections import all_sections
from provmix.pipeline.runner import MANIFEST, RunError
from provmix.pipeline.write import read_json

REPORT = "report.html"
REQUIRED = ("counts", "by_stage", "by_label", "mixes")


def load_manifest(run_dir: str) -> dict:
    """The run's manifest; :class:`RunError` when ``run_dir`` holds no readable provmix manifest."""
    path = FileSystems.join(run_dir, MANIFEST)
    if not FileSystems.exists(path):
        raise RunError(f"{run_dir} holds no {MANIFEST}: not a finished provmix run")
    try:
        manifest = read_json(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunError(f"cannot read {path}: {error}") from error
    missing = [key for key in REQUIRED if not isinstance(manifest, dict) or key not in manifest]
    if missing:
        raise RunError(f"{path} is not a provmix manifest (missing {', '.join(missing)})")
    return manifest


def render(run_dir: str) -> str:
    """The report page of the run in ``run_dir``."""
    manifest = load_manifest(run_dir)
    scan = scan_run(run_dir, list(manifest["mixes"]))
    subtitle = (f"{run_dir} · finished {manifest.get('finished_at', '?')} · "
                f"config {str(manifest.get('config_sha256', '?'))[:12]}")
    return document("provmix run report", subtitle, all_sections(manifest, scan))


def write_report(run_dir: str, output: str | None = None) -> str:
    """Render the report and write it to ``output`` (default RUN_DIR/report.html); returns the path written."""
    page = render(run_dir)
    path = output or FileSystems.join(run_dir, REPORT)
    with FileSystems.create(path, mime_type="text/html") as sink:
        sink.write(page.encode("utf-8"))
    return path


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="provmix report", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="OUTPUT_DIR", help="the --output directory of a finished run")
    parser.add_argument("--output", default=None, help=f"where to write the page (default OUTPUT_DIR/{REPORT})")
    args = parser.parse_args(list(argv))
    print(f"provmix: wrote {write_report(args.run_dir, args.output)}")
    return 0
