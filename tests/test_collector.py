"""Every step's setup tunes the cyclic collector; PROVMIX_GC_THRESHOLDS overrides the thresholds, clearly."""
from __future__ import annotations

import gc
from typing import Iterator

import pytest

from provmix.pipeline import collector
from provmix.pipeline.step import Step


@pytest.fixture(autouse=True)
def restore_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_a_step_setup_raises_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(collector.THRESHOLDS_ENV, raising=False)
    gc.set_threshold(700, 10, 10)
    Step().setup()
    assert gc.get_threshold() == collector.THRESHOLDS
    assert collector.THRESHOLDS[0] > 700


def test_the_environment_overrides_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(collector.THRESHOLDS_ENV, "700,10,10")
    collector.tune_collector()
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize("value", ["lots", "1,2", "1,2,3,4", "5,-1,3"])
def test_a_bad_override_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(collector.THRESHOLDS_ENV, value)
    with pytest.raises(ValueError, match=collector.THRESHOLDS_ENV):
        collector.tune_collector()
