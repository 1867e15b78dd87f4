"""URL language siblings: the URL key, the packed (key, language) pairs and the Beam transform."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.label.config import DEFAULT_WEIGHTS
from provmix.pipeline.label.siblings import (
    EVIDENCE_NAME,
    MANY_NAME,
    LanguagePairs,
    UrlLanguageSiblings,
    is_language_marker,
    key_digest,
    keyed,
    multilingual_keys,
    sibling_key,
    siblings_evidence,
)
from provmix.schemas import documents as d
from tests.shuffles import assert_read_after_shuffle


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com/en/about/",
        "https://example.com/de-de/about",
        "https://example.com/pt_BR/about",
        "http://example.com/about?lang=fr",
        "https://fr.example.com/about",
        "https://example.com/about",
    ],
)
def test_language_versions_share_a_key(url: str) -> None:
    assert sibling_key(url) == "example.com/about"


def test_file_marker_and_other_query_parameters() -> None:
    assert sibling_key("https://example.com/page.fr.html") == sibling_key("https://example.com/page.html")
    assert sibling_key("https://example.com/p?id=3&hl=ja") == "example.com/p?id=3"
    assert sibling_key("https://example.com/p?id=3") != sibling_key("https://example.com/p?id=4")


def test_non_language_segments_and_hosts_are_kept() -> None:
    assert sibling_key("https://example.com/us/about") == "example.com/us/about"  # "us" is no ISO 639-1 code
    assert sibling_key("https://news.example.com/a") == "news.example.com/a"
    assert sibling_key("https://de.com/a") == "de.com/a"  # a two-label host keeps its first label
    assert sibling_key("not a url") is None
    assert sibling_key(None) is None


def test_is_language_marker() -> None:
    assert all(map(is_language_marker, ["en", "de-de", "zh-hans", "es-419", "PT_br"]))
    assert not any(map(is_language_marker, ["us", "about", "eng", "e", "en-"]))


def test_transform_adds_evidence_to_multilingual_groups_only() -> None:
    docs = [
        {d.ID: "a-en", d.URL: "https://ex.com/en/a", d.LANG: "en", d.EVIDENCE: []},
        {d.ID: "a-de", d.URL: "https://ex.com/de/a", d.LANG: "de", d.EVIDENCE: [{d.NAME: "x", d.VALUE: "1", d.WEIGHT: 0.0}]},
        {d.ID: "a-fr", d.URL: "https://fr.ex.com/a", d.LANG: "fr", d.EVIDENCE: None},
        {d.ID: "b-en", d.URL: "https://ex.com/b", d.LANG: "en", d.EVIDENCE: []},
        {d.ID: "b-en2", d.URL: "https://ex.com/en/b", d.LANG: "en", d.EVIDENCE: []},  # same language: no siblings
        {d.ID: "c-de", d.URL: "https://ex.com/c?lang=de", d.LANG: "de", d.EVIDENCE: []},
        {d.ID: "c-en", d.URL: "https://ex.com/c", d.LANG: "en", d.EVIDENCE: []},
        {d.ID: "no-url", d.URL: None, d.LANG: "en", d.EVIDENCE: []},
    ]
    three = (EVIDENCE_NAME, "de,en,fr", 0.0)  # facts: the label stage weighs them
    two = (EVIDENCE_NAME, "de,en", 0.0)
    expected = [
        ("a-en", [three]),
        ("a-de", [("x", "1", 0.0), three]),
        ("a-fr", [three]),
        ("b-en", []),
        ("b-en2", []),
        ("c-de", [two]),
        ("c-en", [two]),
        ("no-url", []),
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        out = pipeline | beam.Create(docs) | UrlLanguageSiblings()
        found = out | beam.Map(lambda doc: (doc[d.ID], [(e[d.NAME], e[d.VALUE], e[d.WEIGHT]) for e in doc[d.EVIDENCE]]))
        assert_that(found, equal_to(expected))


def test_the_label_provider_weighs_two_and_many_languages_with_the_configured_weights() -> None:
    def fact(langs: str) -> dict:
        return {d.EVIDENCE: [{d.NAME: "x", d.VALUE: "1", d.WEIGHT: 0.0}, {d.NAME: EVIDENCE_NAME, d.VALUE: langs, d.WEIGHT: 0.0}]}

    weights = {**DEFAULT_WEIGHTS, EVIDENCE_NAME: 0.25, MANY_NAME: 2.0}
    assert siblings_evidence(fact("de,en"), weights) == [{d.NAME: EVIDENCE_NAME, d.VALUE: "de,en", d.WEIGHT: 0.25}]
    assert siblings_evidence(fact("de,en,fr"), weights) == [{d.NAME: MANY_NAME, d.VALUE: "de,en,fr", d.WEIGHT: 2.0}]
    assert siblings_evidence({d.EVIDENCE: None}, weights) == []


@pytest.mark.parametrize("partitions,max_buffered", [(1, 100_000), (7, 100_000), (64, 5), (4096, 1)])
def test_packed_language_pairs_give_the_keys_seen_in_two_or_more_languages(partitions: int, max_buffered: int) -> None:
    rng = random.Random(partitions)
    urls = [f"https://{rng.choice(['', 'de.', 'fr.', 'www.'])}site{rng.randrange(30)}.org/"
            f"{rng.choice(['', 'en/', 'pt-br/'])}page{rng.randrange(3)}" for _ in range(400)]
    docs = [{d.URL: url, d.LANG: rng.choice(["de", "en", "fr", "pt", "zh-Hant"])} for url in urls]
    docs += [{d.URL: None, d.LANG: "de"}, {d.URL: "https://x.org/a", d.LANG: None}]
    expected: dict[str, set[str]] = {}
    for doc in docs:
        key = sibling_key(doc[d.URL])
        if key and doc[d.LANG]:
            expected.setdefault(key, set()).add(doc[d.LANG])
    wanted = sorted((key_digest(key), sorted(langs)) for key, langs in expected.items() if len(langs) >= 2)
    assert wanted  # the sample has multilingual keys
    assert_read_after_shuffle([keyed(doc) for doc in docs], LanguagePairs(partitions, max_buffered), multilingual_keys,
                              wanted)
