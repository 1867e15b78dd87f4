"""The model card of a trained ai-default model (written with :mod:`provmix.detectors.training.model_card`)."""
from __future__ import annotations

import json
from pathlib import Path

from provmix.detectors.ai_text.features import FEATURE_NAMES
from provmix.detectors.ai_text.stacked import StackedModel
from provmix.detectors.artifacts import combined_digest
from provmix.detectors.evaluation.ai_text import format_report
from provmix.detectors.training.model_card import config_block, data_list, write_card

_FEATURES = (f"{len(FEATURE_NAMES)} cheap stylometric features (punctuation and function-word rates, character "
             "entropy, word and sentence-length shape)")
VARIANT_DESCRIPTIONS = {
    "stacked": f"the log-odds of a quantised fastText bag-of-word-bigrams model and {_FEATURES}\nin an L2 "
               "logistic regression",
    "fasttext": "a quantised fastText bag-of-word-bigrams model (its log-odds through a logistic regression)",
    "features": f"{_FEATURES} in an L2 logistic regression",
}


def write_model_card(folder: Path, model: StackedModel, digests: dict[str, str], dev_report: dict,
                     train_rows: int, dev_fraction: float) -> Path:
    """Write ``MODEL_CARD.md``: data, split, configuration, dev metrics, threshold, file digests."""
    meta = model.metadata
    config = meta["config"]
    data_lines = data_list(meta["data"])
    source_lines = "\n".join(
        f"| {source} | {n['train']} | {n['dev']} | {n['calibration']} | {n['evaluation']} | {n.get('weight', '-')} |"
        for source, n in meta["sources"].items())
    corpus = meta["corpus"]
    texts = meta["training_texts"]
    file_lines = "\n".join(f"- `{name}` sha256 `{digest}`" for name, digest in sorted(digests.items()))
    overall = dev_report["overall"]
    text = f"""# ai-default {meta['version']}: English AI-generated-text detector

Variant `{model.variant}`: {VARIANT_DESCRIPTIONS[model.variant]}, then Platt-calibrated.
Length is deliberately not an input (the training data confounds length with the label).

## Use
`load_detector("ai-default").score(texts, langs)` → calibrated probability that a text is AI-written. The model
scores the normalised text and **abstains** on languages other than English and on texts shorter than
{meta['min_chars']} normalised characters. Decision threshold for 1% FPR on the calibration split:
`{model.threshold:.6f}`; human operating point (at most {meta['config']['target_miss']:.0%} of the calibration AI texts,
averaged over sources, score at or below it): `{model.human_threshold:.6f}`. Calibration:
`{json.dumps(model.calibration.to_dict())}`.

## Data
{data_lines}

### Sources, roles and weights
English `human` / `ai` rows only. `train`: fitted (20% of its groups calibrate); `dev`: held-out groups of the
same sources; `calibration`: whole sources / genres that only calibrate and set the threshold; `evaluation`: whole
sources / genres never fitted nor calibrated on. Each source is capped at ~{corpus['cap_rows']} rows (whole groups,
by hash); `weight` is how often a training row is repeated in the fit (human web text: {corpus['web_weight']});
rows flagged `mixed`, `refusal` or `llm_preamble` are not fitted on. lingua sentences are joined
{corpus['sentences_per_document']} at a time into pseudo-documents.

| source | train | dev | calibration | evaluation | weight |
|---|---|---|---|---|---|
{source_lines}

Train/dev split by `group_id` (dev fraction {dev_fraction}, seed {config['seed']}; rows without a `group_id` are
grouped by `source/domain/origin_index`). {train_rows} training rows; inside them
{config['calibration_fraction']:.0%} of groups (seed {config['seed'] + 1}) plus the calibration-only sources fit the
Platt calibration and the threshold, which keeps the false-positive rate **averaged over the calibration sources**
at {config['target_fpr']:.0%} (a big source of easy human text cannot hide a small one). The rest fit fastText
({config['stack_folds']} out-of-fold models feed the stack) and the logistic regression.

Every text fitted or calibrated on is recorded as a sorted xxh3-64 digest of its normalised form in
`{texts['file']}` (sha256 `{texts['sha256']}`); `provmix eval ai` warns when its data overlaps them.

## Held-out metrics: dev groups + evaluation-only sources (never used for fitting or calibration)
Overall: AUROC {overall['auroc']:.3f}, TPR@1%FPR {overall['tpr_at_1pct_fpr']:.3f}, TPR@5%FPR
{overall['tpr_at_5pct_fpr']:.3f}, accuracy at the threshold {overall['accuracy_at_threshold']:.3f}
({overall['n']} scored, {overall['abstained']} abstained).

{format_report(dev_report)}

The human false-positive rate per source above is at the shipped threshold. Generalisation to unseen generators
and sources is lower: see `docs/ai-detector.md`.

## Configuration
{config_block(config)}

## Files
{file_lines}

Model sha256 (over the lines above): `{combined_digest(digests)}`

## Reproduce
`provmix train ai --seed {config['seed']} --out DIR` on the data above (fastText with one thread: deterministic).

## Limitations
English only (zh / ar / es / pt rows exist but are not scored: not measured well enough). Trained on 2019–2024
generators (GPT-2 to GPT-4 era); newer models, paraphrasers and
human-edited AI text are likely to evade it. A probability, not proof: never use it alone to judge a person.
"""
    return write_card(folder, text)
