"""The pure selection logic of the human floor: per-scope histograms → per-group keep thresholds → report.

Within a scope every group (floor class, and freshness for human data) has a histogram of its units by
selection bucket (the top bits of a seeded hash of the document id). A group keeps the documents whose bucket is
below its threshold, i.e. a prefix of the seeded order whose exact unit sum is read off the histogram. Budgets
are computed in exact rational arithmetic, so every inequality below holds exactly, not in expectation:

* fresh share: stale human units kept <= F (1 - f) / f          ⇒ F / (F + stale kept) >= f
* floor: non-human units kept K <= H (1 - s) / s                 ⇒ H / (H + K) >= s
* cap of class c: K_c <= cap H / (1 - cap)                       ⇒ K_c / (H + K) <= K_c / (H + K_c) <= cap
  (then widened towards cap (H + K), see ``_capped_allocation``)

where H counts the human units actually kept. Non-human budgets are shared by water-filling: every class keeps
the same fraction of its units unless its cap binds first, so the non-human composition is preserved.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping, NamedTuple

from provmix.pipeline.floor.config import CLASSES, DOWNSAMPLE, TOKENS, MixConfig
from provmix.pipeline.floor.groups import BUCKETS, Group

CAP_ROUNDS = 3  # cap-widening rounds; the first usually reaches the configured share
MIN_HUMAN_TOKENS = "min_human_tokens"  # the one share-independent constraint: downsampling cannot fix it

Histogram = dict  # bucket → [tokens, documents]
Thresholds = dict  # Group → first bucket not kept (absent: keep all)


class ScopePlan(NamedTuple):
    thresholds: Thresholds
    report: dict


def histogram_add(hist: Histogram, bucket: int, tokens: int) -> Histogram:
    entry = hist.setdefault(bucket, [0, 0])
    entry[0] += tokens
    entry[1] += 1
    return hist


def histogram_merge(into: Histogram, other: Histogram) -> Histogram:
    for bucket, (tokens, docs) in other.items():
        entry = into.setdefault(bucket, [0, 0])
        entry[0] += tokens
        entry[1] += docs
    return into


def kept(hist: Histogram, threshold: int = BUCKETS) -> tuple[int, int]:
    """(tokens, documents) of the buckets below ``threshold``."""
    entries = [entry for bucket, entry in hist.items() if bucket < threshold]
    return sum(e[0] for e in entries), sum(e[1] for e in entries)


def units(tokens_docs: tuple[int, int], unit: str) -> int:
    return tokens_docs[0] if unit == TOKENS else tokens_docs[1]


def prefix_threshold(hist: Histogram, budget: Fraction | None, unit: str) -> int:
    """The longest prefix of buckets whose unit sum stays within ``budget`` (None: no limit)."""
    if budget is None:
        return BUCKETS
    total = 0
    for bucket in sorted(hist):
        total += units(hist[bucket], unit)
        if total > budget:
            return bucket
    return BUCKETS


def water_fill(
    available: Mapping[Group, int], caps: Mapping[Group, Fraction], budget: Fraction | None
) -> dict[Group, Fraction]:
    """Per-group budgets: the largest common keep fraction r with sum(min(r A_g, cap_g)) <= budget."""
    limit = {g: Fraction(a if g not in caps else min(a, caps[g])) for g, a in available.items()}
    if budget is None or sum(limit.values()) <= budget:
        return limit
    points = sorted((limit[g] / a, g) for g, a in available.items() if a > 0)
    saturated, slope = Fraction(0), sum(a for a in available.values() if a > 0)
    rate = Fraction(0)
    for point, group in points:
        if saturated + slope * point >= budget:
            rate = (budget - saturated) / slope
            break
        saturated += limit[group]
        slope -= available[group]
    return {g: min(available[g] * rate, limit[g]) for g in available}


def _allocate(
    groups: Mapping[Group, Histogram], caps: Mapping[Group, Fraction], budget: Fraction | None, unit: str
) -> Thresholds:
    available = {g: units(kept(hist), unit) for g, hist in groups.items()}
    budgets = water_fill(available, caps, budget)
    return {g: prefix_threshold(groups[g], budgets[g], unit) for g in groups}


def _downsample(mix: MixConfig, groups: Mapping[Group, Histogram], humans: frozenset[str]) -> Thresholds:
    thresholds: Thresholds = {}
    human = {g: h for g, h in groups.items() if g.cls in humans}
    if mix.min_fresh_human_share is not None:
        f = Fraction(mix.min_fresh_human_share)
        fresh_units = sum(units(kept(h), mix.unit) for g, h in human.items() if g.fresh)
        stale = {g: h for g, h in human.items() if not g.fresh}
        thresholds.update(_allocate(stale, {}, fresh_units * (1 - f) / f, mix.unit))
    h_units = sum(units(kept(h, thresholds.get(g, BUCKETS)), mix.unit) for g, h in human.items())
    s = Fraction(mix.human_floor)
    budget = None if s == 0 else h_units * (1 - s) / s
    others = {g: h for g, h in groups.items() if g.cls not in humans}
    thresholds.update(_capped_allocation(mix, others, h_units, budget))
    return thresholds


def _capped_allocation(
    mix: MixConfig, others: Mapping[Group, Histogram], h_units: int, budget: Fraction | None
) -> Thresholds:
    """Non-human thresholds under the floor budget and the class caps.

    Round 0 caps class c at cap H / (1 - cap), which holds whatever else is kept. Each later round widens a cap
    to cap (H + K_prev - M), K_prev the non-human units kept by the previous round and M the sum of every
    group's largest bucket. Caps only widen, so the summed budgets never shrink and every round keeps
    K >= sum(budgets) - M >= K_prev - M: the widened caps still hold against the final total.
    """
    cap_of = {cls: Fraction(cap) for cls, cap in mix.class_caps().items()}
    caps = {g: cap_of[g.cls] * h_units / (1 - cap_of[g.cls]) for g in others if g.cls in cap_of}
    slack = sum(max(units(entry, mix.unit) for entry in hist.values()) for hist in others.values() if hist)
    thresholds = _allocate(others, caps, budget, mix.unit)
    for _ in range(CAP_ROUNDS):
        k = sum(units(kept(hist, thresholds[g]), mix.unit) for g, hist in others.items())
        wider = {g: max(cap, cap_of[g.cls] * (h_units + k - slack)) for g, cap in caps.items()}
        if wider == caps:
            break
        caps = wider
        thresholds = _allocate(others, caps, budget, mix.unit)
    return thresholds


class _Measure(NamedTuple):
    by_class: dict[str, dict[str, int]]
    human: int  # human units
    fresh: int  # fresh human units
    total: int
    human_tokens: int

    def share(self, part: int) -> float | None:
        return part / self.total if self.total else None


def _measure(
    mix: MixConfig, groups: Mapping[Group, Histogram], thresholds: Thresholds, humans: frozenset[str]
) -> _Measure:
    by_class = {cls: {"tokens": 0, "docs": 0} for cls in CLASSES}
    human = fresh = total = human_tokens = 0
    for group, hist in groups.items():
        tokens_docs = kept(hist, thresholds.get(group, BUCKETS))
        by_class[group.cls]["tokens"] += tokens_docs[0]
        by_class[group.cls]["docs"] += tokens_docs[1]
        n = units(tokens_docs, mix.unit)
        total += n
        if group.cls in humans:
            human += n
            human_tokens += tokens_docs[0]
            fresh += n if group.fresh else 0
    return _Measure(by_class, human, fresh, total, human_tokens)


def _shortfalls(mix: MixConfig, m: _Measure, had_input: bool) -> list[dict]:
    """Every constraint the measured mix breaks, checked exactly; emptying a scope that had data is one too."""
    found = []

    def short(constraint: str, target: float, achieved: float | None) -> None:
        found.append({"constraint": constraint, "target": target, "achieved": achieved})

    if m.total and m.human < Fraction(mix.human_floor) * m.total:
        short("human_floor", mix.human_floor, m.share(m.human))
    if had_input and not m.total:
        short("empty_scope", mix.human_floor, None)
    for cls, cap in mix.class_caps().items():
        n = units((m.by_class[cls]["tokens"], m.by_class[cls]["docs"]), mix.unit)
        if n > Fraction(cap) * m.total:
            short(f"cap:{cls}", cap, m.share(n))
    if m.human_tokens < mix.min_human_tokens:
        short(MIN_HUMAN_TOKENS, mix.min_human_tokens, m.human_tokens)
    f = mix.min_fresh_human_share
    if f is not None and m.human and m.fresh < Fraction(f) * m.human:
        short("min_fresh_human_share", f, m.fresh / m.human)
    return found


def plan_scope(
    mix: MixConfig, key: str, groups: Mapping[Group, Histogram], humans: frozenset[str]
) -> ScopePlan:
    """Thresholds for one scope of ``mix`` and its JSON-able floor report.

    Only the downsample policy sets thresholds, and only when the scope breaks a share constraint (floor, cap,
    fresh share): a scope that already meets them is kept whole.
    """
    before = _measure(mix, groups, {}, humans)
    fixable = [s for s in _shortfalls(mix, before, had_input=False) if s["constraint"] != MIN_HUMAN_TOKENS]
    thresholds = _downsample(mix, groups, humans) if mix.policy == DOWNSAMPLE and fixable else {}
    after = _measure(mix, groups, thresholds, humans)
    shortfall = _shortfalls(mix, after, had_input=before.total > 0)
    report = {
        "mix": mix.name,
        "scope": mix.scope,
        "key": key,
        "unit": mix.unit,
        "policy": mix.policy,
        "seed": mix.seed,
        "target": mix.human_floor,
        "achieved_before": before.share(before.human),
        "achieved": after.share(after.human),
        "caps": mix.class_caps(),
        "min_human_tokens": mix.min_human_tokens,
        "human_tokens": after.human_tokens,
        "min_fresh_human_share": mix.min_fresh_human_share,
        "fresh_after": mix.fresh_after,
        "fresh_human_share_before": before.fresh / before.human if before.human else None,
        "fresh_human_share": after.fresh / after.human if after.human else None,
        "before": before.by_class,
        "after": after.by_class,
        "downsampled": {
            cls: {k: before.by_class[cls][k] - after.by_class[cls][k] for k in ("tokens", "docs")}
            for cls in CLASSES
        },
        "shortfall": shortfall,
        "status": "shortfall" if shortfall else "ok",
    }
    return ScopePlan(thresholds, report)
