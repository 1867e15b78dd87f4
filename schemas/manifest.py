"""JSON Schema of ``manifest.json``, the account of one run.

The invariant every consumer relies on: ``mixes.<name>.counts.read == kept + rejected + failed`` for every mix,
where ``kept`` counts the rows of ``mix/<name>/`` and ``rejected``/``failed`` the rows of ``rejected/`` that are
common to all mixes (``mix`` null) or belong to that mix. ``counts`` repeats the primary (first) mix's counts;
``rejected_rows`` is the row count of ``rejected/`` (every mix's rows). ``status`` is ``failed`` when a floor
with policy ``fail`` was not met: then no table was committed and ``outputs`` is empty.
"""
from __future__ import annotations

from provmix.schemas.version import SCHEMA_VERSION

_COUNT_MAP = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_NESTED_COUNT_MAP = {"type": "object", "additionalProperties": _COUNT_MAP}

MANIFEST_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "provmix run manifest",
    "type": "object",
    "required": [
        "schema_version",
        "provmix_version",
        "status",
        "started_at",
        "finished_at",
        "wall_seconds",
        "config",
        "config_sha256",
        "stages_run",
        "inputs",
        "models",
        "counts",
        "by_stage",
        "by_reason",
        "by_label",
        "by_language",
        "mixes",
        "outputs",
        "verified",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "provmix_version": {"type": "string"},
        "status": {"enum": ["ok", "failed"]},
        "output": {"type": "string"},
        "versions": {"type": "object", "additionalProperties": {"type": "string"}},
        "started_at": {"type": "string"},
        "finished_at": {"type": "string"},
        "wall_seconds": {"type": "number", "minimum": 0},
        "runner": {"type": "string"},
        "config": {"type": "object"},
        "config_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "stages_run": {"type": "array", "items": {"type": "string"}},
        "stages_skipped": {"type": "object", "additionalProperties": {"type": "string"}},
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "bytes", "format", "records"],
                "properties": {
                    "path": {"type": "string"},
                    "bytes": {"type": "integer", "minimum": 0},
                    "format": {"type": "string"},
                    "records": {"type": "integer", "minimum": 0},
                    "skipped": _COUNT_MAP,
                    "error": {"type": ["string", "null"]},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "version", "kind"],
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "kind": {"type": "string"},
                    "sha256": {"type": ["string", "null"]},
                    "path": {"type": ["string", "null"]},
                },
            },
        },
        "counts": {
            "type": "object",
            "required": ["read", "kept", "rejected", "failed"],
            "properties": {
                "read": {"type": "integer", "minimum": 0},
                "kept": {"type": "integer", "minimum": 0},
                "rejected": {"type": "integer", "minimum": 0},
                "failed": {"type": "integer", "minimum": 0},
                "skipped_records": _COUNT_MAP,
            },
        },
        "by_stage": _NESTED_COUNT_MAP,
        "by_reason": _COUNT_MAP,
        "by_label": _COUNT_MAP,
        "by_language": _COUNT_MAP,
        "mixes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["documents", "tokens", "by_label", "counts", "floor_status"],
                "properties": {
                    "counts": {
                        "type": "object",
                        "required": ["read", "kept", "rejected", "failed"],
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "floor_status": {"type": "string"},
                    "documents": {"type": "integer", "minimum": 0},
                    "tokens": {"type": "integer", "minimum": 0},
                    "by_label": _COUNT_MAP,
                    "tokens_by_label": _COUNT_MAP,
                    "floor_rejected": {"type": "integer", "minimum": 0},
                },
            },
        },
        "floor": {"type": "array", "items": {"type": "object"}},
        "rejected_rows": {"type": "integer", "minimum": 0},
        "problems": {"type": "array", "items": {"type": "string"}},
        "dedup": {"type": ["object", "null"]},
        "metrics": {"type": "object"},
        "outputs": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "verified": {"type": "boolean"},
    },
}
