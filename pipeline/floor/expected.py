"""The floor in expected human tokens: a document adds ``p_human × tokens`` to the human side of its mix.

Every bucket carries tokens ``t`` and expected human tokens ``h``, so every bucket is partly human. The floor
``s`` holds when ``Σ h >= s Σ t`` over the kept buckets, i.e. when their costs ``c = s t − h`` sum to at most 0.
A bucket of cost <= 0 only adds slack and tokens, so all of them are kept first; the others form a 0/1 knapsack
(value ``t``, cost ``c``, budget the slack), filled greedily by cost per token, the order of the fractional
optimum: without caps the kept tokens are within one bucket of the optimum. Caps bound the tokens of a labelled
class (see :func:`select_expected`). Arithmetic is exact (fractions); ties go to the seeded order.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping

from provmix.pipeline.floor.config import MixConfig
from provmix.pipeline.floor.groups import Group, Histogram, Selection


def select_expected(groups: Mapping[Group, Histogram], mix: MixConfig) -> Selection:
    """Kept buckets per group: the most tokens whose expected human share is at least ``mix.human_floor``.

    Caps depend on the kept total, so the greedy runs with class bounds ``cap × U`` for an upper bound ``U`` of the
    total (first the floor alone), and again with ``U`` the kept total while that breaks a cap; each such round
    lowers ``U``, so the rounds end.
    """
    s = Fraction(mix.human_floor)
    caps = {cls: Fraction(cap) for cls, cap in mix.class_caps().items()}
    items = sorted(((group, bucket, tokens, s * tokens - expected)
                    for group, hist in sorted(groups.items())
                    for bucket, (tokens, _, expected) in sorted(hist.items())), key=_cheapest_first)
    upper = None
    while True:
        chosen, by_class = _greedy(items, {} if upper is None else {c: cap * upper for c, cap in caps.items()})
        total = sum(by_class.values())
        if total == 0 or all(by_class.get(c, 0) <= cap * total for c, cap in caps.items()):
            return {group: frozenset(chosen.get(group, ())) for group in groups}
        upper = total


def _cheapest_first(item: tuple) -> tuple:
    """Free buckets (cost <= 0) first, then by cost per token; the sort is stable, so ties keep the seeded order."""
    _, _, tokens, cost = item
    return (0, 0) if cost <= 0 else (1, cost / tokens)


def _greedy(items: list[tuple], bounds: Mapping[str, Fraction]) -> tuple[dict, dict[str, int]]:
    """Buckets in order, each kept while the floor's slack covers its cost and its class stays within its bound."""
    chosen: dict[Group, set] = {}
    by_class: dict[str, int] = {}
    slack = Fraction(0)
    for group, bucket, tokens, cost in items:
        class_tokens = by_class.get(group.cls, 0) + tokens
        if cost > slack or class_tokens > bounds.get(group.cls, class_tokens):
            continue
        chosen.setdefault(group, set()).add(bucket)
        slack -= cost
        by_class[group.cls] = class_tokens
    return chosen, by_class
