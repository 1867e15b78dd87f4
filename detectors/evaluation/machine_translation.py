"""``provmix eval mt``: score labelled files with any MT detector spec and report metrics.

Per language: human vs mt and human_translation vs mt (AUROC, TPR at 1%/5% FPR, accuracy at the language's
shipped threshold), the false-positive rate on originals (human and LLM text) and the TPR at the threshold,
coverage (share not abstained) and a length-only baseline (AUROC of the character count, best orientation — a
detector near it has learnt length). Per source of originals (``source/lang/label``): share flagged at the
threshold. Per MT system and per MT source (``source/pair/domain``): share flagged at the threshold and AUROC
against the human originals of the same languages. Rows can be limited to one split (``--split test``, the
roles of ``provmix train mt`` with its seed and fractions) and MT rows to some systems (``--systems``);
sentence-level sources can be scored as runs of K sentences (``--join-sentences K``: lengths comparable to
documents). Rows whose text the detector's directory records as trained or calibrated on
(:mod:`detectors.training.machine_translation.seen`) are counted (``training_overlap``) with a warning on stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from provmix.detectors.base import Detector
from provmix.detectors.evaluation.metrics import auroc, summary
from provmix.detectors.machine_translation.text import clean_text
from provmix.detectors.registry import load_detector
from provmix.detectors.training.machine_translation.corpus import (
    DEV, HUMAN, HUMAN_TRANSLATION, MT, ORIGINALS, TEST, TRAIN, read_rows, role_of,
)
from provmix.detectors.training.machine_translation.seen import overlap, read_seen

BATCH = 2048
DEV_FRACTION, TEST_FRACTION, SEED = 0.15, 0.15, 0  # the defaults of ``provmix train mt``
SENTENCE_SOURCES = frozenset({"lingua-sentences", "mlqe-pe"})  # one sentence a row
HUMAN_MAX = 0.2  # the label stage's label.human_max_p_mt, for a language without a shipped human threshold


def score_rows(detector: Detector, rows: Sequence[dict]) -> np.ndarray:
    """p_mt per row (NaN where the detector abstained), scored in batches like the pipeline does."""
    out = np.full(len(rows), np.nan)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        out[start : start + len(batch)] = detector.score([r["text"] for r in batch], [r["lang"] for r in batch]).probability
    return out


def _task(labels: np.ndarray, p: np.ndarray, lengths: np.ndarray, negative: str, threshold: float | None) -> dict | None:
    selected = ((labels == negative) | (labels == MT)) & ~np.isnan(p)
    y = labels[selected] == MT
    if y.all() or not y.any():
        return None
    length = auroc(y, lengths[selected])
    return {**summary(y, p[selected], threshold), "length_only_auroc": max(length, 1 - length)}


def evaluate_rows(detector: Detector, rows: Sequence[dict]) -> dict:
    """The metrics report (per language, per source, per system) for labelled rows."""
    p = score_rows(detector, rows)
    labels = np.array([r["label"] for r in rows])
    langs = np.array([r["lang"] for r in rows])
    lengths = np.array([len(r["text"]) for r in rows], dtype=np.float64)
    thresholds = np.array([detector.threshold(lang) or np.nan for lang in langs])
    report: dict = {"detector": detector.info.as_dict(), "n": len(rows), "languages": {}, "systems": {}}
    for lang in sorted(set(langs)):
        here = langs == lang
        entry = {"n": int(here.sum()), "coverage": float(np.mean(~np.isnan(p[here])))}
        for negative in (HUMAN, HUMAN_TRANSLATION):
            result = _task(labels[here], p[here], lengths[here], negative, detector.threshold(lang))
            if result:
                entry[f"{negative}_vs_mt"] = result
        entry.update(_at_threshold(labels[here], p[here], thresholds[here]))
        report["languages"][lang] = entry
    human_scored = (labels == HUMAN) & ~np.isnan(p)
    report["systems"] = _mt_groups(rows, p, langs, thresholds, human_scored, lambda r: r.get("generator") or "unknown")
    report["sources"] = _mt_groups(rows, p, langs, thresholds, human_scored, _source)
    human = np.array([detector.human_threshold(lang) or HUMAN_MAX for lang in langs])
    report["originals"] = _originals(rows, p, thresholds, human)
    return report


def _at_threshold(labels: np.ndarray, p: np.ndarray, thresholds: np.ndarray) -> dict:
    """False-positive rate on scored originals and TPR on scored MT at the language's threshold."""
    scored = ~np.isnan(p) & ~np.isnan(thresholds)
    flagged = scored & (p >= thresholds)
    out = {}
    for name, selected in (("fpr_originals", np.isin(labels, ORIGINALS)), ("tpr", labels == MT)):
        n = int((selected & scored).sum())
        out[f"{name}_at_threshold"] = float((selected & flagged).sum() / n) if n else None
        out[f"{name}_scored"] = n
    return out


def _source(row: dict) -> str:
    """The MT row's source, language pair and domain, e.g. ``wmt23/ru-en/reviews``."""
    return f"{row.get('source') or 'unknown'}/{row.get('pair') or 'unknown'}/{row.get('domain') or 'unknown'}"


def _originals(rows: Sequence[dict], p: np.ndarray, thresholds: np.ndarray, human: np.ndarray) -> dict:
    """Per ``source/lang/label`` of originals (human and LLM text): rows, scored rows, share flagged at the
    threshold (labelled mt) and share at or below the language's human threshold (cleared: what the label stage
    may call human)."""
    groups = defaultdict(list)
    for i, row in enumerate(rows):
        if row["label"] in ORIGINALS:
            groups[f"{row.get('source') or 'unknown'}/{row['lang']}/{row['label']}"].append(i)
    out = {}
    for name, idx in sorted(groups.items()):
        scored = [i for i in idx if not np.isnan(p[i]) and not np.isnan(thresholds[i])]
        out[name] = {
            "n": len(idx),
            "scored": len(scored),
            "flagged_at_threshold": float(np.mean(p[scored] >= thresholds[scored])) if scored else None,
            "cleared_at_human_threshold": float(np.mean(p[scored] <= human[scored])) if scored else None,
        }
    return out


def _mt_groups(rows: Sequence[dict], p: np.ndarray, langs: np.ndarray, thresholds: np.ndarray,
               human_scored: np.ndarray, key: Callable[[dict], str]) -> dict:
    """Per group of scored MT rows (by ``key``): share flagged at the threshold and AUROC against the scored
    human originals of the group's languages."""
    groups = defaultdict(list)
    for i, row in enumerate(rows):
        if row["label"] == MT and not np.isnan(p[i]):
            groups[key(row)].append(i)
    out = {}
    for name, idx in sorted(groups.items()):
        negatives = human_scored & np.isin(langs, list(set(langs[idx])))
        y = np.concatenate([np.ones(len(idx)), np.zeros(int(negatives.sum()))])
        out[name] = {
            "n": len(idx),
            "languages": sorted(set(langs[idx])),
            "flagged_at_threshold": float(np.mean(p[idx] >= thresholds[idx])),
            "auroc_vs_human": auroc(y, np.concatenate([p[idx], p[negatives]])),
        }
    return out


def select_rows(rows: Sequence[dict], split: str, systems: set[str] | None, seed: int) -> list[dict]:
    """Rows of one split (``all`` keeps every row); MT rows only from ``systems`` when given."""
    keep = []
    for row in rows:
        if split != "all" and role_of(row, DEV_FRACTION, TEST_FRACTION, seed) != split:
            continue
        if systems and row["label"] == MT and row.get("generator") not in systems:
            continue
        keep.append(row)
    return keep


def join_sentences(rows: Sequence[dict], k: int) -> list[dict]:
    """Rows of :data:`SENTENCE_SOURCES` joined, in order, into runs of ``k`` sentences of the same source,
    language, label and variant (a tail shorter than ``k`` is dropped); other rows unchanged."""
    runs: dict[tuple, list[dict]] = defaultdict(list)
    out = []
    for row in rows:
        if row.get("source") not in SENTENCE_SOURCES:
            out.append(row)
            continue
        run = runs[(row["source"], row["lang"], row["label"], row.get("variant"))]
        run.append(row)
        if len(run) == k:
            out.append({**run[0], "text": " ".join(r["text"] for r in run), "group_id": "+".join(str(r["group_id"]) for r in run)})
            run.clear()
    return out


def training_overlap(detector: Detector, rows: Sequence[dict]) -> dict | None:
    """Rows whose cleaned text the detector's directory records as seen in training or calibration."""
    seen = read_seen(Path(detector.info.path)) if detector.info.path else None
    if seen is None:
        return None
    hit = overlap(seen, (clean_text(r["text"]) for r in rows))
    return {"rows": int(hit.sum()), "share": float(hit.mean()) if len(hit) else 0.0}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="provmix eval mt", description=__doc__.split("\n")[0])
    parser.add_argument("--data", action="append", required=True, help="labelled JSONL(.gz); repeatable")
    parser.add_argument("--detector", default="mt-default", help="detector spec (default: mt-default)")
    parser.add_argument("--out", help="write the JSON report here (default: stdout)")
    parser.add_argument("--split", choices=("all", TRAIN, DEV, TEST), default="all", help="group_id split to keep")
    parser.add_argument("--seed", type=int, default=SEED, help="split seed used at training time")
    parser.add_argument("--systems", help="comma-separated MT systems: keep MT rows of these only")
    parser.add_argument("--min-chars", type=int, help="override the detector's min_chars")
    parser.add_argument("--join-sentences", type=int, default=1, help="score sentence sources as runs of K sentences")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    options = {"min_chars": args.min_chars} if args.min_chars is not None else {}
    detector = load_detector(args.detector, **options)
    systems = set(args.systems.split(",")) if args.systems else None
    rows = select_rows(list(read_rows(args.data)), args.split, systems, args.seed)
    seen = training_overlap(detector, rows)
    if seen and seen["rows"]:
        print(f"warning: {seen['rows']} of {len(rows)} rows were trained or calibrated on by {args.detector}", file=sys.stderr)
    report = evaluate_rows(detector, join_sentences(rows, args.join_sentences) if args.join_sentences > 1 else rows)
    report["training_overlap"] = seen
    text = json.dumps(report, indent=2, sort_keys=True, default=float)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
