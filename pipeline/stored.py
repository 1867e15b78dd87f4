"""Late materialisation: documents whose whole row (text included) is stored in a Parquet file travel without
their text, naming the file and row (:data:`d.STORED_IN`, :data:`d.STORED_ROW`); whoever needs the text back reads it
from there: the writers, and dedup for the documents of candidate pairs.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from provmix.pipeline.packing import unpack
from provmix.schemas import documents as d


def without_text(document: dict) -> dict:
    """A stored document as the global stages carry it: its text stays in the stored file."""
    return {column: value for column, value in document.items() if column != d.TEXT}


class ReadBackText(beam.DoFn):
    """``(stored file, its rows without text, each packed by :func:`pipeline.packing.pack`)`` → the rows with their
    text, read from the file a row group at a time (only the groups that hold one of the rows)."""

    def process(self, item: tuple[str, Iterable[bytes]]) -> Iterator[dict]:
        path, rows = item
        pending = sorted(map(unpack, rows), key=lambda row: row[d.STORED_ROW])
        with FileSystems.open(path) as source:
            parquet = pq.ParquetFile(source)
            start, next_row = 0, 0
            for group in range(parquet.num_row_groups):
                end = start + parquet.metadata.row_group(group).num_rows
                first = next_row
                while next_row < len(pending) and pending[next_row][d.STORED_ROW] < end:
                    next_row += 1
                if next_row > first:
                    wanted = pending[first:next_row]
                    texts = parquet.read_row_group(group, columns=[d.TEXT]).column(0)
                    picked = texts.take([row[d.STORED_ROW] - start for row in wanted]).to_pylist()
                    for row, text in zip(wanted, picked):
                        yield {**row, d.TEXT: text}
                start = end
        if next_row < len(pending):
            raise ValueError(f"{path} holds {start} rows; row {pending[next_row][d.STORED_ROW]} was asked")
