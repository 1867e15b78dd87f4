"""The floor keeps the largest mix it may: the exact search against a brute-force reference on small cases."""
from __future__ import annotations

import itertools
from collections import defaultdict
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provmix.pipeline.floor import MixConfig, select_mix
from provmix.pipeline.floor.groups import bucket_of, floor_class
from provmix.pipeline.floor.knapsack import best_per_class, first_fit
from provmix.schemas import documents as d

NON_HUMAN = [d.AI, d.MT, d.UNKNOWN]


def brute_force(docs: list[dict], mix: MixConfig) -> int:
    """The most non-human tokens any subset of selection buckets can keep under the floor and the caps."""
    human = sum(x[d.N_TOKENS] for x in docs if floor_class(x) == d.HUMAN)
    units: dict[tuple, int] = defaultdict(int)
    for x in docs:
        if floor_class(x) != d.HUMAN:
            units[(floor_class(x), bucket_of(x, mix.seed))] += x[d.N_TOKENS]
    best = 0
    keys = sorted(units)
    for n in range(len(keys) + 1):
        for subset in itertools.combinations(keys, n):
            k = sum(units[key] for key in subset)
            total = human + k
            if total and human < Fraction(mix.human_floor) * total:
                continue
            by_class = defaultdict(int)
            for key in subset:
                by_class[key[0]] += units[key]
            if any(by_class[c] > Fraction(cap) * total for c, cap in mix.caps.items()):
                continue
            best = max(best, k)
    return best


@st.composite
def small_cases(draw) -> tuple[list[dict], MixConfig]:
    n_human = draw(st.integers(0, 3))
    n_other = draw(st.integers(1, 8))
    tokens = st.integers(1, 400)
    docs = [d.new_document(id=f"h{i}", label=d.HUMAN, n_tokens=draw(tokens)) for i in range(n_human)]
    docs += [d.new_document(id=f"o{i}", label=draw(st.sampled_from(NON_HUMAN)), n_tokens=draw(tokens))
             for i in range(n_other)]
    caps = draw(st.dictionaries(st.sampled_from(NON_HUMAN), st.sampled_from([0.05, 0.1, 0.2, 0.3]), max_size=2))
    floor = draw(st.sampled_from([0.3, 0.5, 0.6, 0.75, 0.9]))
    return docs, MixConfig(human_floor=floor, caps=caps, seed=draw(st.integers(0, 3)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_the_floor_keeps_exactly_the_brute_force_optimum(case: tuple[list[dict], MixConfig]) -> None:
    docs, mix = case
    (report,) = select_mix(docs, mix).reports
    assert report["exact"] and report["kept"] == brute_force(docs, mix)
    assert report["kept"] <= report["allowed"]
    assert report["status"] == "ok" or not any(floor_class(x) == d.HUMAN for x in docs)


def test_one_large_document_no_longer_blocks_the_small_ones_behind_it() -> None:
    docs = [d.new_document(id="h", label=d.HUMAN, n_tokens=600)]
    docs += [d.new_document(id=f"m{i}", label=d.MT, n_tokens=n) for i, n in enumerate([1000, 150, 150, 100])]
    (report,) = select_mix(docs, MixConfig(human_floor=0.6)).reports
    assert (report["allowed"], report["kept"]) == (400, 400)


def test_the_same_input_gives_the_same_selection_and_ties_favour_the_seeded_order() -> None:
    items = {"a": [(1, 5), (2, 5), (3, 5)]}
    assert best_per_class(items, {}, 10) == {"a": {1, 2}}
    assert first_fit({"a": [(1, 6), (2, 5), (3, 4)]}, {}, 10) == {"a": {1, 3}}
    docs = [d.new_document(id=f"x{i}", label=d.AI if i % 2 else d.HUMAN, n_tokens=10 + i) for i in range(40)]
    first, second = select_mix(docs, MixConfig()), select_mix(list(reversed(docs)), MixConfig())
    assert sorted(x[d.ID] for x in first.kept) == sorted(x[d.ID] for x in second.kept)
