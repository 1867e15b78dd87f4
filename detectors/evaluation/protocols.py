"""The generalisation protocols behind the README numbers.

* ``in_distribution``: train on the train split, test on the dev split (both split by ``group_id``) plus the
  evaluation-only sources and genres.
* ``leave_out_generator=F``: train without any text of generator family ``F``; test on held-out humans of the
  domains where ``F`` appears plus ``F``'s held-out texts.
* ``leave_out_source=S``: train on every other source (data set); test on all of ``S``.

Calibration always uses the corpus's calibration-only sources (minus what the protocol leaves out).

Every protocol fits every variant in :data:`PROTOCOL_VARIANTS`, including the ``length`` baseline (a logistic
regression on log length only) that exposes how much of a score the length confound alone explains.
"""
from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Iterator, Sequence

import numpy as np

from provmix.detectors.ai_text.default import build_detector
from provmix.detectors.evaluation.ai_text import evaluate_rows, format_metric
from provmix.detectors.training.ai_text.corpus import CALIBRATION, DEV_FRACTION, EVALUATION, TRAIN, with_role
from provmix.detectors.training.ai_text.fit import AI_LABEL_VALUE, TrainConfig, fit_models
from provmix.detectors.training.data import split_by_group

PROTOCOL_VARIANTS = ("stacked", "fasttext", "features", "length")


FAMILIES = (  # (family, name markers): one vendor's model line under several names and prompts is one generator
    ("gpt-4", ("gpt-4",)), ("gpt-3.5", ("gpt-3.5", "gpt-3-turbo", "chatgpt")), ("davinci", ("davinci",)),
    ("llama", ("llama",)), ("google", ("gemini", "palm", "bison")), ("mistral", ("mistral",)), ("qwen", ("qwen",)),
    ("deepseek", ("deepseek",)),
)
MIN_FAMILY_SHARE = 0.01  # families with fewer of the AI rows give no stable fold


def generator_family(generator: str | None) -> str | None:
    """Model family of a generator name: one OpenAI model under several prompts counts as one generator."""
    if generator is None:
        return None
    lower = generator.lower()
    for family, markers in FAMILIES:
        if any(m in lower for m in markers):
            return family
    return generator


Task = tuple[str, list[dict], list[dict], list[dict]]  # name, train, held-out calibration, test


def protocol_splits(rows: Sequence[dict], seed: int) -> Iterator[Task]:
    """(name, train rows, held-out calibration rows, test rows) for every protocol over a :mod:`corpus`."""
    pool, calibration, evaluation = (with_role(rows, r) for r in (TRAIN, CALIBRATION, EVALUATION))
    train, dev = split_by_group(pool, DEV_FRACTION, seed=seed)
    yield "in_distribution", train, calibration, dev + evaluation
    counts = Counter(generator_family(r["generator"]) for r in rows if r["label"] == AI_LABEL_VALUE)
    for family in sorted(f for f, n in counts.items() if n >= MIN_FAMILY_SHARE * counts.total()):
        domains = {r["domain"] for r in rows if generator_family(r.get("generator")) == family}
        test = [r for r in dev + evaluation if (r["label"] != AI_LABEL_VALUE and r["domain"] in domains)
                or generator_family(r.get("generator")) == family]
        yield (f"leave_out_generator={family}", _without(train, family), _without(calibration, family),
               test + [r for r in calibration if generator_family(r.get("generator")) == family])
    sources = sorted({r["source"] for r in rows})
    for source in sources if len(sources) > 1 else ():
        yield (f"leave_out_source={source}", [r for r in train + dev if r["source"] != source],
               [r for r in calibration if r["source"] != source], [r for r in rows if r["source"] == source])


def _without(rows: Sequence[dict], family: str) -> list[dict]:
    return [r for r in rows if generator_family(r.get("generator")) != family]


def run_protocol(task: tuple[Task, TrainConfig, tuple[str, ...]]) -> list[dict]:
    """Fit every variant on the protocol's train rows and evaluate each on its test rows."""
    (name, train, calibration, test), config, variants = task
    models = fit_models(train, config, variants, calibration)
    return [
        {"protocol": name, "variant": variant, "train_rows": len(train),
         "report": evaluate_rows(build_detector(model, config.min_chars), test)}
        for variant, model in models.items()
    ]


def run_protocols(rows: Sequence[dict], config: TrainConfig = TrainConfig(), jobs: int = 1,
                  variants: Sequence[str] = PROTOCOL_VARIANTS, only: Sequence[str] = ()) -> list[dict]:
    """Results of every protocol (or those whose name starts with one of ``only``) × variant, then per-variant
    means over the leave-out families."""
    tasks = [(split, config, tuple(variants)) for split in protocol_splits(rows, config.seed)
             if not only or split[0].startswith(tuple(only))]
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            results = [r for chunk in pool.map(run_protocol, tasks, chunksize=1) for r in chunk]
    else:
        results = [r for task in tasks for r in run_protocol(task)]
    return results + mean_rows(results)


def mean_rows(results: list[dict]) -> list[dict]:
    """Unweighted mean of each metric over the leave-one-generator-out and leave-one-source-out folds."""
    out = []
    for prefix in ("leave_out_generator", "leave_out_source"):
        for variant in dict.fromkeys(r["variant"] for r in results):
            folds = [r["report"]["overall"] for r in results
                     if r["protocol"].startswith(prefix + "=") and r["variant"] == variant]
            if not folds:
                continue
            mean = {key: float(np.mean([f[key] for f in folds if f.get(key) is not None]))
                    for key in ("auroc", "tpr_at_1pct_fpr", "tpr_at_5pct_fpr", "accuracy_at_threshold")}
            mean.update(n=sum(f["n"] for f in folds), abstained=sum(f["abstained"] for f in folds))
            out.append({"protocol": f"{prefix} (mean of {len(folds)})", "variant": variant, "report": {"overall": mean}})
    return out


def human_fpr(report: dict) -> float | None:
    """Share of the report's scored human texts at or above the threshold (pooled over sources)."""
    per_source = report.get("human_fpr_by_source", {}).values()
    scored = sum(m["scored"] for m in per_source)
    flagged = sum(m["false_positives"] or 0 for m in per_source)
    return flagged / scored if scored else None


PROTOCOL_HEADER = ("| protocol | variant | scored | abstained | AUROC | TPR@1%FPR | TPR@5%FPR | acc@threshold | "
                   "human FPR@threshold | length-matched AUROC |")


def format_protocols(results: list[dict]) -> str:
    """A Markdown table: protocol × variant × metrics, with the human false-positive rate at the threshold."""
    lines = [PROTOCOL_HEADER, "|---" * PROTOCOL_HEADER.count("|", 1) + "|"]
    for r in results:
        report = r["report"]
        m = report["overall"]
        lines.append(f"| {r['protocol']} | {r['variant']} | {m['n']} | {m['abstained']} | {format_metric(m['auroc'])} | "
                     f"{format_metric(m['tpr_at_1pct_fpr'])} | {format_metric(m['tpr_at_5pct_fpr'])} | "
                     f"{format_metric(m.get('accuracy_at_threshold'))} | {format_metric(human_fpr(report))} | "
                     f"{format_metric(report.get('length_matched', {}).get('auroc'))} |")
    return "\n".join(lines)
