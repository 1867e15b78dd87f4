"""A step that holds what it makes within a bundle and sends it on in batches: the producer side of the shuffles
that cross as a few large elements (dedup's edge ends, band and exact-key entries; the URL siblings' pairs).

A Beam runner pays a fixed cost per element crossing a shuffle, and the in-process runner holds a shuffle's values
decoded until it is read; a producer that groups or packs its own output per bundle pays neither per value.
"""
from __future__ import annotations

from typing import Iterator

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue

MAX_BUFFERED = 100_000  # values a BundleBuffer holds before sending them on


class BundleBuffer(beam.DoFn):
    """A step that holds what it makes and sends it on in batches: at the end of each bundle (in the global window:
    dedup runs on bounded input) or whenever ``max_buffered`` values are held. A subclass says how an element is
    held (:meth:`hold`, returning how many values it added) and what the held values become (:meth:`flush`)."""

    def __init__(self, max_buffered: int = MAX_BUFFERED) -> None:
        self.max_buffered = max_buffered

    def clear(self) -> None:
        """Start holding nothing."""
        raise NotImplementedError

    def hold(self, element: object) -> int:
        raise NotImplementedError

    def flush(self) -> Iterator:
        """The outputs of the values held; holds nothing afterwards."""
        raise NotImplementedError

    def start_bundle(self) -> None:
        self.clear()
        self._held = 0

    def process(self, element: object) -> Iterator:
        self._held += self.hold(element)
        if self._held >= self.max_buffered:
            self._held = 0
            yield from self.flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for output in self.flush():
            yield GlobalWindows.windowed_value(output)
