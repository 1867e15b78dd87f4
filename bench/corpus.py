"""The labelled real texts in ``../shared/data`` as plain rows, read once for benchmarks and shard generation."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Iterator

from provmix.schemas.documents import AI, HUMAN, MT

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WMT_FILES = ("mt/wmt22.jsonl.gz", "mt/wmt23.jsonl.gz")
AI_TEXT_FILES = (
    "ai-text/fast-detect-gpt.jsonl.gz",
    "ai-text/raidar.jsonl.gz",
    "ai-text/chatgpt-detector-bias.jsonl.gz",
)
# Source labels → the provenance label a correct pipeline gives (a human translation is human-written).
TRUE_LABEL = {"human": HUMAN, "human_translation": HUMAN, "ai": AI, "mt": MT}


def available(data: Path = DATA) -> bool:
    return all((data / name).is_file() for name in WMT_FILES + AI_TEXT_FILES)


def read_rows(name: str, data: Path = DATA) -> Iterator[dict]:
    """Rows of one gzipped JSONL file under ``data`` (``text``, ``label``, ``source``, ``lang``, ``group_id``, …)."""
    with gzip.open(data / name, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def all_rows(data: Path = DATA) -> Iterator[dict]:
    """Every labelled row, WMT first, then the AI-text sets."""
    for name in WMT_FILES + AI_TEXT_FILES:
        yield from read_rows(name, data)
