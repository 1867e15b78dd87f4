"""The declared stage list: columns are written before they are read, and both scan paths run the same stages."""
from __future__ import annotations

import dataclasses

import pytest

from provmix.pipeline import graph
from provmix.pipeline.options import RunConfig
from provmix.pipeline.stages import PER_RECORD, STAGES, StageListError, check_columns, stage_names
from provmix.schemas import documents as d


def test_declared_stages_are_consistent() -> None:
    check_columns(STAGES)
    assert graph.STAGES == stage_names(STAGES)
    assert [stage.name for stage in PER_RECORD] == ["extract", "language", "detect"]


def test_a_stage_reading_a_column_nobody_wrote_fails_the_build() -> None:
    language, detect = PER_RECORD[1], PER_RECORD[2]
    with pytest.raises(StageListError, match=f"'detect' reads {d.LANG}"):
        check_columns([STAGES[0], PER_RECORD[0], detect, language])
    with pytest.raises(StageListError, match="nonexistent"):
        check_columns([*STAGES, dataclasses.replace(detect, name="late", reads=("nonexistent",))])


def test_every_per_record_stage_builds_its_transform_and_step_from_the_config() -> None:
    config = RunConfig()
    for stage in PER_RECORD:
        assert stage.section in config.as_dict()
        assert stage.transform(config) is not None and stage.step(config).stage == stage.name
