"""The memoized DoFn spec lookup gives Beam what the original gives, computing it once per DoFn instance."""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.coders import VarIntCoder
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import userstate
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from provmix.pipeline import dofn_specs


class Counting(beam.DoFn):
    COUNT = ReadModifyWriteStateSpec("count", VarIntCoder())

    def process(self, item, count=beam.DoFn.StateParam(COUNT)):
        seen = (count.read() or 0) + 1
        count.write(seen)
        yield item[0], seen


class Plain(beam.DoFn):
    def process(self, item):
        yield item


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list:
    """``userstate.get_dofn_specs`` memoized over a recording original; the calls that reached the original."""
    original = userstate.get_dofn_specs
    calls: list = []

    def recording(dofn):
        calls.append(dofn)
        return original(dofn)

    monkeypatch.setattr(userstate, "get_dofn_specs", recording)
    dofn_specs.memoize_dofn_specs()
    return calls


def test_specs_are_the_originals_and_computed_once_per_instance(counted: list) -> None:
    stateful, plain = Counting(), Plain()
    for _ in range(3):
        assert userstate.get_dofn_specs(stateful) == ({Counting.COUNT}, set())
        assert userstate.get_dofn_specs(plain) == (set(), set())
    assert counted == [stateful, plain]
    assert userstate.is_stateful_dofn(stateful) and not userstate.is_stateful_dofn(plain)
    assert counted == [stateful, plain]


def test_callers_cannot_change_what_is_remembered(counted: list) -> None:
    stateful = Counting()
    userstate.get_dofn_specs(stateful)[0].clear()
    assert userstate.get_dofn_specs(stateful) == ({Counting.COUNT}, set())


def test_memoizing_twice_wraps_once(counted: list) -> None:
    wrapped = userstate.get_dofn_specs
    dofn_specs.memoize_dofn_specs()
    assert userstate.get_dofn_specs is wrapped


def test_a_stateful_pipeline_still_runs_with_its_state(counted: list) -> None:
    with beam.Pipeline("FnApiRunner") as p:
        out = p | beam.Create([("a", 1), ("a", 2), ("b", 3)]) | beam.ParDo(Counting())
        assert_that(out, equal_to([("a", 1), ("a", 2), ("b", 1)]))
    assert len(counted) == len({id(dofn) for dofn in counted})  # each instance's specs computed once
