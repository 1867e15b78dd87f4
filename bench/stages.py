"""Per-stage costs on one WARC shard, in this process: provmix's stage code called directly (no Beam), and the raw
libraries it is built on as ceilings (FastWARC, Resiliparse, py3langid, datasketch, rensa).

Inputs of every stage are prepared once (records read, texts extracted, languages identified) so that each timed
stage does only its own work. A stage whose code is missing or whose model cannot load is skipped with a note.
"""
from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from bench.usage import Meter, Usage
from provmix.schemas import documents as d

PROVMIX, LIBRARY = "provmix stage", "library"
BATCH = 256
LID_PREFIX = 500


@dataclass
class Prepared:
    """The first ``limit`` response records of a shard at every stage boundary."""

    shard: Path
    limit: int
    records: list[dict] = field(default_factory=list)  # provmix read output
    payloads: list[bytes] = field(default_factory=list)  # HTML bytes (library extraction input)
    texts: list[str] = field(default_factory=list)  # extracted texts
    langs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Stage:
    name: str
    group: str
    build: Callable[[Prepared], Callable[[], int]]  # loads models (untimed); the result does one timed pass


def _warc_records(shard: Path, limit: int) -> Iterator[dict]:
    from provmix.pipeline.read.config import ReadConfig
    from provmix.pipeline.read.warc import iter_warc

    with open(shard, "rb") as stream:
        records = (r for r in iter_warc(stream, str(shard), ReadConfig()) if isinstance(r, dict))
        yield from itertools.islice(records, limit)


def prepare(shard: Path, limit: int) -> Prepared:
    from provmix.pipeline.extract import ExtractConfig, ExtractStep
    from provmix.pipeline.language import IdentifyLanguageStep, LanguageConfig

    prepared = Prepared(shard, limit, records=list(_warc_records(shard, limit)))
    prepared.payloads = [r[d.RAW_CONTENT] for r in prepared.records]
    extract = ExtractStep(ExtractConfig())
    extract.start()
    documents = [doc for record in prepared.records for doc in _accepted(extract.apply, record)]
    prepared.texts = [doc[d.TEXT] for doc in documents]
    language = IdentifyLanguageStep(LanguageConfig())
    language.start()
    prepared.langs = [doc[d.LANG] for doc in language.apply_batch(documents)]
    return prepared


def _accepted(apply: Callable[[dict], Iterator[dict]], record: dict) -> list[dict]:
    from provmix.pipeline.step import Reject

    try:
        return list(apply(record))
    except Reject:
        return []


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- provmix stage code (each factory loads what it needs, untimed, and returns the timed work) ------------------

Work = Callable[[], int]  # does one pass of a stage, returns the number of documents


def _provmix_read(p: Prepared) -> Work:
    return lambda: sum(1 for _ in _warc_records(p.shard, p.limit))


def _provmix_extract(p: Prepared) -> Work:
    from provmix.pipeline.extract import ExtractConfig, ExtractStep

    step = ExtractStep(ExtractConfig())
    step.start()
    return lambda: sum(len(_accepted(step.apply, record)) for record in p.records)


def _provmix_language(p: Prepared) -> Work:
    from provmix.pipeline.language import IdentifyLanguageStep, LanguageConfig

    step = IdentifyLanguageStep(LanguageConfig())
    step.start()
    documents = [{d.TEXT: text} for text in p.texts]
    return lambda: sum(len(step.apply_batch(batch)) for batch in _batches(documents))


def _provmix_dedup_sketch(p: Prepared) -> Work:
    from provmix.pipeline.dedup.config import DedupConfig
    from provmix.pipeline.dedup.transform import Sketch

    sketch = Sketch(DedupConfig())
    sketch.setup()
    documents = [{d.ID: str(i), d.TEXT: text, d.LANG: lang} for i, (text, lang) in enumerate(zip(p.texts, p.langs))]

    def work() -> int:
        for batch in _batches(documents):
            deque(sketch.process(batch), maxlen=0)
        return len(documents)

    return work


def _detector(spec: str) -> Callable[[Prepared], Work]:
    def factory(p: Prepared) -> Work:
        from provmix.detectors.registry import load_detector

        detector = load_detector(spec)

        def work() -> int:
            for texts, langs in zip(_batches(p.texts), _batches(p.langs)):
                detector.score(texts, langs)
            return len(p.texts)

        return work

    return factory


# --- raw libraries (ceilings) ---------------------------------------------------------------------------------

def _fastwarc(p: Prepared) -> Work:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    def work() -> int:
        with open(p.shard, "rb") as stream:
            records = ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True)
            return sum(len(record.reader.read()) > 0 for record in itertools.islice(records, p.limit))

    return work


def _resiliparse(p: Prepared) -> Work:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    def work() -> int:
        for payload in p.payloads:
            extract_plain_text(HTMLTree.parse_from_bytes(payload, "utf-8"), main_content=True)
        return len(p.payloads)

    return work


def _py3langid(p: Prepared) -> Work:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def work() -> int:
        for text in p.texts:
            model.classify(text[:LID_PREFIX])
        return len(p.texts)

    return work


def _word_shingles(text: str, n: int = 5) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))]


def _datasketch(p: Prepared) -> Work:
    from datasketch import MinHash

    def work() -> int:
        for text in p.texts:
            MinHash(num_perm=128, seed=1).update_batch([s.encode("utf-8") for s in _word_shingles(text)])
        return len(p.texts)

    return work


def _rensa(p: Prepared) -> Work:
    from rensa import RMinHash

    def work() -> int:
        for text in p.texts:
            RMinHash(num_perm=128, seed=1).update(_word_shingles(text))
        return len(p.texts)

    return work


STAGES = [
    Stage("read (iter_warc)", PROVMIX, _provmix_read),
    Stage("extract (ExtractStep)", PROVMIX, _provmix_extract),
    Stage("language (IdentifyLanguageStep)", PROVMIX, _provmix_language),
    Stage("detect ai-default", PROVMIX, _detector("ai-default")),
    Stage("detect mt-default", PROVMIX, _detector("mt-default")),
    Stage("dedup sketch (exact key + MinHash)", PROVMIX, _provmix_dedup_sketch),
    Stage("FastWARC iteration", LIBRARY, _fastwarc),
    Stage("Resiliparse extraction", LIBRARY, _resiliparse),
    Stage(f"py3langid ({LID_PREFIX}-char prefix)", LIBRARY, _py3langid),
    Stage("datasketch MinHash (128)", LIBRARY, _datasketch),
    Stage("rensa RMinHash (128)", LIBRARY, _rensa),
]


def measure(stage: Stage, prepared: Prepared, runs: int) -> tuple[int, list[Usage]] | str:
    """(documents, usage per run), or the reason the stage was skipped."""
    usages, docs = [], 0
    try:
        work = stage.build(prepared)
        for _ in range(runs):
            with Meter() as meter:
                docs = work()
            usages.append(meter.usage)
    except Exception as error:  # noqa: BLE001 - a stage that is not built yet is reported, not fatal
        return f"skipped: {type(error).__name__}: {error}"[:200]
    return docs, usages
