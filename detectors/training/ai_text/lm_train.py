"""Train and evaluate ai-lm's head: ``python -m provmix.detectors.training.ai_text.lm_train --out DIR``.

1. Sample (:mod:`detectors.training.ai_text.lm_data`), extract LM features once into ``--cache``.
2. ``--report FILE``: the protocols (leave one generator family out: :func:`generator_splits`; leave one source
   out, as in :mod:`detectors.evaluation.protocols`) for each head variant and the baselines, with the
   false-positive rate on held-out human web sources and TOEFL essays at the fold's own 1%-FPR threshold.
3. Fit the shipped head on the whole sample except the TOEFL essays (kept out so their false-positive rate is a
   held-out number): logistic on 80% of groups, Platt calibration and the 1%-FPR threshold on the other 20%.

Deterministic for a given ``--seed`` (seeded sampling, hashed group splits, Newton-fitted logistic).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from provmix.detectors.ai_text.cascade import DEFAULT_BAND
from provmix.detectors.ai_text.lm import FEATURE_NAMES, load_language_model
from provmix.detectors.ai_text.lm_detector import (
    CHARS_PER_TOKEN,
    DEFAULT_MIN_TOKENS,
    MODEL_JSON,
    STYLE_CHARS,
    LMHead,
    head_inputs,
)
from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.evaluation.metrics import summary, threshold_at_fpr
from provmix.detectors.evaluation.protocols import generator_family, mean_rows, protocol_splits
from provmix.detectors.registry import load_detector
from provmix.detectors.training.ai_text.fit import labels
from provmix.detectors.training.ai_text.lm_data import cached_features, default_files, load_sample
from provmix.detectors.training.data import split_by_group
from provmix.detectors.training.model_card import config_block, write_card

NON_NATIVE_DOMAIN = "essay_toefl_nonnative"
MIN_FAMILY_TEXTS = 10
VERSION = "1"


@dataclass(frozen=True)
class LMTrainConfig:
    seed: int = 0
    per_label: int = 60
    max_tokens: int = 128
    min_chars: int = 200
    min_tokens: int = DEFAULT_MIN_TOKENS
    l2: float = 1.0
    calibration_fraction: float = 0.2
    target_fpr: float = 0.01


def fit_head(variant: str, rows: Sequence[dict], inputs: np.ndarray, config: LMTrainConfig) -> LMHead:
    """Logistic on one part of the groups; Platt and the target-FPR threshold on the rest."""
    index = {id(r): i for i, r in enumerate(rows)}
    fit_rows, calibration_rows = split_by_group(rows, config.calibration_fraction, seed=config.seed + 1)
    fit_x = inputs[[index[id(r)] for r in fit_rows]]
    calibration_x = inputs[[index[id(r)] for r in calibration_rows]]
    logistic = LogisticModel.fit(fit_x, labels(fit_rows), l2=config.l2)
    calibration_y = labels(calibration_rows)
    calibration = PlattCalibration.fit(logistic.predict(calibration_x), calibration_y)
    head = LMHead(variant, logistic, calibration)
    threshold = threshold_at_fpr(calibration_y, head.probability(calibration_x), config.target_fpr)
    return LMHead(variant, logistic, calibration, threshold)


def usable(rows: Sequence[dict], lm_features: np.ndarray, tokens: np.ndarray, min_tokens: int) -> np.ndarray:
    return (tokens >= min_tokens) & ~np.isnan(lm_features).any(axis=1)


def experiment_inputs(rows: Sequence[dict], lm_features: np.ndarray) -> dict[str, np.ndarray]:
    """Input matrices of the head variants and the baselines (stylometry alone, length alone)."""
    texts = [r["text"] for r in rows]
    with_style = head_inputs("lm+style", texts, lm_features)
    return {
        "lm": lm_features,
        "lm+style": with_style,
        "style": with_style[:, lm_features.shape[1]:],
        "length": np.log1p([[len(t)] for t in texts]),
    }


def fold_report(y: np.ndarray, p: np.ndarray, threshold: float, rows: Sequence[dict]) -> dict:
    """Metrics over one test set, plus the false-positive rate per human source at ``threshold``."""
    out = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in summary(y, p, threshold).items()}
    out["abstained"] = 0  # the sample holds only rows ai-lm scores
    for source in sorted({r["source"] for r, label in zip(rows, y) if not label}):
        human = np.array([r["source"] == source and not label for r, label in zip(rows, y)])
        out.setdefault("human_fpr", {})[source] = {"n": int(human.sum()), "fpr": float((p[human] >= threshold).mean())}
    toefl = np.array([r.get("domain") == NON_NATIVE_DOMAIN and not label for r, label in zip(rows, y)])
    if toefl.any():
        out["toefl_fpr"] = {"n": int(toefl.sum()), "fpr": float((p[toefl] >= threshold).mean())}
    return out


def cascade_probability(fast: np.ndarray, slow: np.ndarray, band: tuple[float, float]) -> tuple[np.ndarray, float]:
    """(the cascade's probability, share re-scored): ``slow`` replaces ``fast`` inside ``band``."""
    inside = (fast >= band[0]) & (fast <= band[1])
    return np.where(inside, slow, fast), float(inside.mean()) if len(fast) else 0.0


def generator_splits(rows: Sequence[dict], min_ai: int) -> Iterator[tuple[str, list[dict], list[dict]]]:
    """Leave one generator family out: test on its texts and the human texts of the sources it appears in
    (both kept out of training); families with fewer than ``min_ai`` texts in the sample are skipped."""
    families: dict[str, list[dict]] = {}
    for r in rows:
        if r["label"] == "ai":
            families.setdefault(generator_family(r.get("generator")) or "unspecified", []).append(r)
    for family, texts in sorted(families.items()):
        if len(texts) < min_ai:
            continue
        sources = {r["source"] for r in texts}
        test = [r for r in rows if r["label"] == "human" and r["source"] in sources] + texts
        held = {id(r) for r in test}
        yield f"leave_out_generator={family}", [r for r in rows if id(r) not in held], test


def run_protocols(rows: list[dict], inputs: dict[str, np.ndarray], config: LMTrainConfig, fast: np.ndarray,
                  fast_threshold: float, slow_variant: str, band: tuple[float, float]) -> list[dict]:
    """Every protocol fold: each input variant refitted, the fast detector as shipped (``default``; it may have
    seen these sources), and the cascade of the fast detector and ``slow_variant``."""
    index = {id(r): i for i, r in enumerate(rows)}
    results = []
    sources = [s for s in protocol_splits(rows, config.seed) if s[0].startswith("leave_out_source=")]
    for name, train, test in [*generator_splits(rows, MIN_FAMILY_TEXTS), *sources]:
        train_i, test_i = [index[id(r)] for r in train], [index[id(r)] for r in test]
        y = labels(test)

        def add(variant: str, p: np.ndarray, threshold: float, **extra: object) -> None:
            report = {**fold_report(y, p, threshold, test), **extra}
            results.append({"protocol": name, "variant": variant, "train_rows": len(train),
                            "report": {"overall": report}})

        for variant, x in inputs.items():
            head = fit_head(variant, train, x[train_i], config)
            add(variant, head.probability(x[test_i]), head.threshold)
            if variant == slow_variant:
                p, share = cascade_probability(fast[test_i], head.probability(x[test_i]), band)
                add(f"cascade:default,{variant}", p, head.threshold, rescored_share=share)
        add("default", fast[test_i], fast_threshold)
    return results + mean_rows([r for r in results if r["report"]["overall"]["auroc"] is not None])


def format_results(results: list[dict]) -> str:
    lines = ["| protocol | variant | n | AUROC | TPR@1%FPR | FPR@threshold |", "|---|---|---|---|---|---|"]
    for r in results:
        m = r["report"]["overall"]
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        fpr = m.get("human_fpr")
        fpr_text = ", ".join(f"{s} {v['fpr']:.3f} ({v['n']})" for s, v in fpr.items()) if fpr else "-"
        share = f" (re-scored {m['rescored_share']:.0%})" if "rescored_share" in m else ""
        lines.append(f"| {r['protocol']} | {r['variant']}{share} | {m['n']} | {fmt(m.get('auroc'))} | "
                     f"{fmt(m.get('tpr_at_1pct_fpr'))} | {fpr_text} |")
    return "\n".join(lines)


def write_model_card(folder: Path, head: LMHead, train_rows: Sequence[dict], config: LMTrainConfig,
                     lm_name: str) -> None:
    sources = sorted({r["source"] for r in train_rows})
    counts = {s: {label: sum(1 for r in train_rows if r["source"] == s and r["label"] == label)
                  for label in ("human", "ai")} for s in sources}
    data = "\n".join(f"- `{s}`: {c['human']} human, {c['ai']} AI" for s, c in counts.items())
    text = f"""# ai-lm {VERSION}

A logistic head (variant `{head.variant}`) on the likelihood features of `{lm_name}`
(sha256 `{head.metadata['lm_sha256']}`, checked on load), Platt-calibrated.
Features over at most {config.max_tokens} tokens: {', '.join(head.metadata['lm_features'])}.

## Use
`load_detector("ai-lm").score(texts, langs)`: English only; abstains below {config.min_chars} normalised characters
or {config.min_tokens} scored tokens. Threshold for 1% FPR on the calibration split: `{head.threshold:.6f}`.

## Data
A seeded sample of up to {config.per_label} scorable rows per (source, label), split by `group_id`; TOEFL essays
(`{NON_NATIVE_DOMAIN}`) are kept out so their false-positive rate is held out. {len(train_rows)} rows:
{data}

## Configuration
{config_block(asdict(config))}

## Reproduce
`python -m provmix.detectors.training.ai_text.lm_train --seed {config.seed} --per-label {config.per_label} --max-tokens
{config.max_tokens} --out DIR` (features cached with `--cache`). Metrics: `docs/ai-detector.md`, section "ai-lm".

## Limitations
A 135M-parameter scorer: weak on LLM polish / rewrites of human text; English only; about one document per
CPU-second, so on CPU it is meant for the `ai-cascade`'s uncertain band.
"""
    write_card(folder, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.training.ai_text.lm_train", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="head folder to write")
    parser.add_argument("--data", nargs="+", type=Path, help="labelled JSONL(.gz) files (default: shared data)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/provmix-ai-lm-features.jsonl"))
    parser.add_argument("--report", type=Path, help="run the protocols and write their JSON here")
    parser.add_argument("--model", help="LM folder or .gguf (default: the bundled SmolLM2)")
    parser.add_argument("--variant", default="lm+style", choices=("lm", "lm+style"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--band-low", type=float, default=DEFAULT_BAND[0], help="cascade band (report only)")
    parser.add_argument("--band-high", type=float, default=DEFAULT_BAND[1])
    parser.add_argument("--extract-only", action="store_true", help="fill the cache and stop")
    parser.add_argument("--cached-only", action="store_true", help="use only the rows already in the cache")
    parser.add_argument("--shard", default="0/1", help="with --extract-only: extract rows i, i+n, ... (I/N)")
    for name, value in asdict(LMTrainConfig()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    config = LMTrainConfig(**{k: getattr(args, k) for k in asdict(LMTrainConfig())})
    prefix = max(CHARS_PER_TOKEN * config.max_tokens, STYLE_CHARS, config.min_chars)
    rows = load_sample(args.data or default_files(), config.per_label, config.seed, prefix, config.min_chars,
                       (NON_NATIVE_DOMAIN,))
    lm = load_language_model(args.model, max_tokens=config.max_tokens, threads=args.threads)
    if args.extract_only:
        index, count = (int(part) for part in args.shard.split("/"))
        start = time.process_time()
        cached_features(lm, rows[index::count], args.cache)
        print(f"{len(rows[index::count])} rows, features in {time.process_time() - start:.0f} CPU-s", flush=True)
        return 0
    lm_features, tokens = cached_features(lm, rows, args.cache, compute=not args.cached_only)
    keep = usable(rows, lm_features, tokens, config.min_tokens)
    rows, lm_features = [r for r, k in zip(rows, keep) if k], lm_features[keep]
    inputs = experiment_inputs(rows, lm_features)
    if args.report:
        default = load_detector("ai-default")
        fast = default.score([r["text"] for r in rows], [r["lang"] for r in rows]).probability
        band = (args.band_low, args.band_high)
        results = run_protocols(rows, inputs, config, np.nan_to_num(fast, nan=0.0), default.info.threshold,
                                args.variant, band)
        print(format_results(results))
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    train = np.array([r.get("domain") != NON_NATIVE_DOMAIN for r in rows])
    train_rows = [r for r, k in zip(rows, train) if k]
    head = fit_head(args.variant, train_rows, inputs[args.variant][train], config)
    metadata = {"version": VERSION, "lm": lm.name, "lm_sha256": lm.sha256, "lm_features": list(FEATURE_NAMES),
                "max_tokens": config.max_tokens, "min_chars": config.min_chars, "min_tokens": config.min_tokens,
                "config": asdict(config)}
    head = LMHead(head.variant, head.logistic, head.calibration, head.threshold, metadata)
    held = ~train
    if held.any():
        p = head.probability(inputs[args.variant][held])
        human = labels([r for r, k in zip(rows, held) if k]) == 0
        print(f"shipped head on the held-out TOEFL essays: FPR {(p[human] >= head.threshold).mean():.3f} of "
              f"{human.sum()} human, TPR {(p[~human] >= head.threshold).mean():.3f} of {(~human).sum()} AI")
    digest = head.save(args.out)
    write_model_card(args.out, head, train_rows, config, lm.name)
    print(f"wrote {args.out / MODEL_JSON} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
