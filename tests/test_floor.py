"""The pure floor logic: hypothesis properties over random label/length distributions, scopes and configs.

Every property is checked against an independent recount of the kept documents, not against the report.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provmix.pipeline.floor import MixConfig, select_mix
from provmix.pipeline.floor.config import SCOPE_COLUMNS, SYNTHETIC
from provmix.schemas import documents as d

LABELS = [d.HUMAN, d.AI, d.MT, d.UNKNOWN]
SOURCES = [d.SOURCE_CRAWL, d.SOURCE_CRAWL, d.SOURCE_CRAWL, d.SOURCE_REFERENCE, d.SOURCE_SYNTHETIC]
DATES = ["2019-06-01", "2023-02-01", "2024-08-01", None]


@st.composite
def documents(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(0, 60))
    docs = []
    for i in range(n):
        source = draw(st.sampled_from(SOURCES))
        label = {d.SOURCE_REFERENCE: d.HUMAN, d.SOURCE_SYNTHETIC: d.AI}.get(source) or draw(st.sampled_from(LABELS))
        docs.append(
            d.new_document(
                id=f"doc-{i}",
                label=label,
                source=source,
                n_tokens=draw(st.integers(0, 3000)),
                lang=draw(st.sampled_from(["en", "de", None])),
                domain=draw(st.sampled_from(["a.org", "b.com"])),
                first_seen=draw(st.sampled_from(DATES)),
            )
        )
    return docs


shares = st.floats(0, 0.99, allow_nan=False)


@st.composite
def mixes(draw: st.DrawFn, policy: str | None = None) -> MixConfig:
    return MixConfig(
        name="m",
        human_floor=draw(st.floats(0, 1, allow_nan=False)),
        unit=draw(st.sampled_from(["tokens", "documents"])),
        scope=draw(st.sampled_from(["global", "language", "domain", "source"])),
        caps=draw(st.dictionaries(st.sampled_from([d.AI, d.MT, d.UNKNOWN]), shares, max_size=3)),
        synthetic_cap=draw(st.none() | shares),
        min_human_tokens=draw(st.sampled_from([0, 0, 500])),
        min_fresh_human_share=draw(st.none() | st.floats(0.01, 1, allow_nan=False)),
        fresh_after=draw(st.sampled_from([None, "2023-01-01"])),
        policy=policy or draw(st.sampled_from(["downsample", "fail", "warn"])),
        seed=draw(st.integers(0, 3)),
    )


def floor_class(doc: dict) -> str:
    return SYNTHETIC if doc[d.SOURCE] == d.SOURCE_SYNTHETIC else doc[d.LABEL]


def fresh(doc: dict, mix: MixConfig) -> bool:
    if doc[d.SOURCE] == d.SOURCE_REFERENCE:
        return False
    return mix.fresh_after is None or (doc[d.FIRST_SEEN] is not None and doc[d.FIRST_SEEN] >= mix.fresh_after)


def key(doc: dict, mix: MixConfig) -> str:
    return "all" if mix.scope == "global" else str(doc[SCOPE_COLUMNS[mix.scope]] or "none")


def size(doc: dict, mix: MixConfig) -> int:
    return doc[d.N_TOKENS] if mix.unit == "tokens" else 1


def recount(docs: list[dict], mix: MixConfig, unknown_is_human: bool = False) -> dict[str, dict[str, int]]:
    """Per scope: units per class, human and fresh human units and human tokens, from the documents themselves."""
    humans = {d.HUMAN, d.UNKNOWN} if unknown_is_human else {d.HUMAN}
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for doc in docs:
        counts = out[key(doc, mix)]
        counts[floor_class(doc)] += size(doc, mix)
        counts["total"] += size(doc, mix)
        if floor_class(doc) in humans:
            counts["human_units"] += size(doc, mix)
            counts["fresh"] += size(doc, mix) if fresh(doc, mix) else 0
            counts["human_tokens"] += doc[d.N_TOKENS]
    return out


def violations(counts: dict[str, int], mix: MixConfig) -> set[str]:
    """The share constraints a scope breaks (exact arithmetic)."""
    total, human = counts["total"], counts["human_units"]
    broken = set()
    if human < Fraction(mix.human_floor) * total:
        broken.add("human_floor")
    for cls, cap in mix.class_caps().items():
        if counts[cls] > Fraction(cap) * total:
            broken.add(f"cap:{cls}")
    fresh_share = mix.min_fresh_human_share
    if fresh_share is not None and human and counts["fresh"] < Fraction(fresh_share) * human:
        broken.add("min_fresh_human_share")
    return broken


fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(documents(), mixes(policy="downsample"), st.booleans())
def test_downsample_meets_floor_caps_and_fresh_share_in_every_scope(
    docs: list[dict], mix: MixConfig, unknown_is_human: bool
) -> None:
    if unknown_is_human:
        mix = replace(mix, caps={cls: cap for cls, cap in mix.caps.items() if cls != d.UNKNOWN})
    result = select_mix(docs, replace(mix, unknown_counts_as_human=unknown_is_human))
    assert sorted(x[d.ID] for x in result.kept + result.dropped) == sorted(x[d.ID] for x in docs)
    for scope, counts in recount(result.kept, mix, unknown_is_human).items():
        assert violations(counts, mix) == set(), scope
    for report in result.reports:
        constraints = {s["constraint"] for s in report["shortfall"]}
        assert constraints <= {"min_human_tokens", "empty_scope"}
        assert (report["status"] == "ok") == (not constraints)


@fast
@given(documents(), mixes(policy="downsample"))
def test_only_stale_human_data_is_ever_dropped_from_the_human_class(docs: list[dict], mix: MixConfig) -> None:
    dropped_humans = [x for x in select_mix(docs, mix).dropped if floor_class(x) == d.HUMAN]
    assert all(not fresh(x, mix) for x in dropped_humans)
    if mix.min_fresh_human_share is None:
        assert dropped_humans == []


@fast
@given(documents(), mixes())
def test_reports_agree_with_a_recount_of_the_kept_documents(docs: list[dict], mix: MixConfig) -> None:
    result = select_mix(docs, mix)
    before, after = recount(docs, mix), recount(result.kept, mix)
    assert sorted(r["key"] for r in result.reports) == sorted(before)
    for report in result.reports:
        counts = after.get(report["key"], defaultdict(int))
        unit = "tokens" if mix.unit == "tokens" else "docs"
        for cls in (d.HUMAN, d.AI, d.MT, d.UNKNOWN, SYNTHETIC):
            assert report["after"][cls][unit] == counts[cls]
            assert report["before"][cls][unit] - report["downsampled"][cls][unit] == counts[cls]
        expected = counts[d.HUMAN] / counts["total"] if counts["total"] else None
        assert report["achieved"] == expected
        assert report["human_tokens"] == counts["human_tokens"]


@fast
@given(documents(), mixes(policy="fail") | mixes(policy="warn"))
def test_fail_and_warn_keep_everything_and_report_every_input_shortfall(docs: list[dict], mix: MixConfig) -> None:
    result = select_mix(docs, mix)
    assert result.dropped == []
    before = recount(docs, mix)
    for report in result.reports:
        counts = before[report["key"]]
        expected = violations(counts, mix)
        if counts["human_tokens"] < mix.min_human_tokens:
            expected.add("min_human_tokens")
        assert {s["constraint"] for s in report["shortfall"]} == expected
        assert report["status"] == ("shortfall" if expected else "ok")
        assert report["policy"] == mix.policy


@fast
@given(documents(), mixes(), st.randoms(use_true_random=False))
def test_same_seed_and_input_give_the_same_mix_in_any_order(
    docs: list[dict], mix: MixConfig, rng: random.Random
) -> None:
    shuffled = docs[:]
    rng.shuffle(shuffled)
    first, second = select_mix(docs, mix), select_mix(shuffled, mix)
    assert sorted(x[d.ID] for x in first.kept) == sorted(x[d.ID] for x in second.kept)
    assert first.reports == second.reports


@fast
@given(documents(), mixes(policy="downsample"))
def test_scopes_that_already_meet_every_share_constraint_are_kept_whole(docs: list[dict], mix: MixConfig) -> None:
    result = select_mix(docs, mix)
    satisfied = {scope for scope, counts in recount(docs, mix).items() if not violations(counts, mix)}
    assert not [x for x in result.dropped if key(x, mix) in satisfied]


@fast
@given(documents(), mixes(policy="downsample"))
def test_a_stricter_floor_keeps_no_more_non_human_units_than_a_looser_one(docs: list[dict], mix: MixConfig) -> None:
    # the kept sets need not nest: each floor keeps its own optimum
    loose = MixConfig(human_floor=mix.human_floor / 2, unit=mix.unit, scope=mix.scope, seed=mix.seed)
    strict = MixConfig(human_floor=mix.human_floor, unit=mix.unit, scope=mix.scope, seed=mix.seed)
    kept = {r["key"]: r["kept"] for r in select_mix(docs, loose).reports}
    for report in select_mix(docs, strict).reports:
        assert report["kept"] <= kept[report["key"]]


def test_unknown_counts_as_human_only_when_asked() -> None:
    docs = [d.new_document(id=f"u{i}", label=d.UNKNOWN, n_tokens=10) for i in range(5)]
    docs.append(d.new_document(id="h", label=d.HUMAN, n_tokens=10))
    mix = MixConfig(human_floor=0.5)
    assert len(select_mix(docs, mix).kept) == 2
    counted = select_mix(docs, replace(mix, unknown_counts_as_human=True))
    assert len(counted.kept) == 6 and counted.reports[0]["achieved"] == 1.0


def test_a_scope_without_human_data_is_emptied_and_reported() -> None:
    docs = [d.new_document(id=f"a{i}", label=d.AI, n_tokens=10, lang="xx") for i in range(3)]
    (report,) = select_mix(docs, MixConfig(scope="language")).reports
    assert report["key"] == "xx" and report["status"] == "shortfall"
    assert [s["constraint"] for s in report["shortfall"]] == ["empty_scope"]


@pytest.mark.parametrize(
    "bad",
    [
        {"human_floor": 1.5},
        {"unit": "bytes"},
        {"scope": "country"},
        {"policy": "ignore"},
        {"caps": {d.HUMAN: 0.5}},
        {"caps": {d.AI: 1.0}},
        {"fresh_after": "soon"},
        {"caps": {d.UNKNOWN: 0.1}, "unknown_counts_as_human": True},
    ],
)
def test_mix_config_rejects_bad_values(bad: dict) -> None:
    with pytest.raises(ValueError):
        MixConfig(**bad)


def test_a_binding_cap_is_filled_close_to_its_configured_share() -> None:
    rng = random.Random(0)
    docs = [
        d.new_document(id=f"{label}-{i}", label=label, source=d.SOURCE_CRAWL, n_tokens=rng.randint(1, 50))
        for label in LABELS
        for i in range(1000)
    ]
    mix = MixConfig(human_floor=0.6, caps={d.AI: 0.05})
    counts = recount(select_mix(docs, mix).kept, mix)["all"]
    ai_share = counts[d.AI] / counts["total"]
    # it may stop below the cap by at most the largest bucket of each non-human group (here <= 2 docs x 50)
    assert 0.05 - 3 * 50 * 2 / counts["total"] <= ai_share <= 0.05
    assert counts[d.MT] == pytest.approx(counts[d.UNKNOWN], rel=0.05)  # uncapped classes share one keep rate
