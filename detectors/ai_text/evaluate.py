"""``provmix eval ai``: AUROC, TPR at 1% / 5% FPR and accuracy at the shipped threshold, overall and per
source / generator / domain / language / variant. Abstained rows are counted, never scored.

With ``--protocols`` it runs the generalisation protocols instead (see :mod:`detectors.ai_text.protocols`).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.ai_text.fit import AI_LABEL_VALUE, default_data_files, labels, load_rows
from provmix.detectors.base import Detector
from provmix.detectors.metrics import summary
from provmix.detectors.registry import load_detector

BREAKDOWNS = ("source", "generator", "domain", "lang", "variant")
HUMAN_LABEL_VALUE = "human"


def score_rows(detector: Detector, rows: Sequence[dict], batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(probability, abstain) for every row, scored in batches."""
    probability, abstain = [], []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        scores = detector.score([r["text"] for r in batch], [r.get("lang") for r in batch])
        probability.append(scores.probability)
        abstain.append(scores.abstain)
    if not rows:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate(probability), np.concatenate(abstain)


def _metrics(y: np.ndarray, p: np.ndarray, abstain: np.ndarray, threshold: float | None) -> dict:
    """:func:`detectors.metrics.summary` over the scored rows (NaN → None for JSON), plus abstain counts."""
    scored = ~abstain
    metrics = summary(y[scored], p[scored], threshold)
    metrics = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in metrics.items()}
    return {**metrics, "abstained": int(abstain.sum()), "rows": int(len(y))}


def breakdown(rows: Sequence[dict], y: np.ndarray, p: np.ndarray, abstain: np.ndarray, field: str,
              threshold: float | None) -> dict:
    """Metrics per value of ``field`` over the AI rows with that value against the human rows with it, or
    against all human rows when no human row carries the value (e.g. ``generator``)."""
    values = np.array([str(r.get(field) or "unspecified") for r in rows])
    human = y == 0
    out = {}
    for value in sorted(set(values[y == 1])):
        same = values == value
        negatives = human & same if (human & same).any() else human
        mask = (same & (y == 1)) | negatives
        out[value] = {**_metrics(y[mask], p[mask], abstain[mask], threshold),
                      "negatives": "same" if (human & same).any() else "all_human"}
    return out


def evaluate_rows(detector: Detector, rows: Sequence[dict], batch_size: int = 512) -> dict:
    """The full report for ``rows`` (human and ai rows only; other labels are counted and skipped)."""
    kept = [r for r in rows if r["label"] in (HUMAN_LABEL_VALUE, AI_LABEL_VALUE)]
    y = labels(kept)
    p, abstain = score_rows(detector, kept, batch_size)
    threshold = detector.info.threshold
    return {
        "detector": detector.info.as_dict(),
        "skipped_other_labels": len(rows) - len(kept),
        "overall": _metrics(y, p, abstain, threshold),
        **{f"by_{field}": breakdown(kept, y, p, abstain, field, threshold) for field in BREAKDOWNS},
    }


def format_metric(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def metrics_row(name: str, m: dict) -> str:
    return (f"| {name} | {m['n']} | {m['abstained']} | {format_metric(m['auroc'])} | {format_metric(m['tpr_at_1pct_fpr'])} | "
            f"{format_metric(m['tpr_at_5pct_fpr'])} | {format_metric(m.get('accuracy_at_threshold'))} |")


TABLE_HEADER = "| slice | scored | abstained | AUROC | TPR@1%FPR | TPR@5%FPR | acc@threshold |\n|---|---|---|---|---|---|---|"


def format_report(report: dict) -> str:
    """A Markdown table: overall, then one row per breakdown value."""
    lines = [TABLE_HEADER, metrics_row("overall", report["overall"])]
    for field in BREAKDOWNS:
        for value, m in report[f"by_{field}"].items():
            lines.append(metrics_row(f"{field}={value}", m))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="provmix eval ai", description=__doc__)
    parser.add_argument("--data", nargs="+", type=Path, help="labelled JSONL(.gz) files (default: the shared set)")
    parser.add_argument("--detector", default="ai-default", help="detector spec (ai-default, ai-default:DIR, ...)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--protocols", action="store_true", help="run the generalisation protocols instead")
    parser.add_argument("--seed", type=int, default=0, help="split seed (protocols only)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel protocol fits (protocols only)")
    args = parser.parse_args(argv)
    paths = args.data or default_data_files()
    if not paths:
        parser.error("no data files given and none found in the default data folder")
    rows = load_rows(paths)
    if args.protocols:
        from provmix.detectors.ai_text.fit import TrainConfig
        from provmix.detectors.ai_text.protocols import format_protocols, run_protocols

        report = {"protocols": run_protocols(rows, TrainConfig(seed=args.seed), jobs=args.jobs)}
        print(format_protocols(report["protocols"]))
    else:
        report = evaluate_rows(load_detector(args.detector), rows, args.batch_size)
        print(format_report(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
