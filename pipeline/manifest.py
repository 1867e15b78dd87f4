"""The manifest: tallies computed inside the pipeline, assembled and checked against the outputs after the run."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Iterable

import apache_beam as beam

from provmix.pipeline.write import WriteJsonList
from provmix.schemas import documents as d
from provmix.schemas import rejects as r

MIX = "mix"
REJECT = "reject"


def _mix_key(name: str):
    def key(doc: dict) -> tuple:
        return (MIX, name, doc[d.LABEL], doc[d.LANG] or d.UNKNOWN), (1, doc[d.N_TOKENS] or 0)

    return key


def _reject_key(row: dict) -> tuple:
    key = (REJECT, row[r.OUTCOME], row[r.STAGE], row[r.REASON], row.get(r.MIX) or "")
    return key, (1, row.get(d.N_TOKENS) or 0)


def _sum_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    docs = tokens = 0
    for n, t in pairs:
        docs, tokens = docs + n, tokens + t
    return docs, tokens


class Tally(beam.PTransform):
    """Documents per mix/label/language and rejects per outcome/stage/reason/mix → one JSON file."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def expand(self, pcolls: tuple[dict[str, beam.PCollection], beam.PCollection]) -> beam.PCollection:
        mixes, rejects = pcolls
        keyed = [docs | f"Key{name}" >> beam.Map(_mix_key(name)) for name, docs in mixes.items()]
        keyed.append(rejects | "KeyRejects" >> beam.Map(_reject_key))
        return (
            keyed
            | "FlattenKeys" >> beam.Flatten()
            | "Sum" >> beam.CombinePerKey(_sum_pairs)
            | "Row" >> beam.Map(lambda kv: [*kv[0], *kv[1]])
            | "WriteTally" >> WriteJsonList(self.path)
        )


def summarize(tally: list[list], inputs: list[dict], mix_names: list[str]) -> dict:
    """The counting part of the manifest, from the tally rows and the per-file accounting."""
    primary = mix_names[0]
    mixes = {name: {"documents": 0, "tokens": 0, "by_label": Counter(), "tokens_by_label": Counter(),
                    "floor_rejected": 0} for name in mix_names}
    by_label, by_language = Counter(), Counter()
    by_stage: dict[str, Counter] = defaultdict(Counter)
    by_reason = Counter()
    kept = rejected = failed = 0
    for row in tally:
        if row[0] == MIX:
            _, name, label, lang, docs, tokens = row
            mix = mixes[name]
            mix["documents"] += docs
            mix["tokens"] += tokens
            mix["by_label"][label] += docs
            mix["tokens_by_label"][label] += tokens
            if name == primary:
                kept += docs
                by_label[label] += docs
                by_language[lang] += docs
        else:
            _, outcome, stage, reason, mix_name, docs, _tokens = row
            if mix_name:
                mixes[mix_name]["floor_rejected"] += docs
                if mix_name != primary:
                    continue
            by_stage[stage][reason] += docs
            by_reason[reason] += docs
            if outcome == r.FAILED:
                failed += docs
            else:
                rejected += docs
    skipped = Counter()
    for account in inputs:
        skipped.update(account.get("skipped", {}))
    return {
        "counts": {
            "read": sum(a["records"] for a in inputs),
            "kept": kept,
            "rejected": rejected,
            "failed": failed,
            "skipped_records": dict(sorted(skipped.items())),
        },
        "by_stage": {stage: dict(sorted(c.items())) for stage, c in sorted(by_stage.items())},
        "by_reason": dict(sorted(by_reason.items())),
        "by_label": dict(sorted(by_label.items())),
        "by_language": dict(sorted(by_language.items())),
        "mixes": {
            name: {**m, "by_label": dict(sorted(m["by_label"].items())),
                   "tokens_by_label": dict(sorted(m["tokens_by_label"].items()))}
            for name, m in mixes.items()
        },
    }


def verify(summary: dict, written: dict[str, list[list]]) -> list[str]:
    """Problems found when checking the tallies against the conservation law and the written row counts."""
    problems = []
    c = summary["counts"]
    if c["read"] != c["kept"] + c["rejected"] + c["failed"]:
        problems.append(f"read {c['read']} != kept {c['kept']} + rejected {c['rejected']} + failed {c['failed']}")
    for name, mix in summary["mixes"].items():
        rows = sum(n for _, n in written.get(f"mix:{name}", []))
        if rows != mix["documents"]:
            problems.append(f"mix {name}: {rows} Parquet rows but {mix['documents']} tallied")
    tallied_rejects = sum(summary["by_reason"].values()) + sum(
        m["floor_rejected"] for n, m in summary["mixes"].items() if n != next(iter(summary["mixes"]))
    )
    rows = sum(n for _, n in written.get("rejected", []))
    if rows != tallied_rejects:
        problems.append(f"rejected: {rows} Parquet rows but {tallied_rejects} tallied")
    return problems


def dumps(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
