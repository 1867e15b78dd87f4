#!/usr/bin/env bash
# One dated, idempotent provmix run: reads $PROVMIX_INPUT_ROOT/$DS/, writes $PROVMIX_OUTPUT_ROOT/$DS/.
#
#   PROVMIX_INPUT_ROOT   folder of dated input folders (local, gs://, s3://…)          required
#   PROVMIX_OUTPUT_ROOT  folder of dated output folders                                 required
#   PROVMIX_INPUT_GLOB   files to read inside the dated folder                          default: *
#   DS                   the date to process (YYYY-MM-DD)                               default: yesterday, UTC
#   PROVMIX_OVERWRITE=1  reprocess a date that already finished                         default: skip it
#   further arguments    passed to `provmix run` (runner, Beam and Dataflow options)
#
# Exit status: provmix's (0 ok, 2 bad input/config/output, 3 a mix is empty, 4 a floor shortfall, 5 a floor with
# policy fail not met; pass --allow-empty / --allow-shortfall to accept those).
# A date whose output holds manifest.json finished and is skipped (exit 0), so cron, systemd and Kubernetes
# can rerun this freely. Any other state (never run, failed, killed) is run from scratch: provmix stages its
# outputs and only moves them into place after success, so --overwrite below never exposes a partial run.
set -euo pipefail

: "${PROVMIX_INPUT_ROOT:?set PROVMIX_INPUT_ROOT}" "${PROVMIX_OUTPUT_ROOT:?set PROVMIX_OUTPUT_ROOT}"
DS="${DS:-$(date -u -d yesterday +%F)}"
[[ "$DS" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "provmix-nightly: DS must be YYYY-MM-DD, got $DS" >&2; exit 2; }
INPUT="${PROVMIX_INPUT_ROOT%/}/$DS/${PROVMIX_INPUT_GLOB:-*}"
OUTPUT="${PROVMIX_OUTPUT_ROOT%/}/$DS"

finished() {
  python3 -c 'import sys; from apache_beam.io.filesystems import FileSystems as F
sys.exit(0 if F.exists(F.join(sys.argv[1], "manifest.json")) else 1)' "$OUTPUT"
}

if [[ "${PROVMIX_OVERWRITE:-0}" != 1 ]] && finished; then
  echo "provmix-nightly: $OUTPUT already finished; set PROVMIX_OVERWRITE=1 to reprocess $DS" >&2
  exit 0
fi
exec provmix run --input "$INPUT" --output "$OUTPUT" --overwrite "$@"
