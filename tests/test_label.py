"""decide_label: one test per rule, idempotence of the double pass, and the Beam stage."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.dedup.keeper import observed_date
from provmix.pipeline.dedup.transform import LABEL_MIX_EVIDENCE
from provmix.pipeline.label import DEFAULT_PROVIDERS, Label, LabelConfig, decide_label
from provmix.pipeline.label.decide import LabelStep, apply_decision, provisional_decision_stands
from provmix.pipeline.label.evidence import EvidenceProvider, logit, sigmoid
from provmix.schemas import documents as d

NO_PROVIDERS: tuple = ()


def scores(**by_kind: float | None) -> list[dict]:
    """Detector scores as the detect stage writes them: one test detector per kind (None: it abstained)."""
    return [{d.DETECTOR: f"{kind}-test", d.VERSION: "1", d.KIND: kind, d.SCORE: p} for kind, p in by_kind.items()]


def doc(p_ai: float | None = None, p_mt: float | None = None, **columns: object) -> dict:
    """A document scored ``p_ai`` / ``p_mt`` by one detector per kind (no detector where None)."""
    by_kind = {kind: p for kind, p in ((d.AI, p_ai), (d.MT, p_mt)) if p is not None}
    base = {d.ID: "x", d.TEXT: "some text", d.SOURCE: d.SOURCE_CRAWL, d.CRAWL_DATE: "2024-05-01T10:00:00Z"}
    columns.setdefault(d.DETECTOR_SCORES, scores(**by_kind))
    return d.new_document(**{**base, **columns})


def names(evidence: list[dict]) -> list[str]:
    return [e[d.NAME] for e in evidence]


def rule(evidence: list[dict]) -> str:
    (value,) = [e[d.VALUE] for e in evidence if e[d.NAME] == "label.rule"]
    return value


def decide(document: dict, config: LabelConfig = LabelConfig(), providers: tuple = NO_PROVIDERS):
    return decide_label(document, config, providers)[:3]


def test_declared_reference_is_human_and_synthetic_is_ai_whatever_the_detectors_say() -> None:
    assert decide(doc(source=d.SOURCE_REFERENCE, p_ai=0.99))[:2] == (d.HUMAN, 1.0)
    label, confidence, evidence = decide(doc(source=d.SOURCE_SYNTHETIC, p_ai=0.01, p_mt=0.01))
    assert (label, confidence, rule(evidence)) == (d.AI, 1.0, "declared_source:synthetic")


def test_detector_probability_above_threshold_labels_the_kind_and_the_larger_kind_wins() -> None:
    label, confidence, evidence = decide(doc(p_ai=0.9, p_mt=0.1))
    assert (label, rule(evidence)) == (d.AI, "ai_above_threshold")
    assert confidence == pytest.approx(0.9)
    assert decide(doc(p_ai=0.7, p_mt=0.8))[0] == d.MT


def test_human_needs_every_required_kind_ruled_out() -> None:
    label, confidence, evidence = decide(doc(p_ai=0.1, p_mt=0.05))
    assert (label, rule(evidence)) == (d.HUMAN, "human_below_max")
    assert confidence == pytest.approx(0.9 * 0.95)
    assert {"label.p_ai:ai-test", "label.p_mt:mt-test"} <= set(names(evidence))


def test_uncertain_band_and_missing_detectors_are_unknown_not_human() -> None:
    label, confidence, evidence = decide(doc(p_ai=0.3, p_mt=0.05))
    assert (label, confidence, rule(evidence)) == (d.UNKNOWN, None, "unknown:uncertain:ai")
    assert rule(decide(doc(p_ai=0.05, p_mt=None))[2]) == "unknown:no_evidence:mt"
    assert rule(decide(doc())[2]) == "unknown:no_evidence:ai,mt"


def test_human_requires_is_configurable() -> None:
    config = LabelConfig(human_requires=[d.AI])
    assert decide(doc(p_ai=0.05, p_mt=None), config)[0] == d.HUMAN


def test_pre_cutoff_crawl_date_rules_out_ai_even_without_an_ai_detector() -> None:
    old = doc(crawl_date="2019-03-01T00:00:00Z", p_mt=0.05)
    label, _, evidence = decide(old)
    assert label == d.HUMAN
    date_items = [e for e in evidence if e[d.NAME] == "label.pre_cutoff_crawl_date"]
    assert date_items == [{d.NAME: "label.pre_cutoff_crawl_date", d.VALUE: "crawl_date=2019-03-01", d.WEIGHT: -4.0}]
    assert "label.ai_base_rate" in names(evidence)
    # a pre-cutoff date says nothing about machine translation
    assert decide(doc(crawl_date="2019-03-01", p_mt=0.9))[0] == d.MT


def test_pre_cutoff_date_lowers_but_need_not_overturn_a_confident_detector() -> None:
    p_ai = 0.999
    label, confidence, _ = decide(doc(crawl_date="2019-03-01", p_ai=p_ai, p_mt=0.01))
    assert label == d.AI
    assert confidence < p_ai


def test_first_seen_is_preferred_over_a_late_crawl_date_and_implausible_dates_are_ignored() -> None:
    evidence = decide(doc(first_seen="2021-01-02", p_ai=0.5, p_mt=0.01))[2]
    assert any(e[d.VALUE] == "first_seen=2021-01-02" for e in evidence)
    epoch = decide(doc(last_modified="1970-01-01T00:00:00Z", p_ai=0.5, p_mt=0.01))[2]
    assert "label.pre_cutoff_server_date" not in names(epoch)


def test_server_dates_count_only_as_weak_evidence() -> None:
    config = LabelConfig()
    evidence = decide(doc(last_modified="2020-06-01", http_date="2020-07-01", p_ai=0.5, p_mt=0.01), config)[2]
    (item,) = [e for e in evidence if e[d.NAME].startswith("label.pre_cutoff")]
    assert item[d.NAME] == "label.pre_cutoff_server_date"
    assert (item[d.VALUE], item[d.WEIGHT]) == ("last_modified=2020-06-01", config.evidence["pre_cutoff_server_date"])
    assert -1.0 < item[d.WEIGHT] < 0


def test_a_found_watermark_labels_ai_and_a_missing_one_says_nothing() -> None:
    found = [{d.DETECTOR: "kgw", d.VERSION: "1", d.KIND: "watermark", d.SCORE: 0.999}]
    label, _, evidence = decide(doc(detector_scores=scores(ai=0.3, mt=0.01) + found))
    assert label == d.AI and "label.watermark" in names(evidence)
    found[0][d.SCORE] = 0.2
    assert "label.watermark" not in names(decide(doc(detector_scores=scores(ai=0.1, mt=0.01) + found))[2])


def test_provider_and_upstream_sibling_facts_move_the_mt_posterior_with_configured_weights() -> None:
    widget = EvidenceProvider(d.MT, "markup", lambda _, w: [{d.NAME: "mt_widget", d.VALUE: "gtranslate", d.WEIGHT: 3.0}])
    label, confidence, evidence = decide(doc(p_ai=0.05, p_mt=0.3), providers=(widget,))
    assert label == d.MT and "label.markup.mt_widget" in names(evidence)
    assert confidence == pytest.approx(sigmoid(logit(0.3) + 3.0))
    sibling = {d.NAME: "url_language_siblings", d.VALUE: "de,fr,it", d.WEIGHT: 0.0}  # the stage records a fact
    strong = LabelConfig(evidence={"url_language_siblings_many": 3.0})
    assert decide(doc(p_ai=0.05, p_mt=0.1, evidence=[sibling]), strong, DEFAULT_PROVIDERS)[0] == d.MT
    assert decide(doc(p_ai=0.05, p_mt=0.1, evidence=[sibling]), LabelConfig(), DEFAULT_PROVIDERS)[0] == d.UNKNOWN
    unrelated = {**sibling, d.NAME: "something_else"}
    assert decide(doc(p_ai=0.05, p_mt=0.1, evidence=[unrelated]), strong, DEFAULT_PROVIDERS)[0] == d.HUMAN


def test_markup_evidence_alone_uses_the_base_rate_prior() -> None:
    strong = EvidenceProvider(d.MT, "markup", lambda _, w: [{d.NAME: "mt_widget", d.VALUE: "x", d.WEIGHT: 4.0}])
    label, _, evidence = decide(doc(p_ai=0.05, p_mt=None), providers=(strong,))
    assert label == d.MT and "label.mt_base_rate" in names(evidence)


def test_second_pass_keeps_upstream_evidence_and_replaces_its_own() -> None:
    upstream = {d.NAME: "url_language_siblings", d.VALUE: "de,en", d.WEIGHT: 0.0}
    first = doc(p_ai=0.1, p_mt=0.05, evidence=[upstream])
    label, confidence, evidence = decide(first, providers=DEFAULT_PROVIDERS)
    second = {**first, d.LABEL: label, d.LABEL_CONFIDENCE: confidence, d.EVIDENCE: evidence}
    assert decide(second, providers=DEFAULT_PROVIDERS) == (label, confidence, evidence)
    assert names(evidence).count("label.siblings.url_language_siblings") == 1
    assert names(evidence).count("url_language_siblings") == 1
    # the final pass sees first_seen from dedup and changes only what that changes
    after_dedup = {**second, d.FIRST_SEEN: "2020-01-01"}
    final = decide(after_dedup)[2]
    assert names(final).count("label.pre_cutoff_crawl_date") == 1 and final[0] == upstream


def test_config_rejects_inconsistent_thresholds() -> None:
    with pytest.raises(ValueError):
        LabelConfig(human_max_p_ai=0.6, ai_threshold=0.5)
    with pytest.raises(ValueError):
        LabelConfig(human_requires=["watermark"])
    with pytest.raises(ValueError):
        LabelConfig(earliest_plausible_date="2023-01-01")
    with pytest.raises(ValueError):
        LabelConfig(cutoff_date="late 2022")


def test_label_stage_runs_twice_in_beam_with_the_same_result() -> None:
    docs = [doc(id="h", p_ai=0.05, p_mt=0.05), doc(id="a", p_ai=0.95, p_mt=0.05), doc(id="u")]
    expected = [("a", d.AI), ("h", d.HUMAN), ("u", d.UNKNOWN)]
    with beam.Pipeline(runner="FnApiRunner") as p:
        once = p | beam.Create(docs) | "Provisional" >> Label(LabelConfig(), NO_PROVIDERS)
        twice = once.documents | "Final" >> Label(LabelConfig(), NO_PROVIDERS)
        evidence_sizes = twice.documents | "Sizes" >> beam.Map(lambda x: (x[d.ID], len(x[d.EVIDENCE])))
        first_sizes = once.documents | "FirstSizes" >> beam.Map(lambda x: (x[d.ID], len(x[d.EVIDENCE])))
        assert_that(twice.documents | beam.Map(lambda x: (x[d.ID], x[d.LABEL])), equal_to(expected))
        assert_that(twice.rejects, equal_to([]), label="NoRejects")
        merged = (evidence_sizes, first_sizes) | beam.Flatten() | beam.GroupByKey()
        assert_that(merged | beam.MapTuple(lambda k, v: len(set(v))), equal_to([1, 1, 1]), label="Stable")


def _after_dedup(record: dict, cluster_size: int, earlier_copy: bool = False) -> dict:
    """``record`` as dedup's Route passes it on: cluster columns set, ``first_seen`` the cluster's earliest crawl
    date (its own, unless an earlier copy exists), and a cluster of two or more gains the informational label mix."""
    out = {**record, d.CLUSTER_ID: record[d.ID], d.CLUSTER_SIZE: cluster_size, d.KEEPER_ID: record[d.ID],
           d.FIRST_SEEN: "2020-01-01T00:00:00Z" if earlier_copy else observed_date(record)}
    if cluster_size > 1:
        mix = {d.NAME: LABEL_MIX_EVIDENCE, d.VALUE: "human=1,unknown=1", d.WEIGHT: 0.0}
        out[d.EVIDENCE] = [*record[d.EVIDENCE], mix]
    return out


def test_the_pass_after_dedup_keeps_a_decision_only_where_deciding_again_would_repeat_it() -> None:
    rng = random.Random(5)
    crawl_dates = ["2024-05-01T10:00:00Z", "2021-03-01T10:00:00Z", "2021-05-02T01:00:00+05:00", None, "garbage"]
    config = LabelConfig()
    step = LabelStep(config, DEFAULT_PROVIDERS, "label", after_dedup=True)
    step.start()
    kept = 0
    for number in range(300):
        p_ai, p_mt = (rng.choice([None, rng.random()]) for _ in range(2))
        document = doc(id=f"d{number}", p_ai=p_ai, p_mt=p_mt, crawl_date=rng.choice(crawl_dates),
                       http_date=rng.choice([None, "2019-06-01T00:00:00Z"]),
                       first_seen=rng.choice([None, None, "2019-01-01T00:00:00Z"]))  # as an input may carry it
        provisional = apply_decision(document, decide_label(document, config))
        size = rng.choice([1, 1, 1, 2])
        final = _after_dedup(provisional, size, earlier_copy=size > 1 and rng.random() < 0.5)
        assert step.apply(final) == [apply_decision(final, decide_label(final, config))]
        kept += provisional_decision_stands(final, config)
    assert 0 < kept < 300
    carried = doc(p_ai=0.1, p_mt=0.1, first_seen="2019-01-01T00:00:00Z")  # its date evidence came from first_seen
    final = _after_dedup(apply_decision(carried, decide_label(carried, config)), cluster_size=1)
    assert not provisional_decision_stands(final, config), "dedup's first_seen takes that evidence away"
