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


def _counts(read: int) -> dict[str, int]:
    return {"read": read, "kept": 0, "rejected": 0, "failed": 0}


def summarize(tally: list[list], inputs: list[dict], mix_names: list[str]) -> dict:
    """The counting part of the manifest, from the tally rows and the per-file accounting.

    Every mix accounts for every record read: ``mixes.<name>.counts`` holds its kept rows, the rejects common to
    all mixes (read, extract, dedup, …) and its own floor rejections. ``counts`` and the breakdowns are the
    primary (first) mix's.
    """
    primary = mix_names[0]
    read = sum(a["records"] for a in inputs)
    mixes = {name: {"documents": 0, "tokens": 0, "by_label": Counter(), "tokens_by_label": Counter(),
                    "floor_rejected": 0, "counts": _counts(read)} for name in mix_names}
    by_label, by_language = Counter(), Counter()
    by_stage: dict[str, Counter] = defaultdict(Counter)
    by_reason = Counter()
    for row in tally:
        if row[0] == MIX:
            _, name, label, lang, docs, tokens = row
            mix = mixes[name]
            mix["documents"] += docs
            mix["tokens"] += tokens
            mix["by_label"][label] += docs
            mix["tokens_by_label"][label] += tokens
            mix["counts"]["kept"] += docs
            if name == primary:
                by_label[label] += docs
                by_language[lang] += docs
            continue
        _, outcome, stage, reason, mix_name, docs, _tokens = row
        outcome_key = "failed" if outcome == r.FAILED else "rejected"
        for name in [mix_name] if mix_name else mix_names:
            mixes[name]["counts"][outcome_key] += docs
        if mix_name:
            mixes[mix_name]["floor_rejected"] += docs
        if mix_name in ("", primary):
            by_stage[stage][reason] += docs
            by_reason[reason] += docs
    skipped = Counter()
    for account in inputs:
        skipped.update(account.get("skipped", {}))
    return {
        "counts": {**mixes[primary]["counts"], "skipped_records": dict(sorted(skipped.items()))},
        "by_stage": {stage: dict(sorted(c.items())) for stage, c in sorted(by_stage.items())},
        "by_reason": dict(sorted(by_reason.items())),
        "by_label": dict(sorted(by_label.items())),
        "by_language": dict(sorted(by_language.items())),
        "mixes": {
            name: {**m, "by_label": dict(sorted(m["by_label"].items())),
                   "tokens_by_label": dict(sorted(m["tokens_by_label"].items()))}
            for name, m in mixes.items()
        },
        "rejected_rows": sum(row[5] for row in tally if row[0] == REJECT),
    }


def floor_status(floor: list[dict], mix: str) -> str:
    """``ok`` when every floor report of ``mix`` is ok (or it has none), else the first other status."""
    statuses = sorted({row.get("status", "ok") for row in floor if row.get("mix") == mix} - {"ok"})
    return statuses[0] if statuses else "ok"


def verify(summary: dict, written: dict[str, list[list]]) -> list[str]:
    """Problems found when checking every mix against the conservation law and the written row counts."""
    problems = []
    for name, mix in summary["mixes"].items():
        c = mix["counts"]
        if c["read"] != c["kept"] + c["rejected"] + c["failed"]:
            problems.append(f"mix {name}: read {c['read']} != kept {c['kept']} + rejected {c['rejected']} + "
                            f"failed {c['failed']}")
        rows = sum(n for _, n in written.get(f"mix:{name}", []))
        if rows != mix["documents"]:
            problems.append(f"mix {name}: {rows} Parquet rows but {mix['documents']} tallied")
    rows = sum(n for _, n in written.get("rejected", []))
    if rows != summary["rejected_rows"]:
        problems.append(f"rejected: {rows} Parquet rows but {summary['rejected_rows']} tallied")
    return problems


def dumps(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
