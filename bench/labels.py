"""``python -m bench labels SHARD_DIR RUN_DIR``: a run's final labels against a generated shard's truth.

Joins ``RUN_DIR/labels/`` to ``SHARD_DIR/truth.jsonl`` (``python -m bench generate``) by WARC-Record-ID, or by the
JSONL id, and prints the labels per true class and, for every true class, per corpus and language: how many
documents were labelled what. A true-human document labelled ``ai`` or ``mt`` is human data the floor discards.
Last, per true class, the tokens and the expected human tokens (``p_human × n_tokens``, what a floor in
``unit: expected_tokens`` counts): how far the label stage's posterior is from the truth.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from provmix.schemas import documents as d

LABELS = (d.HUMAN, d.AI, d.MT, d.UNKNOWN)


def read_labels(run: Path) -> dict[str, str]:
    """record id → final label, from every ``labels/`` shard of ``run``."""
    table = pq.ParquetDataset(run / "labels").read(columns=[d.RECORD_ID, d.LABEL])
    return dict(zip(table.column(d.RECORD_ID).to_pylist(), table.column(d.LABEL).to_pylist()))


def read_expected(run: Path) -> dict[str, tuple[int, float | None]]:
    """record id → (n_tokens, p_human), from every ``labels/`` shard of ``run``."""
    table = pq.ParquetDataset(run / "labels").read(columns=[d.RECORD_ID, d.N_TOKENS, d.P_HUMAN])
    rows = zip(table.column(d.N_TOKENS).to_pylist(), table.column(d.P_HUMAN).to_pylist())
    return dict(zip(table.column(d.RECORD_ID).to_pylist(), rows))


def expected_human(truth: list[dict], expected: dict[str, tuple[int, float | None]]) -> str:
    """Per true class: documents, tokens, expected human tokens and the documents without a posterior."""
    sums: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, 0])
    for row in truth:
        found = expected.get(row[d.RECORD_ID], expected.get(row[d.ID]))
        if found is None:
            continue
        tokens, p = found
        entry = sums[row[d.LABEL]]
        entry[0] += 1
        entry[1] += tokens or 0
        entry[2] += (p or 0.0) * (tokens or 0)
        entry[3] += p is None
    lines = ["| true class | n | tokens | expected human tokens | share | p_human null |", "|---|---|---|---|---|---|"]
    for label, (n, tokens, human, missing) in sorted(sums.items()):
        share = f"{human / tokens:.3f}" if tokens else "-"
        lines.append(f"| {label} | {n} | {tokens} | {human:.0f} | {share} | {missing} |")
    return "\n".join(lines)


def read_truth(shard: Path) -> list[dict]:
    with open(shard / "truth.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def confusion(truth: list[dict], labels: dict[str, str], by: tuple[str, ...]) -> dict[tuple, Counter]:
    """(true label, *by values) → Counter of final labels, over the truth rows the run labelled."""
    table: dict[tuple, Counter] = defaultdict(Counter)
    for row in truth:
        label = labels.get(row[d.RECORD_ID], labels.get(row[d.ID]))
        if label is not None:
            table[(row[d.LABEL], *(row.get(key) for key in by))][label] += 1
    return dict(sorted(table.items(), key=lambda item: tuple(str(v) for v in item[0])))


def format_table(table: dict[tuple, Counter], columns: tuple[str, ...]) -> str:
    head = ["true class", *columns, "n", *LABELS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, counts in table.items():
        lines.append("| " + " | ".join([*map(str, key), str(sum(counts.values())),
                                         *(str(counts[label]) for label in LABELS)]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench labels", description=__doc__.split("\n\n")[0])
    parser.add_argument("shard", type=Path, help="folder written by `python -m bench generate`")
    parser.add_argument("run", type=Path, help="output folder of `provmix run` on that shard")
    parser.add_argument("--by", nargs="*", default=["corpus", d.LANG], help="truth columns of the detail table")
    args = parser.parse_args(argv)
    truth, labels = read_truth(args.shard), read_labels(args.run)
    print(format_table(confusion(truth, labels, ()), ()))
    if args.by:
        print()
        print(format_table(confusion(truth, labels, tuple(args.by)), tuple(args.by)))
    print()
    print(expected_human(truth, read_expected(args.run)))
    return 0
