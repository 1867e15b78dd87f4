"""Benchmark shards from real labelled texts: WARC, WET and JSONL with planted duplicates and a truth file.

``python -m bench generate --out DIR --docs N --seed S [--dup-rate R] [--near-dup-rate R] [--shard-docs M]
[--formats warc,wet,jsonl]``

Layout of ``DIR``::

    warc/part-00000.warc.gz      WARC/1.1 warcinfo + one gzip member per response record (HTTP head + HTML page)
    wet/part-00000.warc.wet.gz   WARC/1.1 conversion records (the plain text), each referring to its response
    jsonl/part-00000.jsonl.gz    one document per line: id, text, url, crawl_date
    truth.jsonl                  per document: id, record_id, url, true label, corpus, lang, group_id,
                                 duplicate_of / duplicate_kind / jaccard, planted page features, shard
    generate.json                the arguments, counts and output files

Every document is a real text from ``../shared/data`` (human originals and human translations are ``human``) as
long as a label's pool has enough of them; beyond that, the missing unique documents are composed: paragraphs
(else lines, else sentences) of several pool texts that share source label, language and layout, joined up to the
length of a pool text drawn at random (:func:`compose`; truth ``corpus`` ``composed:<corpus of the first unit>``).
Exact duplicates repeat a text on another URL; near duplicates are token-level edits of one at a target shingle
Jaccard (:mod:`bench.edits`), always placed after their original. The same seed gives byte-identical files.

``--formats`` picks the files written. Without ``warc`` and ``wet`` no page is rendered or drawn: the documents,
ids and texts are those of a run with pages, but URLs and record ids differ and the truth's page features are
empty. Shards and ``truth.jsonl`` are written document by document.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator

from fastwarc.stream_io import GzipWriter
from fastwarc.warc import WarcRecord, WarcRecordType

from bench import corpus
from bench.edits import is_spaceless, near_duplicate
from bench.pages import PageFeatures, choose_features, http_head, render_page
from provmix.schemas.documents import AI, CRAWL_DATE, HUMAN, ID, LABEL, LANG, MT, RECORD_ID, TEXT, URL

DEFAULT_MIX = {HUMAN: 0.5, AI: 0.2, MT: 0.3}
MIN_CHARS = 200  # shorter source texts are not used: they are not web documents
HREFLANG_RATE = 0.2
MT_WIDGET_RATE = {MT: 0.25, HUMAN: 0.03, AI: 0.03}  # widget markup is planted more often on MT pages
EXACT, NEAR = "exact", "near"
WARC, WET, JSONL = "warc", "wet", "jsonl"
FORMATS = (WARC, WET, JSONL)
_FILE_NAMES = {WARC: "{}.warc.gz", WET: "{}.warc.wet.gz", JSONL: "{}.jsonl.gz"}
_NO_PAGE = PageFeatures(None, (), None, None)
_MAX_REJECTIONS = 1000  # composed texts in a row that repeat a known text or one source: the pool is exhausted
_BLANK_LINE = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_Key = tuple[str, str, str]  # source label, language, separator: the units that may share a composed text
_Unit = tuple[str, int]  # a unit's text and the index of its pool text
_TLD = {"en": "com", "de": "de", "cs": "cz", "hr": "hr", "ru": "ru", "uk": "com.ua", "he": "co.il", "ja": "jp",
        "zh": "cn"}
_START = datetime(2024, 5, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Document:
    """One planned document and everything the truth file says about it."""

    text: str
    label: str
    source_label: str
    corpus: str
    generator: str | None
    lang: str
    group_id: str
    duplicate_of: int | None = None  # index of the original document
    duplicate_kind: str | None = None
    jaccard: float | None = None


def _pools(data: Path) -> dict[str, list[Document]]:
    pools: dict[str, list[Document]] = {HUMAN: [], AI: [], MT: []}
    for row in corpus.all_rows(data):
        if len(row["text"]) < MIN_CHARS:
            continue
        label = corpus.TRUE_LABEL[row["label"]]
        pools[label].append(Document(row["text"], label, row["label"], row["source"], row.get("generator"),
                                     row["lang"], row.get("group_id") or f"{row['source']}:{len(pools[label])}"))
    return pools


def _split(total: int, mix: dict[str, float]) -> dict[str, int]:
    """``total`` split by ``mix`` shares with largest remainders, so the counts add up exactly."""
    weight = sum(mix.values())
    exact = {label: total * share / weight for label, share in mix.items()}
    counts = {label: int(value) for label, value in exact.items()}
    for label in sorted(exact, key=lambda k: counts[k] - exact[k])[: total - sum(counts.values())]:
        counts[label] += 1
    return counts


def split_units(text: str) -> tuple[str, list[str]]:
    """The separator and the units ``text`` is composed of: blank-line paragraphs, else lines, else sentences."""
    paragraphs = [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]
    if len(paragraphs) > 1:
        return "\n\n", paragraphs
    if "\n" in text:
        return "\n", [line.strip() for line in text.split("\n") if line.strip()]
    return "" if is_spaceless(text) else " ", [sentence for sentence in _SENTENCE_END.split(text) if sentence]


def _unit_groups(pool: list[Document]) -> tuple[dict[_Key, list[_Unit]], list[tuple[int, _Key]]]:
    """The pool's units by key, and the length targets: each pool text's length and key, where the key holds the
    units of more than one text."""
    groups: dict[_Key, list[_Unit]] = {}
    texts: Counter[_Key] = Counter()
    targets = []
    for index, doc in enumerate(pool):
        separator, units = split_units(doc.text)
        key = (doc.source_label, doc.lang, separator)
        groups.setdefault(key, []).extend((unit, index) for unit in units)
        texts[key] += 1
        targets.append((len(doc.text), key))
    return groups, [(length, key) for length, key in targets if texts[key] > 1]


def _draw_units(units: list[_Unit], target: int, separator: str, rng: random.Random) -> list[_Unit]:
    """Random units (two at least) until their joined text is ``target`` characters long or longer."""
    chosen: list[_Unit] = []
    length = -len(separator)
    while length < target or len(chosen) < 2:
        chosen.append(rng.choice(units))
        length += len(separator) + len(chosen[-1][0])
    return chosen


def _composed(pool: list[Document], key: _Key, units: list[_Unit], group_id: str) -> Document:
    """The document joined from ``units`` of ``pool`` texts; a generator only where all its units share one."""
    first = pool[units[0][1]]
    generators = {pool[index].generator for _, index in units}
    return Document(key[2].join(unit for unit, _ in units), first.label, key[0], f"composed:{first.corpus}",
                    generators.pop() if len(generators) == 1 else None, key[1], group_id)


def compose(label: str, pool: list[Document], count: int, seen: set[str], rng: random.Random) -> list[Document]:
    """``count`` new ``label`` documents, each of units of several ``pool`` texts with one source label, language
    and separator (:func:`split_units`), as long as a pool text drawn at random or a unit longer; a text already in
    ``seen`` is drawn again, and ``seen`` gets every new one."""
    groups, targets = _unit_groups(pool)
    if not targets:
        raise ValueError(f"too few {label} texts to compose new documents from; lower --docs")
    documents: list[Document] = []
    rejected = 0
    while len(documents) < count:
        if rejected == _MAX_REJECTIONS:
            raise ValueError(f"only {len(documents)} of {count} new {label} documents could be composed; lower --docs")
        target, key = rng.choice(targets)
        units = _draw_units(groups[key], target, key[2], rng)
        document = _composed(pool, key, units, f"composed:{label}:{len(documents)}")
        if document.text in seen or len({index for _, index in units}) == 1:
            rejected += 1
            continue
        rejected = 0
        seen.add(document.text)
        documents.append(document)
    return documents


def _originals(label: str, pool: list[Document], count: int, seen: set[str], rng: random.Random) -> list[Document]:
    """``count`` unique ``label`` documents: a sample of the pool, or all its texts and composed ones beyond it."""
    if count <= len(pool):
        return rng.sample(pool, count)
    distinct = list({doc.text: doc for doc in pool}.values())  # a few MT outputs repeat (several systems)
    return distinct + compose(label, distinct, count - len(distinct), seen, rng)


def plan(n_docs: int, seed: int, dup_rate: float, near_dup_rate: float, mix: dict[str, float],
         jaccard_range: tuple[float, float], data: Path = corpus.DATA) -> list[Document]:
    """The documents of a shard in crawl order, duplicates after their originals; unique documents beyond a label's
    pool are composed (:func:`compose`)."""
    rng = random.Random(seed)
    n_exact, n_near = round(n_docs * dup_rate), round(n_docs * near_dup_rate)
    n_unique = n_docs - n_exact - n_near
    if n_unique <= 0:
        raise ValueError("duplicate rates leave no unique documents")
    pools = _pools(data)
    seen = {doc.text for pool in pools.values() for doc in pool}
    originals: list[Document] = []
    for label, count in _split(n_unique, mix).items():
        originals.extend(_originals(label, pools[label], count, seen, rng))
    rng.shuffle(originals)
    keyed = [(float(i), doc) for i, doc in enumerate(originals)]
    for kind in [EXACT] * n_exact + [NEAR] * n_near:
        source = rng.randrange(n_unique)
        original = originals[source]
        if kind == EXACT:
            copy = replace(original, duplicate_of=source, duplicate_kind=EXACT, jaccard=1.0)
        else:
            text, similarity = near_duplicate(original.text, rng.uniform(*jaccard_range), rng)
            copy = replace(original, text=text, duplicate_of=source, duplicate_kind=NEAR, jaccard=round(similarity, 4))
        keyed.append((rng.uniform(source, n_unique), copy))
    order = sorted(range(len(keyed)), key=lambda i: keyed[i][0])
    position = {old: new for new, old in enumerate(order)}  # originals' indexes → crawl positions
    return [
        replace(keyed[old][1], duplicate_of=position[keyed[old][1].duplicate_of])
        if keyed[old][1].duplicate_of is not None else keyed[old][1]
        for old in order
    ]


class _ShardWriter:
    """The files of one shard in the asked formats (WARC, WET, JSONL), written record by record."""

    def __init__(self, out: Path, index: int, created: str, formats: Iterable[str]) -> None:
        name = f"part-{index:05d}"
        self.files = {kind: out / kind / _FILE_NAMES[kind].format(name) for kind in FORMATS if kind in formats}
        for path in self.files.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = {kind: open(self.files[kind], "wb") for kind in (WARC, WET) if kind in self.files}
        self._warcs = {kind: GzipWriter(raw) for kind, raw in self._raw.items()}
        self._jsonl = gzip.GzipFile(self.files[JSONL], "wb", mtime=0) if JSONL in self.files else None
        info = f"software: provmix bench.generate\r\nformat: WARC File Format 1.1\r\nfilename: {name}\r\n".encode()
        for kind, writer in self._warcs.items():
            self._write(writer, WarcRecordType.warcinfo, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}-{kind}")), created,
                        {"Content-Type": "application/warc-fields"}, info)

    @staticmethod
    def _write(writer: GzipWriter, kind: WarcRecordType, record_uuid: str, date: str, headers: dict[str, str],
               block: bytes) -> None:
        record = WarcRecord()
        record.init_headers(kind, f"uuid:{record_uuid}".encode())
        record.headers["WARC-Date"] = date
        for key, value in headers.items():
            record.headers[key] = value
        record.set_bytes_content(block)
        record.write(writer, checksum_data=True)
        writer.finish()  # one gzip member per record, as Common Crawl writes them

    def add(self, key: str, record_uuid: str, url: str, date: str, text: str, response: bytes | None) -> None:
        """One document; ``response`` (HTTP head and page) is needed where WARC is written."""
        if WARC in self._warcs:
            self._write(self._warcs[WARC], WarcRecordType.response, record_uuid, date,
                        {"WARC-Target-URI": url, "Content-Type": "application/http; msgtype=response"}, response)
        if WET in self._warcs:
            wet_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, record_uuid))
            self._write(self._warcs[WET], WarcRecordType.conversion, wet_uuid, date,
                        {"WARC-Target-URI": url, "WARC-Refers-To": f"<urn:uuid:{record_uuid}>",
                         "Content-Type": "text/plain"}, text.encode("utf-8"))
        if self._jsonl is not None:
            line = {ID: key, TEXT: text, URL: url, CRAWL_DATE: date}
            self._jsonl.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        for closable in (*self._warcs.values(), *self._raw.values()):
            closable.close()
        if self._jsonl is not None:
            self._jsonl.close()


def _site(doc: Document, rng: random.Random, sites_per_lang: int) -> str:
    return f"www.site{rng.randrange(sites_per_lang)}-{doc.lang}.{_TLD.get(doc.lang, 'com')}"


def _response(doc: Document, url: str, moment: datetime, rng: random.Random) -> tuple[PageFeatures, bytes]:
    """The page's planted features and its HTTP response (head and HTML page)."""
    features = choose_features(doc.lang, HREFLANG_RATE, MT_WIDGET_RATE[doc.label], rng)
    page = render_page(doc.text, doc.lang, url, features, rng).encode("utf-8")
    return features, http_head(len(page), moment.strftime("%a, %d %b %Y %H:%M:%S GMT"), features, doc.lang, rng) + page


def _written_rows(docs: list[Document], out: Path, seed: int, shard_docs: int,
                  formats: Iterable[str]) -> Iterator[dict]:
    """Writes every shard and ``truth.jsonl`` document by document, yielding each truth row once written."""
    rng = random.Random(seed + 1)
    prefix = f"s{seed}"
    pages = WARC in formats or WET in formats
    writer: _ShardWriter | None = None
    sites_per_lang = max(1, len(docs) // 50)
    with open(out / "truth.jsonl", "w", encoding="utf-8") as truth:
        for index, doc in enumerate(docs):
            if index % shard_docs == 0:
                if writer:
                    writer.close()
                writer = _ShardWriter(out, index // shard_docs, _START.strftime("%Y-%m-%dT%H:%M:%SZ"), formats)
            key = f"{prefix}-{index:07d}"
            record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            url = f"https://{_site(doc, rng, sites_per_lang)}/news/{index:07d}-{rng.randrange(16**6):06x}.html"
            moment = _START + timedelta(seconds=3 * index)
            features, response = _response(doc, url, moment, rng) if pages else (_NO_PAGE, None)
            writer.add(key, record_uuid, url, moment.strftime("%Y-%m-%dT%H:%M:%SZ"), doc.text, response)
            row = _truth_row(doc, key, record_uuid, url, prefix, features, index // shard_docs)
            truth.write(json.dumps(row, ensure_ascii=False) + "\n")
            yield row
    if writer:
        writer.close()


def write_shards(docs: list[Document], out: Path, seed: int, shard_docs: int,
                 formats: Iterable[str] = FORMATS) -> dict:
    """Writes every shard in ``formats`` and ``truth.jsonl``; returns the truth rows' counts (:func:`_summary`)."""
    return _summary(_written_rows(docs, out, seed, shard_docs, set(formats)))


def _truth_row(doc: Document, key: str, record_uuid: str, url: str, prefix: str, features: PageFeatures,
               shard: int) -> dict:
    return {
        ID: key, RECORD_ID: f"<urn:uuid:{record_uuid}>", URL: url, LABEL: doc.label, "source_label": doc.source_label,
        "corpus": doc.corpus, "generator": doc.generator, LANG: doc.lang, "group_id": doc.group_id,
        "duplicate_of": None if doc.duplicate_of is None else f"{prefix}-{doc.duplicate_of:07d}",
        "duplicate_kind": doc.duplicate_kind, "jaccard": doc.jaccard, "html_lang": features.html_lang,
        "hreflang": list(features.hreflang), "mt_widget": features.mt_widget,
        "meta_generator": features.meta_generator, "shard": shard,
    }


def _summary(rows: Iterable[dict]) -> dict:
    """Documents, labels, languages and duplicate kinds of the truth rows, counted in one pass."""
    labels: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for row in rows:
        labels[row[LABEL]] += 1
        langs[row[LANG]] += 1
        kinds[row["duplicate_kind"] or "original"] += 1
    return {
        "docs": sum(labels.values()),
        "labels": dict(sorted(labels.items())),
        "langs": dict(sorted(langs.items())),
        "duplicates": dict(sorted(kinds.items())),
    }


def generate(out: Path, n_docs: int, seed: int, dup_rate: float = 0.1, near_dup_rate: float = 0.1,
             shard_docs: int | None = None, mix: dict[str, float] | None = None,
             jaccard_range: tuple[float, float] = (0.7, 0.95), data: Path = corpus.DATA,
             formats: Iterable[str] = FORMATS) -> dict:
    """Plans and writes the shards in ``formats`` under ``out``; returns what ``generate.json`` records."""
    docs = plan(n_docs, seed, dup_rate, near_dup_rate, mix or DEFAULT_MIX, jaccard_range, data)
    out.mkdir(parents=True, exist_ok=True)
    formats = set(formats)
    summary = write_shards(docs, out, seed, shard_docs or n_docs, formats)
    files = sorted(path for kind in formats for path in out.glob(f"{kind}/part-*"))
    meta = {
        "arguments": {"docs": n_docs, "seed": seed, "dup_rate": dup_rate, "near_dup_rate": near_dup_rate,
                      "shard_docs": shard_docs or n_docs, "mix": mix or DEFAULT_MIX, "jaccard_range": jaccard_range},
        **summary,
        "files": {str(path.relative_to(out)): path.stat().st_size for path in files},
    }
    (out / "generate.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def _mix(value: str) -> dict[str, float]:
    shares = {label: float(share) for label, share in (item.split("=") for item in value.split(","))}
    unknown = set(shares) - set(DEFAULT_MIX)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown labels {sorted(unknown)}; use {sorted(DEFAULT_MIX)}")
    return shares


def _formats(value: str) -> tuple[str, ...]:
    kinds = tuple(kind for kind in value.split(",") if kind)
    if not kinds or set(kinds) - set(FORMATS):
        raise argparse.ArgumentTypeError(f"{value!r}: use one or more of {','.join(FORMATS)}, comma-separated")
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dup-rate", type=float, default=0.1, help="share of exact duplicates")
    parser.add_argument("--near-dup-rate", type=float, default=0.1, help="share of near duplicates")
    parser.add_argument("--jaccard", type=float, nargs=2, default=(0.7, 0.95), metavar=("LOW", "HIGH"),
                        help="near duplicates' target 5-token-shingle Jaccard, drawn uniformly")
    parser.add_argument("--shard-docs", type=int, help="documents per shard (default: all in one)")
    parser.add_argument("--mix", type=_mix, default=DEFAULT_MIX, help="label shares, e.g. human=0.5,ai=0.2,mt=0.3")
    parser.add_argument("--formats", type=_formats, default=FORMATS,
                        help=f"files to write, default {','.join(FORMATS)} (without warc and wet no page is rendered)")
    parser.add_argument("--data", type=Path, default=corpus.DATA)
    args = parser.parse_args(argv)
    if not corpus.available(args.data):
        parser.error(f"labelled texts not found under {args.data}")
    meta = generate(args.out, args.docs, args.seed, args.dup_rate, args.near_dup_rate, args.shard_docs, args.mix,
                    tuple(args.jaccard), args.data, args.formats)
    print(json.dumps({k: meta[k] for k in ("docs", "labels", "duplicates")}))
    return 0
