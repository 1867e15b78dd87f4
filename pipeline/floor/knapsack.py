"""Exact subset sums: the largest total of item weights within a bound, and which items make it.

Reachable sums are bit sets held in Python integers (bit ``t`` set: some subset sums to ``t``), so one item
costs one shift-or over ``bound`` bits. Ties are broken towards items earlier in the given order (the floor's
seeded order): reconstruction walks backwards and drops an item whenever the target stays reachable without it.
Among the splits of an optimum between classes, the one nearest a proportional split is taken (every class keeps
the same share of its units unless its bound binds first), so the optimum keeps the non-human composition.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Hashable, Mapping, Sequence

Item = tuple[Hashable, int]  # (key, weight >= 0)
MAX_WORK_BITS = 1 << 28  # items × bound bits kept for reconstruction (32 MiB)
MAX_EXACT_BOUND = 1 << 17  # combining classes costs up to bound² / 64 word operations per class


def exact_feasible(items: int, bound: int) -> bool:
    """Whether the exact search fits its memory and time bounds; otherwise the floor uses :func:`first_fit`."""
    return bound <= MAX_EXACT_BOUND and items * (bound + 1) <= MAX_WORK_BITS


def _reachable(items: Sequence[Item], bound: int) -> list[int]:
    """``sets[i]``: sums reachable with the first ``i`` items (within ``bound``)."""
    mask = (1 << (bound + 1)) - 1
    sets = [1]
    for _, weight in items:
        sets.append((sets[-1] | (sets[-1] << weight)) & mask)
    return sets


def _reconstruct(items: Sequence[Item], sets: list[int], target: int) -> set:
    chosen = set()
    for i in range(len(items) - 1, -1, -1):
        if not sets[i] >> target & 1:  # not reachable without item i: keep it
            key, weight = items[i]
            chosen.add(key)
            target -= weight
    return chosen


def proportional(available: Mapping[str, int], bounds: Mapping[str, int], total: int) -> dict[str, Fraction]:
    """Water-filling: the largest common rate r with Σ min(r A_c, bound_c) <= total; per class min(r A_c, bound_c)."""
    limit = {c: Fraction(min(a, bounds.get(c, a))) for c, a in available.items()}
    if sum(limit.values()) <= total:
        return limit
    saturated, slope = Fraction(0), sum(a for a in available.values() if a > 0)
    rate = Fraction(0)
    for point, c in sorted((limit[c] / a, c) for c, a in available.items() if a > 0):
        if saturated + slope * point >= total:
            rate = (total - saturated) / slope
            break
        saturated += limit[c]
        slope -= available[c]
    return {c: min(available[c] * rate, limit[c]) for c in available}


def _bits(reachable: int, upto: int) -> list[int]:
    """The set bits of ``reachable`` up to ``upto``."""
    found, reachable = [], reachable & ((1 << (upto + 1)) - 1)
    while reachable:
        low = reachable & -reachable
        found.append(low.bit_length() - 1)
        reachable ^= low
    return found


def best_per_class(classes: Mapping[str, Sequence[Item]], bounds: Mapping[str, int], total: int) -> dict[str, set]:
    """Keys to keep per class: the largest sum over all classes within ``total``, each class within its bound,
    split between classes as near the proportional split (:func:`proportional`) as the reachable sums allow."""
    names = list(classes)
    sets = {c: _reachable(classes[c], min(bounds.get(c, total), total)) for c in names}
    mask = (1 << (total + 1)) - 1
    combined = [1]  # combined[j]: sums reachable with the first j classes
    for c in names:
        acc = 0
        for t in _bits(sets[c][-1], total):
            acc |= combined[-1] << t
        combined.append(acc & mask)
    target = combined[-1].bit_length() - 1
    wanted = proportional({c: sum(w for _, w in classes[c]) for c in names}, bounds, target)
    chosen: dict[str, set] = {}
    for j in range(len(names) - 1, -1, -1):
        c = names[j]
        share = min((t for t in _bits(sets[c][-1], target) if combined[j] >> (target - t) & 1),
                    key=lambda t: (abs(t - wanted[c]), t))
        chosen[c] = _reconstruct(classes[c], sets[c], share)
        target -= share
    return chosen


def first_fit(classes: Mapping[str, Sequence[Item]], bounds: Mapping[str, int], total: int) -> dict[str, set]:
    """The fallback past :func:`exact_feasible`: items in order (classes interleaved by position), each kept when it
    fits both bounds. Within one item's weight of the optimum when weights are small against the bounds."""
    used = {c: 0 for c in classes}
    chosen: dict[str, set] = {c: set() for c in classes}
    order = sorted(((i, c) for c, items in classes.items() for i in range(len(items))), key=lambda ic: ic[0])
    kept = 0
    for i, c in order:
        key, weight = classes[c][i]
        if kept + weight <= total and used[c] + weight <= bounds.get(c, total):
            chosen[c].add(key)
            used[c] += weight
            kept += weight
    return chosen
