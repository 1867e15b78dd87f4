"""Rows packed for a shuffle come back equal, key order and value types included, documents in far fewer bytes."""
from __future__ import annotations

import numpy as np
from apache_beam.coders import FastPrimitivesCoder

from provmix.pipeline.packing import pack, unpack
from provmix.schemas.documents import (
    DETECTOR_SCORES,
    EVIDENCE,
    EXACT_KEY,
    HTML_SIGNALS,
    STORED_IN,
    STORED_ROW,
    TEXT,
    new_document,
)


def _row() -> dict:
    return {
        "id": "a" * 32,
        "lang": "de",
        "n_tokens": 162,
        "p_mt": 0.39,
        "p_ai": None,
        "flag": True,
        "html_signals": {"hreflang": [{"lang": "de", "href": "https://x.de/"}], "mt_markers": ["gtranslate"]},
        "evidence": [{"name": "label.rule", "value": "human", "weight": 0.0}],
        "text": "Straße ☃ 中文",
    }


def test_plain_rows_round_trip_with_their_key_order_and_types() -> None:
    row = _row()
    back = unpack(pack(row))
    assert back == row
    assert list(back) == list(row)
    assert [type(value) for value in back.values()] == [type(value) for value in row.values()]


def test_numpy_values_come_back_as_numpy_values() -> None:
    row = {**_row(), "p_mt": np.float32(0.25), "scores": np.arange(3)}
    back = unpack(pack(row))
    assert type(back["p_mt"]) is np.float32 and back["p_mt"] == np.float32(0.25)
    assert back["scores"].tolist() == [0, 1, 2]


def _document() -> dict:
    doc = new_document(id="b" * 32, url="https://example.org/a", lang="en", n_tokens=420, source="crawl")
    doc[DETECTOR_SCORES] = [{"detector": "ai-default", "version": "2.1.0", "kind": "ai", "score": 0.12,
                             "threshold": 0.9, "human_threshold": 0.2},
                            {"detector": "mt-default", "version": "0.4.0", "kind": "mt", "score": None,
                             "threshold": None, "human_threshold": None}]
    doc[EVIDENCE] = [{"name": "label.rule", "value": "human_below_max", "weight": 0.0}]
    doc[HTML_SIGNALS] = {"html_lang": "en", "content_language": None,
                         "hreflang": [{"lang": "de", "href": "https://example.org/de/a"}, None],
                         "meta_generator": None, "mt_markers": ["weglot"]}
    del doc[TEXT]
    return {**doc, EXACT_KEY: "k" * 16, STORED_IN: "/work/checkpoints/part-00001.parquet", STORED_ROW: 7}


def test_documents_pack_by_position_into_far_fewer_bytes_than_with_their_names() -> None:
    doc = _document()
    back = unpack(pack(doc))
    assert back == doc and list(back) == list(doc)
    assert list(back[HTML_SIGNALS]) == list(doc[HTML_SIGNALS])
    assert len(pack(doc)) < 0.6 * len(FastPrimitivesCoder().encode(doc))


def test_values_that_do_not_fit_their_schema_and_unknown_keys_come_back_as_they_were() -> None:
    doc = _document()
    doc[EVIDENCE] = [{"name": "x", "value": "1", "weight": 0.5, "extra": True}]  # a field the struct lacks
    doc[DETECTOR_SCORES] = ({"detector": "d"},)  # a tuple where a list belongs
    doc[HTML_SIGNALS] = {"mt_markers": ["gtranslate"], "html_lang": "fr"}  # fields out of the schema's order
    doc["not_a_column"] = {"nested": [1, 2]}
    doc[3] = "a key that is not a string"
    back = unpack(pack(doc))
    assert back == doc and list(back) == list(doc)
    assert type(back[DETECTOR_SCORES]) is tuple
    assert list(back[HTML_SIGNALS]) == ["mt_markers", "html_lang"]
