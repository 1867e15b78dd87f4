"""``provmix eval ai``: AUROC, TPR at 1% / 5% FPR and accuracy at the shipped threshold, overall and per
source / generator / domain / language / variant. Abstained rows are counted, never scored.

With ``--protocols`` it runs the generalisation protocols instead (see :mod:`detectors.evaluation.protocols`).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.base import Detector
from provmix.detectors.evaluation.metrics import auroc, summary
from provmix.detectors.registry import load_detector
from provmix.detectors.training.ai_text.corpus import ROLES, CorpusConfig, load_corpus, with_role
from provmix.detectors.training.ai_text.fit import AI_LABEL_VALUE, default_data_files, labels, load_rows
from provmix.detectors.training.ai_text.seen import overlap

BREAKDOWNS = ("source", "generator", "domain", "lang", "variant")
HUMAN_LABEL_VALUE = "human"
LENGTH_BINS = 10
HUMAN_MAX = 0.2  # the label stage's label.human_max_p_ai, for a detector without a shipped human threshold


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
    """:func:`detectors.evaluation.metrics.summary` over the scored rows (NaN → None for JSON), plus abstain counts."""
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


def human_fpr_by_source(rows: Sequence[dict], y: np.ndarray, p: np.ndarray, abstain: np.ndarray,
                        threshold: float | None, human_max: float = HUMAN_MAX) -> dict:
    """Per source, the share of its scored human texts at or above the detector's threshold (labelled ai), and
    the share at or below ``human_max`` (cleared: what the label stage may call human)."""
    sources = np.array([r["source"] for r in rows])
    out = {}
    for source in sorted(set(sources[y == 0])):
        mask = (sources == source) & (y == 0)
        scored = mask & ~abstain
        flagged = int((p[scored] >= threshold).sum()) if threshold is not None else None
        cleared = int((p[scored] <= human_max).sum())
        out[source] = {"human": int(mask.sum()), "scored": int(scored.sum()), "abstained": int((mask & abstain).sum()),
                       "false_positives": flagged,
                       "fpr": flagged / int(scored.sum()) if flagged is not None and scored.any() else None,
                       "cleared": cleared, "cleared_rate": cleared / int(scored.sum()) if scored.any() else None}
    return out


def length_matched_auroc(rows: Sequence[dict], y: np.ndarray, p: np.ndarray, abstain: np.ndarray,
                         seed: int = 0) -> dict:
    """AUROC after equalising the label mix within each length decile (rows drawn with a seeded shuffle):
    what is left when length cannot separate the labels."""
    scored = np.flatnonzero(~abstain)
    if len(scored) == 0:
        return {"n": 0, "auroc": None}
    length = np.log1p([len(rows[i]["text"]) for i in scored])
    edges = np.quantile(length, np.linspace(0, 1, LENGTH_BINS + 1)[1:-1])
    bins = np.searchsorted(edges, length, side="right")
    order = np.random.default_rng(seed).permutation(len(scored))
    keep = []
    for b in range(LENGTH_BINS):
        members = order[bins[order] == b]
        ai, human = members[y[scored[members]] == 1], members[y[scored[members]] == 0]
        k = min(len(ai), len(human))
        keep += [*ai[:k], *human[:k]]
    idx = scored[np.sort(np.array(keep, dtype=np.int64))]
    value = auroc(y[idx], p[idx])
    return {"n": int(len(idx)), "auroc": None if math.isnan(value) else value}


def evaluate_rows(detector: Detector, rows: Sequence[dict], batch_size: int = 512) -> dict:
    """The full report for ``rows`` (human and ai rows only; other labels are counted and skipped)."""
    kept = [r for r in rows if r["label"] in (HUMAN_LABEL_VALUE, AI_LABEL_VALUE)]
    y = labels(kept)
    p, abstain = score_rows(detector, kept, batch_size)
    threshold = detector.info.threshold
    return {
        "detector": detector.info.as_dict(),
        "skipped_other_labels": len(rows) - len(kept),
        "training_overlap": overlap(detector.info.path, [r["text"] for r in kept]),
        "overall": _metrics(y, p, abstain, threshold),
        "length_matched": length_matched_auroc(kept, y, p, abstain),
        "human_fpr_by_source": human_fpr_by_source(kept, y, p, abstain, threshold,
                                                   detector.info.human_threshold or HUMAN_MAX),
        **{f"by_{field}": breakdown(kept, y, p, abstain, field, threshold) for field in BREAKDOWNS},
    }


def overlap_warning(report: dict) -> str | None:
    """One line for stderr when the evaluation rows include texts the model was trained on."""
    seen = report.get("training_overlap")
    if not seen or not seen["rows"]:
        return None
    return (f"warning: {seen['rows']} of {seen['of']} evaluation rows ({seen['fraction']:.1%}) are in the model's "
            f"training data ({seen['file']}); these numbers are not held out")


def format_metric(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def metrics_row(name: str, m: dict) -> str:
    return (f"| {name} | {m['n']} | {m['abstained']} | {format_metric(m['auroc'])} | {format_metric(m['tpr_at_1pct_fpr'])} | "
            f"{format_metric(m['tpr_at_5pct_fpr'])} | {format_metric(m.get('accuracy_at_threshold'))} |")


TABLE_HEADER = "| slice | scored | abstained | AUROC | TPR@1%FPR | TPR@5%FPR | acc@threshold |\n|---|---|---|---|---|---|---|"


FPR_HEADER = ("| human source | human | scored | abstained | flagged at threshold | FPR | cleared (p <= human threshold) |"
              "\n|---|---|---|---|---|---|---|")


def format_report(report: dict) -> str:
    """Markdown tables: overall, one row per breakdown value; the length-matched AUROC; human FPR per source."""
    lines = [TABLE_HEADER, metrics_row("overall", report["overall"])]
    for field in BREAKDOWNS:
        for value, m in report[f"by_{field}"].items():
            lines.append(metrics_row(f"{field}={value}", m))
    matched = report["length_matched"]
    lines += ["", f"Length-matched AUROC (label mix equalised per length decile): {format_metric(matched['auroc'])} "
                  f"over {matched['n']} rows", "", FPR_HEADER]
    for source, m in report["human_fpr_by_source"].items():
        lines.append(f"| {source} | {m['human']} | {m['scored']} | {m['abstained']} | {m['false_positives']} | "
                     f"{format_metric(m['fpr'])} | {format_metric(m['cleared_rate'])} |")
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
    parser.add_argument("--cap-rows", type=int, default=CorpusConfig.cap_rows,
                        help="rows kept per source, whole groups (protocols only)")
    parser.add_argument("--variants", nargs="+", default=["stacked", "fasttext", "features", "length"],
                        help="model variants each protocol fits (protocols only)")
    parser.add_argument("--only", nargs="+", help="run only the protocols whose name starts with one of these")
    parser.add_argument("--role", choices=ROLES, help="score only the corpus rows of this role (e.g. evaluation: "
                        "the sources and genres the shipped model never fitted nor calibrated on)")
    args = parser.parse_args(argv)
    paths = args.data or default_data_files()
    if not paths:
        parser.error("no data files given and none found in the default data folder")
    if args.protocols:
        from provmix.detectors.evaluation.protocols import format_protocols, run_protocols
        from provmix.detectors.training.ai_text.fit import TrainConfig

        rows = load_corpus(paths, CorpusConfig(cap_rows=args.cap_rows, seed=args.seed))
        report = {"protocols": run_protocols(rows, TrainConfig(seed=args.seed), args.jobs, args.variants, args.only or ())}
        print(format_protocols(report["protocols"]))
    else:
        rows = with_role(load_corpus(paths), args.role) if args.role else load_rows(paths)
        report = evaluate_rows(load_detector(args.detector), rows, args.batch_size)
        print(format_report(report))
        warning = overlap_warning(report)
        if warning:
            print(warning, file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
