"""``provmix train ai``: train, calibrate and write the default AI-text model with its model card.

Data: the labelled JSONL files given with ``--data``, else every ``*.jsonl.gz`` in ``$PROVMIX_AI_DATA`` or
``../shared/data/{ai-text,human-web}`` next to the repository, shaped by :mod:`detectors.training.ai_text.corpus`
(English rows, per-source caps and weights, calibration-only and evaluation-only sources). Split: train/dev by
``group_id`` (dev 20%, never used for fitting); inside train, a further 20% of groups plus the calibration-only
sources calibrate the probabilities and pick the threshold. Same data + same seed → byte-identical model files.
"""
from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from pathlib import Path

from provmix.detectors.ai_text.default import MODEL_DIR, build_detector
from provmix.detectors.ai_text.stacked import VARIANTS
from provmix.detectors.artifacts import file_sha256
from provmix.detectors.evaluation.ai_text import evaluate_rows, format_report
from provmix.detectors.training.ai_text.card import write_model_card
from provmix.detectors.training.ai_text.corpus import (
    CALIBRATION,
    DEV_FRACTION,
    EVALUATION,
    TRAIN,
    CorpusConfig,
    load_corpus,
    with_role,
)
from provmix.detectors.training.ai_text.fit import DATA_ENV, TrainConfig, default_data_files, fit_models
from provmix.detectors.training.ai_text.seen import HASH_FILE, write_hashes
from provmix.detectors.training.data import split_by_group

MODEL_VERSION = "2.1.0"


def source_table(train: list[dict], dev: list[dict], calibration: list[dict], evaluation: list[dict]) -> dict:
    """Per source: rows by role and the fit weight (what the model card reports)."""
    table: dict[str, dict] = {}
    for name, rows in (("train", train), ("dev", dev), (CALIBRATION, calibration), (EVALUATION, evaluation)):
        for source, n in sorted(Counter(r["source"] for r in rows).items()):
            table.setdefault(source, {"train": 0, "dev": 0, CALIBRATION: 0, EVALUATION: 0})[name] = n
    for row in train:
        table[row["source"]]["weight"] = max(table[row["source"]].get("weight", 0), row.get("weight", 1))
    return dict(sorted(table.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="provmix train ai", description=__doc__)
    parser.add_argument("--data", nargs="+", type=Path, help=f"labelled JSONL(.gz) files (default: ${DATA_ENV})")
    parser.add_argument("--out", type=Path, required=True, help=f"model folder to write (the shipped one is {MODEL_DIR})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=[v for v in VARIANTS if v != "length"], default="stacked")
    parser.add_argument("--min-chars", type=int, default=TrainConfig.min_chars)
    parser.add_argument("--cap-rows", type=int, default=CorpusConfig.cap_rows, help="rows kept per source")
    args = parser.parse_args(argv)
    paths = args.data or default_data_files()
    if not paths:
        parser.error("no data files given and none found in the default data folder")
    config = TrainConfig(seed=args.seed, variant=args.variant, min_chars=args.min_chars)
    corpus = CorpusConfig(cap_rows=args.cap_rows, seed=args.seed)
    rows = load_corpus(paths, corpus)
    train, dev = split_by_group(with_role(rows, TRAIN), DEV_FRACTION, seed=config.seed)
    calibration, evaluation = with_role(rows, CALIBRATION), with_role(rows, EVALUATION)
    model = fit_models(train, config, [config.variant], calibration)[config.variant]
    args.out.mkdir(parents=True, exist_ok=True)
    hashes = write_hashes(args.out, [r["text"] for r in train + calibration])
    data = [{"file": p.name, "sha256": file_sha256(p)} for p in paths]
    model = replace(model, metadata={
        "version": MODEL_VERSION, "min_chars": config.min_chars, "config": config.as_dict(),
        "corpus": corpus.as_dict(), "data": data, "sources": source_table(train, dev, calibration, evaluation),
        "training_texts": {"file": HASH_FILE, "sha256": file_sha256(hashes)},
    })
    digests = model.save(args.out)
    report = evaluate_rows(build_detector(model, config.min_chars), dev + evaluation)
    write_model_card(args.out, model, digests, report, train_rows=len(train), dev_fraction=DEV_FRACTION)
    print(format_report(report))
    print(f"wrote {args.out}: " + ", ".join(f"{name} sha256={digest}" for name, digest in digests.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
