"""Dates that cannot be spoofed: server-set HTTP dates never turn AI pages human nor reach first_seen."""
from __future__ import annotations

import pytest

from provmix.pipeline.dates import parse_date
from provmix.pipeline.dedup.keeper import Member, SummariseCluster
from provmix.pipeline.label import LabelConfig, decide_label
from provmix.schemas import documents as d

SPOOFED = {d.LAST_MODIFIED: "2019-03-01T00:00:00Z", d.HTTP_DATE: "2019-03-01T00:00:00Z"}


def page(p_ai: float, **columns: object) -> dict:
    scores = [{d.DETECTOR: "ai-test", d.VERSION: "1", d.KIND: d.AI, d.SCORE: p_ai},
              {d.DETECTOR: "mt-test", d.VERSION: "1", d.KIND: d.MT, d.SCORE: 0.01}]
    base = {d.ID: f"p{p_ai}", d.TEXT: "text", d.SOURCE: d.SOURCE_CRAWL, d.CRAWL_DATE: "2024-05-01T00:00:00Z"}
    return d.new_document(**{**base, d.DETECTOR_SCORES: scores, **columns})


@pytest.mark.parametrize("p_ai", [0.5, 0.51, 0.6, 0.75, 0.9, 0.99])
def test_spoofed_server_dates_cannot_turn_ai_pages_human(p_ai: float) -> None:
    assert decide_label(page(p_ai)).label == d.AI
    spoofed = decide_label(page(p_ai, **SPOOFED))
    assert spoofed.label != d.HUMAN
    (date_item,) = [e for e in spoofed.evidence if e[d.NAME].startswith("label.pre_cutoff")]
    assert date_item[d.NAME] == "label.pre_cutoff_server_date"


def test_a_crawler_observed_date_is_strong_and_names_its_source() -> None:
    own = decide_label(page(0.6, crawl_date="2019-03-01T00:00:00Z"))
    cluster = decide_label(page(0.6, first_seen="2019-03-01T00:00:00Z"))
    assert own.label == cluster.label == d.HUMAN
    values = [[e[d.VALUE] for e in x.evidence if e[d.NAME] == "label.pre_cutoff_crawl_date"] for x in (own, cluster)]
    assert values == [["crawl_date=2019-03-01"], ["first_seen=2019-03-01"]]


def test_server_date_weights_that_could_whitewash_an_ai_label_are_rejected() -> None:
    with pytest.raises(ValueError, match="pre_cutoff_server_date"):
        LabelConfig(evidence={"pre_cutoff_server_date": -4.0})
    with pytest.raises(ValueError, match="unknown names"):
        LabelConfig(evidence={"pre_cutof_crawl_date": -4.0})


def test_first_seen_and_the_keeper_ignore_server_dates() -> None:
    ai = {**page(0.9, **SPOOFED), d.ID: "spoofed", d.LABEL: d.AI}
    other = {**page(0.9), d.ID: "other", d.CRAWL_DATE: "2024-01-01T00:00:00Z", d.LABEL: d.AI}
    combine = SummariseCluster()
    cluster = combine.extract_output(combine.add_input(combine.add_input(
        combine.create_accumulator(), Member.of(ai, b"k")), Member.of(other, b"k")))
    assert cluster.first_seen == "2024-01-01T00:00:00Z" and cluster.keeper.id == "other"


def test_one_parse_date_reads_every_form_the_readers_write() -> None:
    assert parse_date("2019-03-01").isoformat() == "2019-03-01T00:00:00+00:00"
    assert parse_date("2019-03-01T01:00:00+05:00").isoformat() == "2019-02-28T20:00:00+00:00"
    assert parse_date("2019-03-01T12:00:00Z") == parse_date("2019-03-01T12:00:00")
    assert parse_date("late 2022") is None and parse_date(None) is None and parse_date(20190301) is None
