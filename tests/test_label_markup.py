"""MT markup: the scanner (widget/plugin/notice traces in raw HTML) and the label evidence built from html_signals."""
from __future__ import annotations

import time

import pytest

from provmix.detectors.machine_translation.markup import find_mt_markers
from provmix.pipeline.label.config import DEFAULT_WEIGHTS, EVIDENCE
from provmix.pipeline.label.markup import markup_evidence as with_weights
from provmix.pipeline.label.markup import primary_language
from provmix.schemas import documents as d


def page(head: str = "", body: str = "<p>Ein ganz gewöhnlicher Absatz.</p>", html_attrs: str = 'lang="de"') -> str:
    return f"<!doctype html><html {html_attrs}><head><title>t</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "html, marker",
    [
        (page(head='<script src="//translate.google.com/translate_a/element.js?cb=googleTranslateElementInit"></script>'), "google_translate_widget"),
        (page(body='<div id="google_translate_element"></div>'), "google_translate_widget"),
        (page(body='<iframe class="goog-te-banner-frame skiptranslate"></iframe>'), "google_translate_classes"),
        (page(head='<script src="https://cdn.gtranslate.net/widgets/latest/float.js"></script>'), "gtranslate"),
        (page(head='<script src="https://cdn.weglot.com/weglot.min.js"></script>'), "weglot"),
        (page(head='<script src="//cdn.conveythis.com/javascript/conveythis.js"></script>'), "conveythis"),
        (page(body='<div class="transposh_flags"></div>'), "transposh"),
        (page(body='<span data-trp-translate-id="12">Hallo</span>'), "translatepress"),
        (page(head='<script src="https://www.microsofttranslator.com/ajax/v3/WidgetV3.ashx"></script>'), "bing_translator_widget"),
        (page(head='<script src="https://translate.yandex.net/website-widget/v1/widget.js"></script>'), "yandex_translate_widget"),
        (page(body='<a href="https://example-com.translate.goog/?_x_tr_sl=en&_x_tr_tl=de">x</a>'), "google_translate_proxy"),
        (page(body="<p>This article was machine translated and may contain errors.</p>"), "machine_translation_notice"),
        (page(body="<p>Dieser Text wurde maschinell übersetzt.</p>"), "machine_translation_notice"),
        (page(body="<p>本文由机器翻译。</p>"), "machine_translation_notice"),
        (page(body="<p>Translated from the Japanese by A. Person.</p>"), "translated_from_notice"),
        (page(body='<span translate="no">Brand</span>'), "translate_no"),
        (page(body='<span class="brand notranslate">Brand</span>'), "notranslate_class"),
        (page(head='<meta name="google" content="notranslate">'), "google_notranslate_meta"),
    ],
)
def test_each_marker_is_found(html: str, marker: str) -> None:
    assert marker in find_mt_markers(html)


def test_plain_page_has_no_markers() -> None:
    html = page(body="<p>We translate poetry by hand; our translators are people.</p><p>Class notes.</p>")
    assert find_mt_markers(html) == []


def test_markers_are_case_insensitive_and_sorted() -> None:
    html = page(head='<SCRIPT SRC="//CDN.WEGLOT.COM/weglot.min.js"></SCRIPT>', body='<div class="GOOG-TE-combo"></div>')
    assert find_mt_markers(html) == ["google_translate_classes", "weglot"]


def test_marker_at_the_end_of_a_huge_page_is_found_quickly() -> None:
    html = page(body="<p>filler text</p>" * 200_000 + '<script src="https://cdn.weglot.com/weglot.min.js"></script>')
    start = time.perf_counter()
    assert find_mt_markers(html) == ["weglot"]
    assert time.perf_counter() - start < 1.0  # bounded scan: head + tail of a 3 MB page


def markup_evidence(doc: dict) -> list[dict]:
    return with_weights(doc, DEFAULT_WEIGHTS)


def test_weights_come_from_the_label_config() -> None:
    weights = {**DEFAULT_WEIGHTS, "mt_serving_plugin": 1.75}
    (item,) = with_weights(doc(**{d.MT_MARKERS: ["weglot"]}), weights)
    assert item == {d.NAME: "mt_serving_plugin", d.VALUE: "weglot", d.WEIGHT: 1.75}


def doc(lang: str | None = "de", **signals: object) -> dict:
    base = {d.HTML_LANG: None, d.CONTENT_LANGUAGE: None, d.HREFLANG: [], d.META_GENERATOR: None, d.MT_MARKERS: []}
    return {d.LANG: lang, d.HTML_SIGNALS: {**base, **signals}}


def names(items: list[dict]) -> dict[str, dict]:
    return {item[d.NAME]: item for item in items}


def test_evidence_items_have_the_schema_fields_and_documented_weights() -> None:
    items = markup_evidence(doc(**{d.MT_MARKERS: ["weglot", "google_translate_classes", "notranslate_class"]}))
    for item in items:
        assert set(item) == {d.NAME, d.VALUE, d.WEIGHT}
        assert isinstance(item[d.VALUE], str) and isinstance(item[d.WEIGHT], float)
        assert item[d.WEIGHT] == EVIDENCE[item[d.NAME]].weight
    assert set(names(items)) == {"mt_serving_plugin", "mt_client_widget", "mt_opt_out_markup"}


def test_translated_page_and_notice_outweigh_client_widgets() -> None:
    strong = names(markup_evidence(doc(**{d.MT_MARKERS: ["google_translate_proxy", "machine_translation_notice"]})))
    weak = names(markup_evidence(doc(**{d.MT_MARKERS: ["google_translate_widget"]})))
    assert min(i[d.WEIGHT] for i in strong.values()) > weak["mt_client_widget"][d.WEIGHT] > 0


def test_author_notranslate_meta_argues_against_mt() -> None:
    items = names(markup_evidence(doc(**{d.MT_MARKERS: ["google_notranslate_meta"]})))
    assert items["author_notranslate_meta"][d.WEIGHT] < 0


def test_meta_generator_of_an_mt_plugin_counts_as_serving_plugin() -> None:
    items = names(markup_evidence(doc(**{d.META_GENERATOR: "TranslatePress Multilingual 2.6"})))
    assert items["mt_serving_plugin"][d.VALUE] == "translatepress"
    assert markup_evidence(doc(**{d.META_GENERATOR: "WordPress 6.4"})) == []


def test_hreflang_alternates_count_distinct_languages() -> None:
    two = [{d.LANG: "en", d.HREF: "/en/"}, {d.LANG: "de-DE", d.HREF: "/de/"}, {d.LANG: "x-default", d.HREF: "/"}]
    many = [{d.LANG: code, d.HREF: f"/{code}/"} for code in ("en", "de", "fr", "es", "it", "pt")]
    assert names(markup_evidence(doc(**{d.HREFLANG: two})))["hreflang_alternates"][d.VALUE] == "2"
    assert names(markup_evidence(doc(**{d.HREFLANG: many})))["hreflang_many_alternates"][d.VALUE] == "6"
    assert markup_evidence(doc(**{d.HREFLANG: two[:1]})) == []


def test_declared_language_mismatch() -> None:
    items = names(markup_evidence(doc("de", **{d.HTML_LANG: "en-US"})))
    assert items["declared_language_mismatch"][d.VALUE] == "html_lang=en,detected=de"
    assert markup_evidence(doc("de", **{d.HTML_LANG: "de-AT"})) == []
    assert markup_evidence(doc(None, **{d.HTML_LANG: "en"})) == []


def test_no_markup_no_evidence() -> None:
    assert markup_evidence({d.LANG: "en"}) == []
    assert markup_evidence({d.LANG: "en", d.HTML_SIGNALS: None}) == []


@pytest.mark.parametrize("tag, expected", [("de-AT", "de"), ("pt_BR", "pt"), ("EN", "en"), ("x-default", None), ("", None), (None, None)])
def test_primary_language(tag: str | None, expected: str | None) -> None:
    assert primary_language(tag) == expected
