"""The floor as a pure in-memory function: the reference the Beam transform must agree with.

Useful for tests and for re-mixing from a stored labels table without Beam (labels as data).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, NamedTuple

from provmix.pipeline.floor.config import MixConfig
from provmix.pipeline.floor.groups import Histogram, group_of, histogram_entry, human_classes, is_kept, scope_key
from provmix.pipeline.floor.plan import histogram_add, plan_scope


class LocalMix(NamedTuple):
    kept: list[dict]
    dropped: list[dict]
    reports: list[dict]  # one per scope, sorted by scope key


def select_mix(docs: Iterable[dict], mix: MixConfig) -> LocalMix:
    docs = list(docs)
    humans = human_classes(mix)
    hists: dict[str, dict] = defaultdict(lambda: defaultdict(Histogram))
    for doc in docs:
        group = group_of(doc, mix, humans)
        histogram_add(hists[scope_key(doc, mix)][group], *histogram_entry(doc, mix.seed))
    plans = {key: plan_scope(mix, key, groups, humans) for key, groups in hists.items()}
    kept, dropped = [], []
    for doc in docs:
        selection = plans[scope_key(doc, mix)].selection
        (kept if is_kept(doc, mix, humans, selection) else dropped).append(doc)
    return LocalMix(kept, dropped, [plans[key].report for key in sorted(plans)])
