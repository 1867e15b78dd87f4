"""The generalisation protocols behind the README numbers.

* ``in_distribution``: train on the train split, test on the dev split (both split by ``group_id``).
* ``leave_out_generator=F``: train without any text of generator family ``F``; test on dev-split humans of the
  domains where ``F`` appears plus ``F``'s dev-split texts.
* ``leave_out_source=S``: train on every other source (data set); test on all of ``S``.

Every protocol fits every variant in :data:`PROTOCOL_VARIANTS`, including the ``length`` baseline (a logistic
regression on log length only) that exposes how much of a score the length confound alone explains.
"""
from __future__ import annotations

import multiprocessing
from typing import Iterator, Sequence

import numpy as np

from provmix.detectors.ai_text.default import build_detector
from provmix.detectors.ai_text.evaluate import TABLE_HEADER, format_metric, evaluate_rows
from provmix.detectors.ai_text.fit import AI_LABEL_VALUE, TrainConfig, fit_models
from provmix.detectors.data import split_by_group

PROTOCOL_VARIANTS = ("stacked", "fasttext", "features", "length")
DEV_FRACTION = 0.2


def generator_family(generator: str | None) -> str | None:
    """Model family of a generator name: one OpenAI model under several prompts counts as one generator."""
    if generator is None:
        return None
    lower = generator.lower()
    for family, markers in (("gpt-4", ("gpt-4",)), ("gpt-3.5", ("gpt-3.5", "chatgpt")), ("davinci", ("davinci",))):
        if any(m in lower for m in markers):
            return family
    return generator


def protocol_splits(rows: Sequence[dict], seed: int) -> Iterator[tuple[str, list[dict], list[dict]]]:
    """(name, train rows, test rows) for every protocol."""
    train, dev = split_by_group(rows, DEV_FRACTION, seed=seed)
    yield "in_distribution", train, dev
    families = sorted({generator_family(r["generator"]) for r in rows if r["label"] == AI_LABEL_VALUE})
    for family in families:
        domains = {r["domain"] for r in rows if generator_family(r.get("generator")) == family}
        test = [r for r in dev if (r["label"] != AI_LABEL_VALUE and r["domain"] in domains)
                or generator_family(r.get("generator")) == family]
        yield f"leave_out_generator={family}", [r for r in train if generator_family(r.get("generator")) != family], test
    sources = sorted({r["source"] for r in rows})
    for source in sources if len(sources) > 1 else ():
        yield (f"leave_out_source={source}", [r for r in rows if r["source"] != source],
               [r for r in rows if r["source"] == source])


def run_protocol(task: tuple[str, list[dict], list[dict], TrainConfig]) -> list[dict]:
    """Fit every variant on the protocol's train rows and evaluate each on its test rows."""
    name, train, test, config = task
    models = fit_models(train, config, PROTOCOL_VARIANTS)
    return [
        {"protocol": name, "variant": variant, "train_rows": len(train),
         "report": evaluate_rows(build_detector(model, config.min_chars), test)}
        for variant, model in models.items()
    ]


def run_protocols(rows: Sequence[dict], config: TrainConfig = TrainConfig(), jobs: int = 1) -> list[dict]:
    """Results of every protocol × variant, followed by per-variant means over the leave-out families."""
    tasks = [(name, train, test, config) for name, train, test in protocol_splits(rows, config.seed)]
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


def format_protocols(results: list[dict]) -> str:
    """A Markdown table: protocol × variant × metrics."""
    lines = [TABLE_HEADER.replace("| slice |", "| protocol | variant |").replace("|---|", "|---|---|", 1)]
    for r in results:
        m = r["report"]["overall"]
        lines.append(f"| {r['protocol']} | {r['variant']} | {m['n']} | {m['abstained']} | {format_metric(m['auroc'])} | "
                     f"{format_metric(m['tpr_at_1pct_fpr'])} | {format_metric(m['tpr_at_5pct_fpr'])} | "
                     f"{format_metric(m.get('accuracy_at_threshold'))} |")
    return "\n".join(lines)
