"""The model card of an MT model directory, rendered from its config and the held-out test report (written with
:mod:`provmix.detectors.training.model_card`)."""
from __future__ import annotations


def _fmt(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.3f}"


def _metrics_table(report: dict) -> list[str]:
    lines = [
        "| lang | task | n | AUROC | TPR@1%FPR | acc@threshold | length-only AUROC | coverage |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang, entry in sorted(report["languages"].items()):
        for task in ("human_vs_mt", "human_translation_vs_mt"):
            m = entry.get(task)
            if m:
                lines.append(
                    f"| {lang} | {task} | {m['n']} | {_fmt(m['auroc'])} | {_fmt(m['tpr_at_1pct_fpr'])} | "
                    f"{_fmt(m.get('accuracy_at_threshold'))} | {_fmt(m['length_only_auroc'])} | {_fmt(entry['coverage'])} |"
                )
    return lines


def _originals_table(report: dict) -> list[str]:
    lines = ["| source/lang/label | n | scored | flagged at threshold | cleared at human threshold |",
             "|---|---|---|---|---|"]
    for name, m in sorted(report["originals"].items()):
        if m["scored"]:
            lines.append(f"| {name} | {m['n']} | {m['scored']} | {_fmt(m['flagged_at_threshold'])} | "
                         f"{_fmt(m.get('cleared_at_human_threshold'))} |")
    return lines


def _reading(config: dict) -> str:
    """How the model reads a document: chunk size and feature tokens."""
    chunking = f"Documents are cut into chunks of {config['chunk_tokens']} tokens" if config["chunk_tokens"] else "Each document is one line"
    return chunking + (", translationese feature tokens appended." if config["features"] else ", no feature tokens.")


def render(config: dict, report: dict | None) -> str:
    """Markdown: what the model is, how it was trained, its files with sha256, and its held-out metrics."""
    training = config["training"]
    lines = [
        f"# {config['name']} {config['version']}",
        "",
        "Per-language machine-translation detectors (p_mt): three-class fastText (human original incl. human web and",
        "LLM text, human translation, machine translation incl. post-edited MT) over word uni+bigrams (single",
        "characters for zh/ja). " + _reading(config),
        "Document score: the mean over its chunks of log(P(mt) / (1 - P(mt))), Platt-calibrated per language.",
        f"Texts shorter than {config['min_chars']} normalised characters and other languages abstain.",
        "Reproduce with `provmix train mt` (see docs/mt-detector.md).",
        "",
        "## Data and split",
        f"Data: {', '.join(training['data'])} (see ../shared/data/README.md).",
        f"Calibration only: {', '.join(training['calibration_data']) or 'none'}.",
        f"Split by `group_id` hash (seed {training['seed']}): dev {training['dev_fraction']}, test {training['test_fraction']},",
        "rest train; held-out sources are test only. WMT placeholders (`#PRS_ORG#` …) are stripped before training and scoring.",
        f"Excluded MT systems: {', '.join(training['excluded_systems']) or 'none'}.",
        f"fastText: {training['fasttext']}; quantisation: {training['quantize']}.",
        "",
        f"| lang | train rows | dev rows | threshold (1% FPR on dev originals) | human threshold "
        f"({training.get('target_miss', 0):.0%} of dev MT at or below) | Platt a, b |",
        "|---|---|---|---|---|---|",
    ]
    for lang, entry in sorted(config["languages"].items()):
        cal = entry["calibration"]
        lines.append(
            f"| {lang} | {entry['train_rows']} | {entry['dev_rows']} | {entry['threshold']:.4f} | "
            f"{_fmt(entry.get('human_threshold'))} | {cal['a']:.3f}, {cal['b']:.3f} |"
        )
    lines += ["", "## Held-out test split (same score for both tasks)", ""]
    lines += _metrics_table(report) if report else ["No test split (test fraction 0)."]
    if report:
        lines += ["", "### Originals of the test split flagged at the threshold (false positives)", ""]
        lines += _originals_table(report)
    lines += ["", "## Files", "", "| file | sha256 |", "|---|---|"]
    lines += [f"| {entry['file']} | {entry['sha256']} |" for _, entry in sorted(config["languages"].items())]
    seen = training["seen_texts"]
    lines.append(f"| {seen['file']} (xxh3-64 of every train and dev text) | {seen['sha256']} |")
    lines += ["", "Data sha256: " + ", ".join(f"{k} {v}" for k, v in sorted(training["data_sha256"].items()))]
    lines.append("")
    return "\n".join(lines)
