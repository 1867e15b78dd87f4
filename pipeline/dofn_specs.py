"""Graph construction without Beam's repeated DoFn introspection.

Beam 2.77 asks for a DoFn's state and timer specs (``userstate.get_dofn_specs``) about six times per ParDo while a
pipeline is built and translated, and each call inspects the signature of every method of the DoFn (some 30): on
provmix's graph that was half of the time before the first record (docs/performance.md, eighth round). The specs
of one DoFn instance never change, so :func:`memoize_dofn_specs` computes them once per instance; workers, which
unpickle their own instances, compute them once each.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

from apache_beam.transforms import userstate

Specs = tuple[set, set]


def memoize_dofn_specs() -> None:
    """Make ``userstate.get_dofn_specs`` compute each DoFn instance's specs once (idempotent)."""
    if not getattr(userstate.get_dofn_specs, "memoized", False):
        userstate.get_dofn_specs = _memoized(userstate.get_dofn_specs)


def _memoized(specs_of: Callable[[Any], Specs]) -> Callable[[Any], Specs]:
    known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(specs_of)
    def get_dofn_specs(dofn: Any) -> Specs:
        try:
            specs = known.get(dofn)
        except TypeError:  # not weakly referenceable or not hashable: nothing to remember it by
            return specs_of(dofn)
        if specs is None:
            specs = known[dofn] = specs_of(dofn)
        state, timers = specs
        return set(state), set(timers)  # callers get their own sets, as from the original

    get_dofn_specs.memoized = True  # type: ignore[attr-defined]
    return get_dofn_specs
