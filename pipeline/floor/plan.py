"""The pure selection logic of the human floor: per-scope histograms → per-group kept buckets → report.

Within a scope every group (floor class, and freshness for human data) has a histogram of its units by
selection bucket (the top bits of a seeded hash of the document id). The floor keeps every human bucket and
chooses which non-human buckets to keep so that the kept non-human units are as many as the constraints allow
(an exact subset-sum search, :mod:`provmix.pipeline.floor.knapsack`), in exact integer arithmetic:

* fresh share: stale human units kept <= F (1 - f) / f           ⇒ F / (F + stale kept) >= f
* floor: non-human units kept K <= H (1 - s) / s                 ⇒ H / (H + K) >= s
* cap of class c: K_c <= cap (H + K)

where H counts the human units kept. Caps depend on the total K, so the search runs on the relaxation
``K_c <= cap (H + K')`` with K' an upper bound of the optimum (first the floor budget, then the previous
result): the relaxed optimum never falls below the true one, and when it meets its own caps it is optimal.
Each failed round lowers K', so the rounds end. Ties go to buckets earlier in the seeded order.

In ``unit: expected_tokens`` every bucket is partly human and the selection is
:mod:`provmix.pipeline.floor.expected`'s.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Mapping, NamedTuple

from provmix.pipeline.floor.config import CLASSES, DOCUMENTS, DOWNSAMPLE, EXPECTED_TOKENS, MixConfig
from provmix.pipeline.floor.expected import select_expected
from provmix.pipeline.floor.groups import Group, Histogram, Selection
from provmix.pipeline.floor.knapsack import best_per_class, exact_feasible, first_fit

MIN_HUMAN_TOKENS = "min_human_tokens"  # the one share-independent constraint: downsampling cannot fix it


class ScopePlan(NamedTuple):
    selection: Selection
    report: dict


def histogram_add(hist: Histogram, bucket: int, tokens: int, expected: int) -> Histogram:
    entry = hist.setdefault(bucket, [0, 0, 0])
    entry[0] += tokens
    entry[1] += 1
    entry[2] += expected
    return hist


def histogram_merge(into: Histogram, other: Histogram) -> Histogram:
    for bucket, counts in other.items():
        entry = into.setdefault(bucket, [0, 0, 0])
        for i, n in enumerate(counts):
            entry[i] += n
    return into


def kept(hist: Histogram, buckets: frozenset | None = None) -> tuple[int, int, int]:
    """(tokens, documents, expected human tokens) of the kept ``buckets`` (None: all)."""
    entries = [entry for bucket, entry in hist.items() if buckets is None or bucket in buckets]
    return sum(e[0] for e in entries), sum(e[1] for e in entries), sum(e[2] for e in entries)


def units(counts: tuple[int, ...], unit: str) -> int:
    """The mix-side units of ``counts``: documents, else tokens (expected_tokens counts a document's every token
    in the mix and ``p_human × tokens`` on the human side)."""
    return counts[1] if unit == DOCUMENTS else counts[0]


class _Chosen(NamedTuple):
    selection: Selection
    exact: bool


def _select(groups: Mapping[Group, Histogram], bounds: Mapping[Group, int], total: int, unit: str) -> _Chosen:
    """Kept buckets per group: the most units within ``total`` overall and ``bounds`` per group."""
    items = {g: [(b, units(hist[b], unit)) for b in sorted(hist)] for g, hist in sorted(groups.items())}
    exact = exact_feasible(sum(map(len, items.values())), total)
    chosen = (best_per_class if exact else first_fit)(items, bounds, total)
    return _Chosen({g: frozenset(chosen[g]) for g in items}, exact)


def _units_kept(groups: Mapping[Group, Histogram], selection: Selection, unit: str) -> dict[Group, int]:
    return {g: units(kept(hist, selection.get(g)), unit) for g, hist in groups.items()}


def floor_allowed(mix: MixConfig, human_units: int, available: int) -> int:
    """Non-human units the floor allows next to ``human_units`` (at most the ``available`` ones)."""
    s = Fraction(mix.human_floor)
    return available if s == 0 else min(available, math.floor(human_units * (1 - s) / s))


def _downsample(mix: MixConfig, groups: Mapping[Group, Histogram], humans: frozenset[str]) -> _Chosen:
    """The largest selection that meets the fresh share, the floor and the caps (see the module docstring)."""
    selection: Selection = {}
    exact = True
    human = {g: h for g, h in groups.items() if g.cls in humans}
    if mix.min_fresh_human_share is not None:
        f = Fraction(mix.min_fresh_human_share)
        fresh_units = sum(units(kept(h), mix.unit) for g, h in human.items() if g.fresh)
        stale = {g: h for g, h in human.items() if not g.fresh}
        chosen = _select(stale, {}, math.floor(fresh_units * (1 - f) / f), mix.unit)
        selection.update(chosen.selection)
        exact = chosen.exact
    h_units = sum(_units_kept(human, selection, mix.unit).values())
    others = {g: h for g, h in groups.items() if g.cls not in humans}
    available = sum(units(kept(h), mix.unit) for h in others.values())
    allowed = floor_allowed(mix, h_units, available)
    cap_of = {cls: Fraction(cap) for cls, cap in mix.class_caps().items()}
    upper = allowed  # an upper bound of the optimum total
    while True:
        bounds = {g: math.floor(cap_of[g.cls] * (h_units + upper)) for g in others if g.cls in cap_of}
        chosen = _select(others, bounds, allowed, mix.unit)
        per_group = _units_kept(others, chosen.selection, mix.unit)
        k = sum(per_group.values())
        if all(per_group[g] <= cap_of[g.cls] * (h_units + k) for g in bounds) or k == 0:
            break
        upper = k  # strictly below the previous bound: the relaxed optimum broke a cap it was allowed at upper
    selection.update(chosen.selection)
    return _Chosen(selection, exact and chosen.exact)


class _Measure(NamedTuple):
    by_class: dict[str, dict[str, int]]
    human: int  # human units
    fresh: int  # fresh human units
    total: int
    human_tokens: int

    def share(self, part: int) -> float | None:
        return part / self.total if self.total else None


def _measure(
    mix: MixConfig, groups: Mapping[Group, Histogram], selection: Selection, humans: frozenset[str]
) -> _Measure:
    by_class = {cls: {"tokens": 0, "docs": 0, "expected_human_tokens": 0} for cls in CLASSES}
    human = fresh = total = human_tokens = 0
    for group, hist in groups.items():
        counts = kept(hist, selection.get(group))
        entry = by_class[group.cls]
        entry["tokens"] += counts[0]
        entry["docs"] += counts[1]
        entry["expected_human_tokens"] += counts[2]
        n = units(counts, mix.unit)
        total += n
        if mix.unit == EXPECTED_TOKENS:
            human += counts[2]
            human_tokens += counts[2]
        elif group.cls in humans:
            human += n
            human_tokens += counts[0]
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
    """The kept buckets of one scope of ``mix`` and its JSON-able floor report.

    Only the downsample policy drops buckets, and only when the scope breaks a share constraint (floor, cap,
    fresh share): a scope that already meets them is kept whole. ``allowed`` (non-human units the floor allows
    next to the human units kept) and ``kept`` (non-human units kept) show what the floor cost; ``exact`` is
    false only where the search was too large and fell back to first-fit.
    """
    before = _measure(mix, groups, {}, humans)
    fixable = [s for s in _shortfalls(mix, before, had_input=False) if s["constraint"] != MIN_HUMAN_TOKENS]
    if mix.policy != DOWNSAMPLE or not fixable:
        chosen = _Chosen({}, True)
    elif mix.unit == EXPECTED_TOKENS:
        chosen = _Chosen(select_expected(groups, mix), False)
    else:
        chosen = _downsample(mix, groups, humans)
    after = _measure(mix, groups, chosen.selection, humans)
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
        "allowed": floor_allowed(mix, after.human, before.total - before.human),
        "kept": after.total - after.human,
        "exact": chosen.exact,
        "shortfall": shortfall,
        "status": "shortfall" if shortfall else "ok",
    }
    return ScopePlan(chosen.selection, report)
