"""``provmix train mt``: train, quantise and calibrate the per-language MT models; write config and model card.

Rows of the ``--data`` files are split by ``group_id`` hash into train / dev / test (sources in
:data:`corpus.HELD_OUT_SOURCES` are test only); every row of a ``--calibration-data`` file is dev (by default
WMT21: a year the models never train on). Per language: a three-class fastText model (human original — human web
text and LLM text included —, human translation, mt) on the chunks of the balanced train rows
(:func:`corpus.balanced_lines`), quantised; Platt calibration of the document score (mean chunk log-odds of mt
against the rest) on the dev rows (MT against originals); the threshold holding the dev false-positive rate on
originals at 1%. The test rows are scored with the result for the model card, and the hashes of every train and
dev text are written next to the model (:mod:`detectors.training.machine_translation.seen`). Each model is trained by
:mod:`detectors.training.machine_translation.train_one` in a fresh single-threaded process with a fixed seed, one after
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

from provmix.detectors.artifacts import file_sha256
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.evaluation.machine_translation import evaluate_rows
from provmix.detectors.evaluation.metrics import threshold_at_fpr
from provmix.detectors.machine_translation.default import NAME, MTDetector
from provmix.detectors.machine_translation.model import CONFIG, raw_mt_scores
from provmix.detectors.machine_translation.text import CHUNK_TOKENS, clean_text, model_lines
from provmix.detectors.training.data import SHARED_DATA
from provmix.detectors.training.machine_translation import card
from provmix.detectors.training.machine_translation.corpus import (
    DEV, MT, ORIGINALS, TEST, TRAIN, balanced_lines, cap_originals, has_classes, read_rows, role_of,
)
from provmix.detectors.training.machine_translation.seen import write_seen
from provmix.detectors.training.machine_translation.train_one import NAN_EXIT
from provmix.detectors.training.model_card import write_card
from provmix.detectors.training.thresholds import human_threshold_at_macro_miss

VERSION = "0.4.0"
DATA_DIR = SHARED_DATA / "mt"
DEFAULT_DATA = (
    DATA_DIR / "wmt22.jsonl.gz",
    DATA_DIR / "mlqe-pe.jsonl.gz",
    *sorted((SHARED_DATA / "human-web").glob("*.jsonl.gz")),
    *sorted((SHARED_DATA / "ai-text").glob("*.jsonl.gz")),
)
DEFAULT_CALIBRATION = (DATA_DIR / "wmt21.jsonl.gz",)
MIN_CHARS = 100  # scoring and calibration: shorter texts abstain
MIN_TRAIN_CHARS = 20  # training: web sentences (zh/ja ones are ~40 characters) are chunks like any other
TARGET_FPR = 0.01
TARGET_MISS = 0.05  # share of a language's calibration MT its human operating point may clear
FASTTEXT = {"dim": 16, "epoch": 10, "lr": 0.25, "wordNgrams": 2, "minCount": 2, "bucket": 200000, "loss": "softmax"}
QUANTIZE = {"qnorm": True, "retrain": False, "cutoff": 50000, "dsub": 2}
NAN_ATTEMPTS = 10


def train_language(lines: list[str], path: Path, seed: int) -> "fasttext.FastText._FastText":
    """Train and quantise one language's model from its training lines, each attempt in a fresh process
    (:mod:`detectors.training.machine_translation.train_one`: the spurious fastText NaN is retried in a new process);
    saved to ``path`` and returned."""
    with tempfile.TemporaryDirectory() as directory:
        train_file = Path(directory) / "train.txt"
        train_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [
            sys.executable, "-m", "provmix.detectors.training.machine_translation.train_one", str(train_file), str(path),
            "--train", json.dumps(FASTTEXT), "--quantize", json.dumps(QUANTIZE), "--seed", str(seed),
        ]
        for _ in range(NAN_ATTEMPTS):
            status = subprocess.run(command, check=False).returncode
            if status != NAN_EXIT:
                break
        if status != 0:
            raise RuntimeError(f"training {path.name} failed (exit status {status}, {NAN_ATTEMPTS} attempts at most)")
    return fasttext.load_model(str(path))


def calibrate(model, dev_documents: list[list[str]],
              dev_labels: list[str]) -> tuple[PlattCalibration, float, float | None]:
    """Platt calibration (MT vs originals, class-balanced), the threshold holding the false-positive rate on the
    dev originals at :data:`TARGET_FPR`, and the human operating point below which at most :data:`TARGET_MISS`
    of the dev MT falls."""
    raw = raw_mt_scores(model, dev_documents)
    y = np.array([label == MT for label in dev_labels])
    calibration = PlattCalibration.fit(raw, y, balanced=True)
    p = calibration(raw)
    threshold = threshold_at_fpr(y, p, TARGET_FPR)
    human = human_threshold_at_macro_miss(y, p, ["dev"] * len(p), TARGET_MISS)
    return calibration, threshold, None if human is None else min(human, threshold)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="provmix train mt", description=__doc__.split("\n")[0])
    parser.add_argument("--data", action="append", help="labelled JSONL(.gz), split by group_id; repeatable "
                        "(default: WMT22, MLQE-PE, human-web/*, ai-text/*)")
    parser.add_argument("--calibration-data", action="append",
                        help="labelled JSONL(.gz) used for calibration only; repeatable (default: WMT21)")
    parser.add_argument("--no-calibration-data", action="store_true", help="calibrate on the dev split only")
    parser.add_argument("--out", required=True, help="model directory to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dev-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
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


Document = tuple[dict, str, list[str]]  # row, cleaned text, model lines


def read_splits(args: argparse.Namespace, data: list[Path], calibration: list[Path]) -> dict[str, dict[str, list[Document]]]:
    """Per split and language, the usable rows with their cleaned text and model lines; originals capped per
    source (:func:`corpus.cap_originals`)."""
    excluded = {s for s in args.exclude_systems.split(",") if s}
    wanted = {s for s in args.languages.split(",") if s}
    by_split: dict[str, list[dict]] = {TRAIN: [], DEV: [], TEST: []}
    for path in [*data, *calibration]:
        for row in read_rows([path]):
            if (wanted and row["lang"] not in wanted) or (row["label"] == MT and row.get("generator") in excluded):
                continue
            split = DEV if path in calibration else role_of(row, args.dev_fraction, args.test_fraction, args.seed)
            by_split[split].append(row)
    splits: dict[str, dict[str, list[Document]]] = {}
    for split, rows in by_split.items():
        splits[split] = {}
        for row in cap_originals(rows, args.seed) if split != TEST else rows:
            clean = clean_text(row["text"])
            if len(clean) >= (MIN_TRAIN_CHARS if split == TRAIN else MIN_CHARS):
                document = model_lines(clean, args.chunk_tokens, args.features)
                splits[split].setdefault(row["lang"], []).append((row, clean, document))
    return splits


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data = [Path(p) for p in (args.data or DEFAULT_DATA)]
    calibration_data = [] if args.no_calibration_data else [Path(p) for p in (args.calibration_data or DEFAULT_CALIBRATION)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    splits = read_splits(args, data, calibration_data)
    languages, seen = {}, []
    for lang, documents in sorted(splits[TRAIN].items()):
        dev = [d for d in splits[DEV].get(lang, []) if d[0]["label"] in (MT, *ORIGINALS)]
        if not has_classes(row["label"] for row, _, _ in documents) or not has_classes(row["label"] for row, _, _ in dev):
            print(f"{lang}: skipped (no mt and original rows in train and dev)", file=sys.stderr)
            continue
        path = out / f"{lang}.ftz"
        lines = balanced_lines([r for r, _, _ in documents], [d for _, _, d in documents], args.seed)
        model = fasttext.load_model(str(path)) if args.calibrate_only else train_language(lines, path, args.seed)
        calibration, threshold, human = calibrate(model, [d for _, _, d in dev], [r["label"] for r, _, _ in dev])
        languages[lang] = {
            "file": path.name,
            "sha256": file_sha256(path),
            "calibration": calibration.to_dict(),
            "threshold": threshold,
            "human_threshold": human,
            "train_rows": len(documents),
            "dev_rows": len(dev),
        }
        seen += [clean for _, clean, _ in documents + dev]
        print(f"{lang}: {len(documents)} train rows, {len(dev)} dev rows, threshold {threshold:.4f}", file=sys.stderr)
    seen_path = write_seen(out, seen)
    config = {
        "name": NAME,
        "version": VERSION,
        "features": args.features,
        "chunk_tokens": args.chunk_tokens,
        "min_chars": MIN_CHARS,
        "languages": languages,
        "training": {
            "data": [p.name for p in data],
            "calibration_data": [p.name for p in calibration_data],
            "data_sha256": {p.name: file_sha256(p) for p in [*data, *calibration_data]},
            "seen_texts": {"file": seen_path.name, "sha256": file_sha256(seen_path)},
            "seed": args.seed,
            "dev_fraction": args.dev_fraction,
            "test_fraction": args.test_fraction,
            "excluded_systems": sorted({s for s in args.exclude_systems.split(",") if s}),
            "fasttext": FASTTEXT,
            "quantize": QUANTIZE,
            "target_fpr": TARGET_FPR,
            "target_miss": TARGET_MISS,
        },
    }
    (out / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    test_rows = [row for documents in splits[TEST].values() for row, _, _ in documents]
    report = evaluate_rows(MTDetector(out), test_rows) if test_rows else None
    write_card(out, card.render(config, report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
