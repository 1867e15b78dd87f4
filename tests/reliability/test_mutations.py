"""Random byte-level mutations of well-formed shards: the readers and extraction never raise, and every record
read is a document or a failure with a specific reason."""
from __future__ import annotations

import random
from collections import Counter

import pytest
from apache_beam import pvalue
from apache_beam.io.filesystem import FileMetadata

from provmix.pipeline.extract import ExtractConfig, ExtractStep
from provmix.pipeline.read import FAILURES, INPUTS, ReadFile
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.step import REJECTS
from provmix.schemas import documents as d
from provmix.schemas import rejects as r
from tests.reliability.corpus import CASES, MAX_HEADER_BYTES, MAX_RECORD_BYTES

SEEDS = 200  # mutated files per source file
SOURCES = ("valid.warc.gz", "encoded.warc", "mixed-encodings.warc", "non-documents.warc", "broken.jsonl",
           "good.parquet")


def mutate(data: bytes, rng: random.Random) -> bytes:
    """1–4 edits: flipped bytes, a deleted, duplicated or junk-filled range, or a cut tail."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        start = rng.randrange(len(data))
        end = min(len(data), start + rng.randint(1, 64))
        edit = rng.choice(("flip", "delete", "duplicate", "junk", "truncate"))
        if edit == "flip":
            data[start] ^= 1 << rng.randrange(8)
        elif edit == "delete":
            del data[start:end]
        elif edit == "duplicate":
            data[start:start] = data[start:end]
        elif edit == "junk":
            data[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
        else:
            del data[start:]
    return bytes(data)


@pytest.fixture(scope="module")
def steps() -> tuple[ReadFile, ExtractStep]:
    read = ReadFile(ReadConfig(max_record_bytes=MAX_RECORD_BYTES, max_header_bytes=MAX_HEADER_BYTES),
                    d.SOURCE_CRAWL)
    extract = ExtractStep(ExtractConfig())
    read.setup()
    extract.setup()
    return read, extract


@pytest.mark.parametrize("source", SOURCES)
def test_mutated_shards_never_raise(source: str, steps, tmp_path) -> None:
    read, extract = steps
    case = next(c for c in CASES if c.name == source)
    original = case.build(case.name)
    reasons: Counter = Counter()
    for seed in range(SEEDS):
        path = tmp_path / f"{seed:03d}-{source}"
        path.write_bytes(mutate(original, random.Random(f"{source}/{seed}")))
        outputs = list(read.process(FileMetadata(str(path), path.stat().st_size)))
        (account,) = [o.value for o in outputs if isinstance(o, pvalue.TaggedOutput) and o.tag == INPUTS]
        failures = [o.value for o in outputs if isinstance(o, pvalue.TaggedOutput) and o.tag == FAILURES]
        records = [o for o in outputs if not isinstance(o, pvalue.TaggedOutput)]
        assert account["records"] == len(failures) + len(records)
        reasons.update(f[r.REASON] for f in failures)
        for record in records:
            for out in extract.process(record):
                if isinstance(out, pvalue.TaggedOutput) and out.tag == REJECTS:
                    assert out.value[r.REASON] != r.STEP_ERROR, out.value  # an unexpected exception
                    reasons[out.value[r.REASON]] += 1
                else:
                    reasons["kept"] += 1
    assert sum(reasons.values()) >= SEEDS, reasons  # the mutations produced records and failures to check
