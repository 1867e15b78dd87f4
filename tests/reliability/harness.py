"""Running provmix in-process on a corpus and reading back what each input record became."""
from __future__ import annotations

import glob
import gzip
import itertools
import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

import pyarrow.parquet as pq
import yaml

from bench.soak import comparable_manifest, output_bytes  # noqa: F401 - shared with the soak
from provmix.schemas import documents as d
from provmix.schemas import rejects as r
from tests.reliability.corpus import KEPT, prose

SHARDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "shards"
# Real broken and old-format shards (see ../shared/data/README.md); absent on machines without the data.
REAL_SHARD_PATTERNS = (str(SHARDS / "cc-warcio" / "*.*arc*"), str(SHARDS / "cc-resiliparse" / "*.warc.gz"))
# Labelled text sets sampled for the detector checks: (file under ../shared/data, rows).
DETECTOR_SAMPLES = (("ai-text/fast-detect-gpt.jsonl.gz", 40), ("ai-text/raidar.jsonl.gz", 20),
                    ("mt/wmt23.jsonl.gz", 40))


def real_shard_patterns() -> list[str]:
    """The real-shard patterns that match something here (none without ../shared/data)."""
    return [pattern for pattern in REAL_SHARD_PATTERNS if glob.glob(pattern)]


def run(inputs: Sequence[str], out: Path, config: dict, *beam_args: str) -> tuple[int, dict | None]:
    """``provmix run`` with ``config`` (written next to ``out``); returns the exit status and the manifest."""
    from provmix.pipeline.cli import main

    config_path = out.with_name(out.name + ".yaml")
    config_path.write_text(yaml.safe_dump(config))
    argv = ["run", *(arg for pattern in inputs for arg in ("--input", pattern)), "--output", str(out),
            "--config", str(config_path), *beam_args]
    status = main(argv)
    manifest = out / "manifest.json"
    return status, json.loads(manifest.read_text()) if manifest.exists() else None


def parquet_files(out: Path, table: str) -> list[Path]:
    return sorted((out / table).rglob("*.parquet"))


def row_count(out: Path, table: str) -> int:
    return sum(pq.ParquetFile(path).metadata.num_rows for path in parquet_files(out, table))


def rejects(out: Path) -> list[dict]:
    return [row for path in parquet_files(out, "rejected") for row in pq.read_table(path).to_pylist()]


def fates(out: Path) -> dict[str, Counter]:
    """Input file name → Counter of what its records became: ``kept`` (in the mix) or a rejects reason."""
    result: dict[str, Counter] = defaultdict(Counter)
    for path in parquet_files(out, "mix"):
        for source in pq.read_table(path, columns=[d.SOURCE_FILE]).column(0).to_pylist():
            result[os.path.basename(source)][KEPT] += 1
    for row in rejects(out):
        result[os.path.basename(row[d.SOURCE_FILE])][row[r.REASON]] += 1
    return result


def detector_samples() -> tuple[list[str], list[str]]:
    """Texts (and languages) for detector checks: spread over the shared sets, else generated prose."""
    texts, langs = [], []
    for name, n in DETECTOR_SAMPLES:
        path = SHARDS.parent / name
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, 0, n * 50, 50):  # spread over the file, labels mixed
                row = json.loads(line)
                texts.append(row["text"][:3000])
                langs.append(row.get("lang") or "en")
    if not texts:  # no shared data: the attacks still run, on generated English-like prose
        texts = [prose(f"adversarial/{i}", 12) for i in range(20)]
        langs = ["en"] * len(texts)
    return texts, langs
