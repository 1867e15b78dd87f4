"""``provmix train mt``: train, quantise and calibrate the per-language MT models; write config and model card.

Rows are split by ``group_id`` hash into train / dev / test. Per language: a three-class fastText model
(human, human_translation, mt) on the chunks of the balanced train rows (:func:`corpus.balanced_lines`),
quantised; Platt calibration of the document score (mean chunk log-odds of mt against the reference class) on
the dev rows; the threshold holding the dev false-positive rate (reference rows flagged) at 1%. The test rows are
scored with the result for the model card. Each model is trained by
:mod:`detectors.machine_translation.train_one` in a fresh single-threaded process with a fixed seed, one after
the other, so a run reproduces the files bit for bit.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import fasttext
import numpy as np

from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.machine_translation import card
from provmix.detectors.machine_translation.corpus import DEV, MT, TEST, TRAIN, balanced_lines, read_rows, reference_label, split_of
from provmix.detectors.machine_translation.default import NAME, SHIPPED, MTDetector
from provmix.detectors.machine_translation.evaluate import evaluate_rows
from provmix.detectors.machine_translation.model import CONFIG, raw_mt_scores, sha256_of
from provmix.detectors.machine_translation.text import CHUNK_TOKENS, clean_text, model_lines
from provmix.detectors.machine_translation.train_one import NAN_EXIT
from provmix.detectors.metrics import threshold_at_fpr

VERSION = "0.2.0"
DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "mt"
DEFAULT_DATA = (DATA_DIR / "wmt22.jsonl.gz", DATA_DIR / "wmt23.jsonl.gz")
MIN_CHARS = 100
TARGET_FPR = 0.01
FASTTEXT = {"dim": 16, "epoch": 10, "lr": 0.25, "wordNgrams": 2, "minCount": 2, "bucket": 200000, "loss": "softmax"}
QUANTIZE = {"qnorm": True, "retrain": False, "cutoff": 50000, "dsub": 2}
NAN_ATTEMPTS = 10


def train_language(lines: list[str], path: Path, seed: int) -> "fasttext.FastText._FastText":
    """Train and quantise one language's model from its training lines, each attempt in a fresh process
    (:mod:`detectors.machine_translation.train_one`: the spurious fastText NaN is retried in a new process);
    saved to ``path`` and returned."""
    with tempfile.TemporaryDirectory() as directory:
        train_file = Path(directory) / "train.txt"
        train_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [
            sys.executable, "-m", "provmix.detectors.machine_translation.train_one", str(train_file), str(path),
            "--train", json.dumps(FASTTEXT), "--quantize", json.dumps(QUANTIZE), "--seed", str(seed),
        ]
        for _ in range(NAN_ATTEMPTS):
            status = subprocess.run(command, check=False).returncode
            if status != NAN_EXIT:
                break
        if status != 0:
            raise RuntimeError(f"training {path.name} failed (exit status {status}, {NAN_ATTEMPTS} attempts at most)")
    return fasttext.load_model(str(path))


def calibrate(model, reference: str, dev_documents: list[list[str]], dev_labels: list[str]) -> tuple[PlattCalibration, float]:
    """Platt calibration and the 1%-FPR threshold from the dev rows (MT vs the reference class)."""
    raw = raw_mt_scores(model, dev_documents, reference)
    y = np.array([label == MT for label in dev_labels])
    calibration = PlattCalibration.fit(raw, y, balanced=True)  # dev holds ~10 MT rows per human one
    return calibration, threshold_at_fpr(y, calibration(raw), TARGET_FPR)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="provmix train mt", description=__doc__.split("\n")[0])
    parser.add_argument("--data", action="append", help="labelled WMT JSONL(.gz); repeatable (default: wmt22+wmt23)")
    parser.add_argument("--out", default=str(SHIPPED), help="model directory (default: the shipped mt-default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dev-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15, help="0 for a time split (test elsewhere)")
    parser.add_argument("--exclude-systems", default="", help="comma-separated MT systems left out of training")
    parser.add_argument("--languages", default="", help="comma-separated languages (default: every one found)")
    features = parser.add_mutually_exclusive_group()
    features.add_argument("--features", dest="features", action="store_true", help="append translationese feature tokens")
    features.add_argument("--no-features", dest="features", action="store_false", help="no feature tokens (default)")
    parser.set_defaults(features=False)
    parser.add_argument(
        "--chunk-tokens", type=int, default=CHUNK_TOKENS,
        help=f"tokens per chunk a document is cut into (default {CHUNK_TOKENS}); 0: one line per document",
    )
    parser.add_argument("--calibrate-only", action="store_true", help="keep OUT's model files; refit calibration")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data = [Path(p) for p in (args.data or DEFAULT_DATA)]
    excluded = {s for s in args.exclude_systems.split(",") if s}
    wanted = {s for s in args.languages.split(",") if s}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    splits: dict[str, dict[str, list[tuple[dict, list[str]]]]] = {TRAIN: {}, DEV: {}, TEST: {}}
    for row in read_rows(data):
        if (wanted and row["lang"] not in wanted) or (row["label"] == MT and row.get("generator") in excluded):
            continue
        clean = clean_text(row["text"])
        if len(clean) >= MIN_CHARS:
            split = split_of(row["group_id"], args.dev_fraction, args.test_fraction, args.seed)
            document = model_lines(clean, args.chunk_tokens, args.features)
            splits[split].setdefault(row["lang"], []).append((row, document))
    languages = {}
    for lang, pairs in sorted(splits[TRAIN].items()):
        reference = reference_label(row["label"] for row, _ in pairs)
        dev = [(row, document) for row, document in splits[DEV].get(lang, []) if row["label"] in (MT, reference)]
        if reference is None or not dev:
            print(f"{lang}: skipped (no mt/reference classes)", file=sys.stderr)
            continue
        path = out / f"{lang}.ftz"
        lines = balanced_lines([r for r, _ in pairs], [document for _, document in pairs], args.seed)
        model = fasttext.load_model(str(path)) if args.calibrate_only else train_language(lines, path, args.seed)
        calibration, threshold = calibrate(model, reference, [d for _, d in dev], [r["label"] for r, _ in dev])
        languages[lang] = {
            "file": path.name,
            "sha256": sha256_of(path),
            "reference_label": reference,
            "calibration": calibration.to_dict(),
            "threshold": threshold,
            "train_rows": len(pairs),
            "dev_rows": len(dev),
        }
        print(f"{lang}: {len(pairs)} train rows, reference {reference}, threshold {threshold:.4f}", file=sys.stderr)
    config = {
        "name": NAME,
        "version": VERSION,
        "features": args.features,
        "chunk_tokens": args.chunk_tokens,
        "min_chars": MIN_CHARS,
        "languages": languages,
        "training": {
            "data": [p.name for p in data],
            "data_sha256": {p.name: sha256_of(p) for p in data},
            "seed": args.seed,
            "dev_fraction": args.dev_fraction,
            "test_fraction": args.test_fraction,
            "excluded_systems": sorted(excluded),
            "fasttext": FASTTEXT,
            "quantize": QUANTIZE,
            "target_fpr": TARGET_FPR,
        },
    }
    (out / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    test_rows = [row for pairs in splits[TEST].values() for row, _ in pairs]
    report = evaluate_rows(MTDetector(out), test_rows) if test_rows else None
    (out / card.FILENAME).write_text(card.render(config, report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
