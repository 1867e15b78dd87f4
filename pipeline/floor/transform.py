"""HumanFloor: the floor of every configured mix, enforced in Beam with the pure logic of ``plan``.

Per mix: documents → ((scope, group), (bucket, tokens)) → CombinePerKey into histograms → grouped per scope →
``plan_scope`` (kept buckets + report) → side input → each document kept or rejected with ``human_floor``. The
documents wait for their mix's plan packed (:mod:`provmix.pipeline.packing`): the in-process runner holds all of
them between the two steps.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue

from provmix.pipeline.counters import StageCounter
from provmix.pipeline.floor.config import MixConfig, check_mixes
from provmix.pipeline.floor.groups import Group, Histogram, group_of, histogram_entry, human_classes, is_kept, scope_key
from provmix.pipeline.floor.plan import ScopePlan, histogram_add, histogram_merge, plan_scope
from provmix.pipeline.packing import pack, unpack
from provmix.pipeline.step import DOCUMENTS, REJECTS
from provmix.schemas.rejects import HUMAN_FLOOR, MIX, make_reject

STAGE = "human_floor"


class FloorResult(NamedTuple):
    mixes: dict  # mix name → PCollection of kept documents
    rejects: beam.PCollection  # documents dropped from a mix, one row per (document, mix)
    reports: beam.PCollection  # one JSON-able report per mix and scope


class _HistogramFn(beam.CombineFn):
    def create_accumulator(self) -> Histogram:
        return {}

    def add_input(self, hist: Histogram, counts: tuple[int, int, int]) -> Histogram:
        return histogram_add(hist, *counts)

    def merge_accumulators(self, hists: Iterable[Histogram]) -> Histogram:
        merged: Histogram = {}
        for hist in hists:
            histogram_merge(merged, hist)
        return merged

    def extract_output(self, hist: Histogram) -> Histogram:
        return hist


class _Select(beam.DoFn):
    """Keep a (packed) document when its bucket is among its group's kept buckets; otherwise reject it for this
    mix."""

    def __init__(self, mix: MixConfig, humans: frozenset[str]) -> None:
        self.mix = mix
        self.humans = humans

    def setup(self) -> None:
        self.kept = StageCounter(STAGE, f"{self.mix.name}.kept")
        self.dropped = StageCounter(STAGE, f"{self.mix.name}.dropped")

    def process(self, packed: bytes, selection_by_scope: dict) -> Iterable:
        doc = unpack(packed)
        key = scope_key(doc, self.mix)
        if is_kept(doc, self.mix, self.humans, selection_by_scope.get(key, {})):
            self.kept.inc()
            yield doc
            return
        self.dropped.inc()
        group = group_of(doc, self.mix, self.humans)
        detail = f"class={group.cls} {self.mix.scope}={key} floor={self.mix.human_floor} unit={self.mix.unit}"
        row = make_reject(doc, stage=STAGE, reason=HUMAN_FLOOR, detail=detail)
        yield pvalue.TaggedOutput(REJECTS, {**row, MIX: self.mix.name})


def _keyed_entry(doc: dict, mix: MixConfig, humans: frozenset[str]) -> tuple[tuple, tuple[int, int, int]]:
    """``((scope, class, fresh), (bucket, tokens, expected human tokens))``: a plain-tuple key, so Beam encodes it
    deterministically."""
    return (scope_key(doc, mix), *group_of(doc, mix, humans)), histogram_entry(doc, mix.seed)


def _by_scope(key: tuple, hist: Histogram) -> tuple[str, tuple[Group, Histogram]]:
    scope, cls, fresh = key
    return scope, (Group(cls, fresh), hist)


def _plan(
    scope_groups: tuple[str, Iterable[tuple[Group, Histogram]]], mix: MixConfig, humans: frozenset[str]
) -> tuple[str, ScopePlan]:
    key, groups = scope_groups
    return key, plan_scope(mix, key, dict(groups), humans)


class _OneMix(beam.PTransform):
    """(documents, the same documents packed) → (kept documents, rejects, reports) of one mix."""

    def __init__(self, mix: MixConfig, humans: frozenset[str]) -> None:
        super().__init__()
        self.mix = mix
        self.humans = humans

    def expand(self, inputs: tuple[beam.PCollection, beam.PCollection]):
        docs, packed = inputs
        mix, humans = self.mix, self.humans
        plans = (
            docs
            | "Entries" >> beam.Map(_keyed_entry, mix, humans)
            | "Histograms" >> beam.CombinePerKey(_HistogramFn())
            | "ByScope" >> beam.MapTuple(_by_scope)
            | "GroupScopes" >> beam.GroupByKey()
            | "Plan" >> beam.Map(_plan, mix, humans)
        )
        selection = plans | "Selection" >> beam.MapTuple(lambda key, plan: (key, plan.selection))
        reports = plans | "Reports" >> beam.MapTuple(lambda _, plan: plan.report)
        selected = packed | "Select" >> beam.ParDo(_Select(mix, humans), pvalue.AsDict(selection)).with_outputs(
            REJECTS, main=DOCUMENTS
        )
        return selected[DOCUMENTS], selected[REJECTS], reports


class HumanFloor(beam.PTransform):
    """Enforce every mix's floor on labelled documents (see ``plan`` for the guarantee)."""

    def __init__(self, mixes: Sequence[MixConfig]) -> None:
        super().__init__()
        check_mixes(list(mixes))
        self.mixes = tuple(mixes)

    def expand(self, docs: beam.PCollection) -> FloorResult:
        packed = docs | "Pack" >> beam.Map(pack)
        outputs = {mix.name: (docs, packed) | f"Mix[{mix.name}]" >> _OneMix(mix, human_classes(mix))
                   for mix in self.mixes}
        rejects = [rejected for _, rejected, _ in outputs.values()] | "Rejects" >> beam.Flatten()
        reports = [report for _, _, report in outputs.values()] | "Reports" >> beam.Flatten()
        return FloorResult({name: kept for name, (kept, _, _) in outputs.items()}, rejects, reports)
