"""Rows packed for a shuffle come back equal, key order and value types included."""
from __future__ import annotations

import numpy as np

from provmix.pipeline.packing import pack, unpack


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
