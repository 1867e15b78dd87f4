"""The floor in expected human tokens (``unit: expected_tokens``): feasible exactly, near the brute-force optimum."""
from __future__ import annotations

import itertools
from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provmix.pipeline.floor import MixConfig, select_mix
from provmix.pipeline.floor.groups import bucket_of, expected_human_tokens, floor_class
from provmix.pipeline.label.decide import decide_label
from provmix.schemas import documents as d

EXPECTED = "expected_tokens"


def buckets(docs: list[dict], mix: MixConfig) -> dict[tuple, list[int]]:
    """(class, bucket) → [tokens, expected human tokens]: the floor's selection units."""
    units: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for x in docs:
        entry = units[(floor_class(x), bucket_of(x, mix.seed))]
        entry[0] += x[d.N_TOKENS]
        entry[1] += expected_human_tokens(x, x[d.N_TOKENS])
    return units


def feasible(kept: list[list[int]], classes: list[str], mix: MixConfig) -> bool:
    total = sum(t for t, _ in kept)
    human = sum(h for _, h in kept)
    if total and human < Fraction(mix.human_floor) * total:
        return False
    by_class: dict[str, int] = defaultdict(int)
    for (t, _), cls in zip(kept, classes):
        by_class[cls] += t
    return all(by_class[c] <= Fraction(cap) * total for c, cap in mix.caps.items())


def brute_force(docs: list[dict], mix: MixConfig) -> int:
    """The most tokens any subset of selection buckets can keep with the expected human share and the caps."""
    units = buckets(docs, mix)
    keys = sorted(units)
    best = 0
    for n in range(len(keys) + 1):
        for subset in itertools.combinations(keys, n):
            if feasible([units[k] for k in subset], [k[0] for k in subset], mix):
                best = max(best, sum(units[k][0] for k in subset))
    return best


@st.composite
def small_cases(draw) -> tuple[list[dict], MixConfig]:
    n = draw(st.integers(1, 9))
    p = st.one_of(st.none(), st.floats(0, 1))
    docs = [d.new_document(id=f"x{i}", label=draw(st.sampled_from(d.LABELS)), n_tokens=draw(st.integers(1, 400)),
                           p_human=draw(p)) for i in range(n)]
    caps = draw(st.dictionaries(st.sampled_from([d.AI, d.MT]), st.sampled_from([0.1, 0.3]), max_size=1))
    floor = draw(st.sampled_from([0.3, 0.5, 0.6, 0.8]))
    return docs, MixConfig(human_floor=floor, unit=EXPECTED, caps=caps, seed=draw(st.integers(0, 3)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_the_greedy_selection_meets_the_floor_and_without_caps_stays_within_one_bucket_of_the_optimum(case) -> None:
    docs, mix = case
    local = select_mix(docs, mix)
    (report,) = local.reports
    units = buckets(local.kept, mix)
    kept_tokens = sum(t for t, _ in units.values())
    everything = buckets(docs, mix)
    optimum = brute_force(docs, mix)
    largest = max(t for t, _ in everything.values())
    if feasible(list(everything.values()), [k[0] for k in everything], mix):
        assert kept_tokens == sum(x[d.N_TOKENS] for x in docs)  # a scope that meets the floor is kept whole
    if report["status"] == "ok":
        assert feasible(list(units.values()), [k[0] for k in units], mix)
        assert kept_tokens <= optimum
        assert mix.caps or kept_tokens >= optimum - largest  # the greedy's bound holds without caps


def test_a_document_adds_p_human_times_tokens_to_the_human_side() -> None:
    docs = [d.new_document(id="a", label=d.AI, n_tokens=1000, p_human=0.7),
            d.new_document(id="b", label=d.UNKNOWN, n_tokens=500, p_human=None)]
    (report,) = select_mix(docs, MixConfig(human_floor=0.3, unit=EXPECTED)).reports
    assert report["achieved"] == pytest.approx(700 / 1500)
    assert report["after"][d.AI]["expected_human_tokens"] == 700
    assert report["after"][d.UNKNOWN]["expected_human_tokens"] == 0  # no evidence counts nothing human


def test_the_floor_drops_the_least_human_documents_per_token_first() -> None:
    docs = [d.new_document(id="h", label=d.HUMAN, n_tokens=1000, p_human=0.9),  # slack 0.9·1000 − 0.6·1000 = 300
            d.new_document(id="a", label=d.AI, n_tokens=500, p_human=0.1),  # costs 250: 0.5 per token
            d.new_document(id="u", label=d.UNKNOWN, n_tokens=600, p_human=0.4)]  # costs 120: 0.2 per token
    local = select_mix(docs, MixConfig(human_floor=0.6, unit=EXPECTED))
    assert sorted(x[d.ID] for x in local.kept) == ["h", "u"]
    assert local.reports[0]["status"] == "ok" and local.reports[0]["exact"] is False


def test_label_options_clash_with_expected_tokens() -> None:
    with pytest.raises(ValueError, match="unknown_counts_as_human"):
        MixConfig(unit=EXPECTED, unknown_counts_as_human=True)
    with pytest.raises(ValueError, match="min_fresh_human_share"):
        MixConfig(unit=EXPECTED, min_fresh_human_share=0.5)


def test_the_label_stage_writes_p_human() -> None:
    human = decide_label(d.new_document(id="h", lang="en", detector_scores=[
        {d.DETECTOR: "x", d.VERSION: "1", d.KIND: d.AI, d.SCORE: 0.1},
        {d.DETECTOR: "y", d.VERSION: "1", d.KIND: d.MT, d.SCORE: 0.05}]))
    assert human.label == d.HUMAN and human.p_human == pytest.approx(human.confidence)
    assert 0 < human.p_human < 1
    assert decide_label(d.new_document(id="n")).p_human is None  # no evidence at all
    reference = decide_label(d.new_document(id="r", source=d.SOURCE_REFERENCE))
    synthetic = decide_label(d.new_document(id="s", source=d.SOURCE_SYNTHETIC))
    assert (reference.p_human, synthetic.p_human) == (1.0, 0.0)
