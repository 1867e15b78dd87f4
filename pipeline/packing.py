"""Rows packed into bytes before a step that holds many documents, unpacked by the step that reads them.

A grouping shuffle on the in-process runner (FnApiRunner's ``GroupingBuffer``) decodes every value it groups and
holds it decoded until the group is read: a document without its text is about 8 KB as Python objects but
1.1 KB encoded, and each value is decoded and encoded once more than across a fused boundary. Packed, the runner
holds and copies bytes.

Packing is positional: the column names of :mod:`provmix.schemas.documents` become one byte each (a third of an
encoded document was its column names), and the structs of the nested columns (detector scores, evidence items,
HTML signals) become tuples, their field names taken from the Arrow schema. The values are then encoded by Beam's
own ``FastPrimitivesCoder`` (what the shuffle would have used), so every value comes back with its type; any other
key, or a nested value that does not have its struct's fields in the schema's order, is kept as it was. A text-free
WARC document packs into about 710 bytes instead of 1,220 (``marshal`` was measured faster but writes any buffer,
a NumPy scalar, as bytes).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyarrow as pa
from apache_beam.coders import FastPrimitivesCoder

from provmix.schemas import documents as d
from provmix.schemas.documents import MIX

_CODER = FastPrimitivesCoder().get_impl()
_RAW = 0x80  # a layout byte with this bit: the column's value is kept as it was (it did not fit its Arrow type)
_OTHER = 0xFF  # a key that is not a known column: its slot holds (key, value)


class _Unfit(Exception):
    """A nested value that does not have the shape of its Arrow type."""


class _Shape:
    """How a value of one Arrow type is packed: structs as tuples of their fields, lists item by item."""

    def __init__(self, arrow_type: pa.DataType) -> None:
        self.is_list = pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
        self.item = _shape(arrow_type.value_type) if self.is_list else None
        self.names = tuple(field.name for field in arrow_type) if pa.types.is_struct(arrow_type) else ()
        self.nested = tuple((position, shape) for position, field in enumerate(arrow_type)
                            if (shape := _shape(field.type))) if self.names else ()
        flat = self.item is not None and not self.item.is_list and not self.item.nested
        self.flat_items = self.item.names if flat else None  # a list of flat structs (the common case), inlined

    def pack(self, value: Any) -> Any:
        if value is None:
            return None
        if self.is_list:
            if type(value) is not list:
                raise _Unfit
            if self.flat_items is not None:
                return [_fields(item, self.flat_items) for item in value]
            return [self.item.pack(item) for item in value] if self.item else value
        if not self.nested:
            return _fields(value, self.names)
        if type(value) is not dict or tuple(value) != self.names:
            raise _Unfit
        fields = list(value.values())
        for position, shape in self.nested:
            fields[position] = shape.pack(fields[position])
        return tuple(fields)

    def unpack(self, value: Any) -> Any:
        if value is None:
            return None
        if self.is_list:
            if (names := self.flat_items) is not None:
                return [None if fields is None else dict(zip(names, fields)) for fields in value]
            return [self.item.unpack(item) for item in value] if self.item else value
        row = dict(zip(self.names, value))
        for position, shape in self.nested:
            name = self.names[position]
            row[name] = shape.unpack(row[name])
        return row


def _fields(item: Any, names: tuple[str, ...]) -> tuple | None:
    """A flat struct's values (None stays None)."""
    if item is None:
        return None
    if type(item) is not dict or tuple(item) != names:
        raise _Unfit
    return tuple(item.values())


def _shape(arrow_type: pa.DataType) -> _Shape | None:
    """The packing of a nested Arrow type; None for a type whose values need none (scalars, lists of scalars)."""
    if pa.types.is_struct(arrow_type):
        return _Shape(arrow_type)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        shape = _Shape(arrow_type)
        return shape if shape.item else None
    return None


_FIELDS = [*d.DOCUMENT_SCHEMA, *(pa.field(name, pa.string()) for name in (d.EXACT_KEY, d.STORED_IN, MIX)),
           pa.field(d.STORED_ROW, pa.int64())]
COLUMNS = tuple(field.name for field in _FIELDS)  # the keys packed as one byte each, by position
_INDEX = {name: index for index, name in enumerate(COLUMNS)}
_SHAPES = {field.name: shape for field in _FIELDS if (shape := _shape(field.type))}
assert len(COLUMNS) < _RAW


@lru_cache(maxsize=1024)
def _layout(layout: bytes) -> tuple[tuple[str | None, ...], tuple[tuple[int, _Shape], ...]]:
    """A layout's keys (None: a key kept in its slot) and the positions of its packed nested values."""
    keys = tuple(None if byte == _OTHER else COLUMNS[byte & ~_RAW] for byte in layout)
    nested = tuple((position, _SHAPES[key]) for position, (key, byte) in enumerate(zip(keys, layout))
                   if key in _SHAPES and not byte & _RAW)
    return keys, nested


@lru_cache(maxsize=1024)
def _layout_of(keys: tuple) -> tuple[bytes, tuple[tuple[int, _Shape], ...], tuple[int, ...]]:
    """A row's keys → its layout, the positions of its nested values and those of keys that are not columns."""
    layout = bytes(_INDEX.get(key, _OTHER) if type(key) is str else _OTHER for key in keys)
    nested = tuple((position, _SHAPES[key]) for position, key in enumerate(keys) if key in _SHAPES)
    return layout, nested, tuple(position for position, byte in enumerate(layout) if byte == _OTHER)


def pack(row: dict) -> bytes:
    """``row`` as bytes that :func:`unpack` turns back into an equal dict, keys in the same order."""
    keys = tuple(row)
    layout, nested, others = _layout_of(keys)
    values = list(row.values())
    for position, shape in nested:
        if values[position] is not None:
            try:
                values[position] = shape.pack(values[position])
            except _Unfit:
                layout = layout[:position] + bytes([layout[position] | _RAW]) + layout[position + 1 :]
    for position in others:
        values[position] = (keys[position], values[position])
    return _CODER.encode((layout, *values))


def unpack(packed: bytes) -> dict:
    """The row :func:`pack` packed."""
    layout, *values = _CODER.decode(packed)
    keys, nested = _layout(layout)
    for position, shape in nested:
        values[position] = shape.unpack(values[position])
    if None not in keys:
        return dict(zip(keys, values))
    return dict(value if key is None else (key, value) for key, value in zip(keys, values))
