"""``provmix train ai``: train, calibrate and write the default AI-text model with its model card.

Data: the labelled JSONL files given with ``--data``, else every ``*.jsonl.gz`` in ``$PROVMIX_AI_DATA`` or
``../shared/data/ai-text`` next to the repository. Split: train/dev by ``group_id`` (dev 20%, never used for
fitting); inside train, a further 20% of groups calibrates the probabilities and picks the 1%-FPR threshold.
Same data + same seed → byte-identical model files.
"""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import replace
from pathlib import Path

from provmix.detectors.ai_text.default import MODEL_DIR, build_detector
from provmix.detectors.ai_text.evaluate import evaluate_rows, format_report
from provmix.detectors.ai_text.fit import DATA_ENV, TrainConfig, default_data_files, fit_models, load_rows
from provmix.detectors.ai_text.model_card import write_model_card
from provmix.detectors.ai_text.stacked import VARIANTS
from provmix.detectors.data import split_by_group

MODEL_VERSION = "1.0.0"
DEV_FRACTION = 0.2
def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="provmix train ai", description=__doc__)
    parser.add_argument("--data", nargs="+", type=Path, help=f"labelled JSONL(.gz) files (default: ${DATA_ENV})")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model folder (default: the shipped one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=[v for v in VARIANTS if v != "length"], default="stacked")
    parser.add_argument("--min-chars", type=int, default=TrainConfig.min_chars)
    args = parser.parse_args(argv)
    paths = args.data or default_data_files()
    if not paths:
        parser.error("no data files given and none found in the default data folder")
    config = TrainConfig(seed=args.seed, variant=args.variant, min_chars=args.min_chars)
    rows = load_rows(paths)
    train, dev = split_by_group(rows, DEV_FRACTION, seed=config.seed)
    model = fit_models(train, config, [config.variant])[config.variant]
    data = [{"file": p.name, "sha256": sha256_file(p)} for p in paths]
    model = replace(model, metadata={"version": MODEL_VERSION, "min_chars": config.min_chars, "config": config.as_dict(),
                                     "data": data})
    digests = model.save(args.out)
    report = evaluate_rows(build_detector(model, config.min_chars), dev)
    write_model_card(args.out, model, digests, report, train_rows=len(train), dev_fraction=DEV_FRACTION)
    print(format_report(report))
    print(f"wrote {args.out}: " + ", ".join(f"{name} sha256={digest}" for name, digest in digests.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
