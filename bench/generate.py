"""Benchmark shards from real labelled texts: WARC, WET and JSONL with planted duplicates and a truth file.

``python -m bench generate --out DIR --docs N --seed S [--dup-rate R] [--near-dup-rate R] [--shard-docs M]``

Layout of ``DIR``::

    warc/part-00000.warc.gz      WARC/1.1 warcinfo + one gzip member per response record (HTTP head + HTML page)
    wet/part-00000.warc.wet.gz   WARC/1.1 conversion records (the plain text), each referring to its response
    jsonl/part-00000.jsonl.gz    one document per line: id, text, url, crawl_date
    truth.jsonl                  per document: id, record_id, url, true label, corpus, lang, group_id,
                                 duplicate_of / duplicate_kind / jaccard, planted page features, shard
    generate.json                the arguments, counts and output files

Every document is a real text from ``../shared/data`` (human originals and human translations are ``human``).
Exact duplicates repeat a text on another URL; near duplicates are token-level edits of one at a target shingle
Jaccard (:mod:`bench.edits`), always placed after their original. The same seed gives byte-identical files.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

from fastwarc.stream_io import GzipWriter
from fastwarc.warc import WarcRecord, WarcRecordType

from bench import corpus
from bench.edits import near_duplicate
from bench.pages import PageFeatures, choose_features, http_head, render_page
from provmix.schemas.documents import AI, CRAWL_DATE, HUMAN, ID, LABEL, LANG, MT, RECORD_ID, TEXT, URL

DEFAULT_MIX = {HUMAN: 0.5, AI: 0.2, MT: 0.3}
MIN_CHARS = 200  # shorter source texts are not used: they are not web documents
HREFLANG_RATE = 0.2
MT_WIDGET_RATE = {MT: 0.25, HUMAN: 0.03, AI: 0.03}  # widget markup is planted more often on MT pages
EXACT, NEAR = "exact", "near"
_TLD = {"en": "com", "de": "de", "cs": "cz", "hr": "hr", "ru": "ru", "uk": "com.ua", "he": "co.il", "ja": "jp",
        "zh": "cn"}
_START = datetime(2024, 5, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
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


def plan(n_docs: int, seed: int, dup_rate: float, near_dup_rate: float, mix: dict[str, float],
         jaccard_range: tuple[float, float], data: Path = corpus.DATA) -> list[Document]:
    """The documents of a shard in crawl order, duplicates after their originals."""
    rng = random.Random(seed)
    n_exact, n_near = round(n_docs * dup_rate), round(n_docs * near_dup_rate)
    n_unique = n_docs - n_exact - n_near
    if n_unique <= 0:
        raise ValueError("duplicate rates leave no unique documents")
    pools = _pools(data)
    originals: list[Document] = []
    for label, count in _split(n_unique, mix).items():
        if count > len(pools[label]):
            raise ValueError(f"{count} unique {label} documents asked, {len(pools[label])} available; lower --docs")
        originals.extend(rng.sample(pools[label], count))
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
    """The WARC, WET and JSONL files of one shard, written record by record."""

    def __init__(self, out: Path, index: int, created: str) -> None:
        name = f"part-{index:05d}"
        self.files = [out / "warc" / f"{name}.warc.gz", out / "wet" / f"{name}.warc.wet.gz",
                      out / "jsonl" / f"{name}.jsonl.gz"]
        for path in self.files:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._warc_file, self._wet_file = open(self.files[0], "wb"), open(self.files[1], "wb")
        self._warc, self._wet = GzipWriter(self._warc_file), GzipWriter(self._wet_file)
        self._jsonl = gzip.GzipFile(self.files[2], "wb", mtime=0)
        info = f"software: provmix bench.generate\r\nformat: WARC File Format 1.1\r\nfilename: {name}\r\n".encode()
        for writer, urn in ((self._warc, f"{name}-warc"), (self._wet, f"{name}-wet")):
            self._write(writer, WarcRecordType.warcinfo, str(uuid.uuid5(uuid.NAMESPACE_URL, urn)), created,
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

    def add(self, key: str, record_uuid: str, url: str, date: str, text: str, page: bytes, head: bytes) -> None:
        self._write(self._warc, WarcRecordType.response, record_uuid, date,
                    {"WARC-Target-URI": url, "Content-Type": "application/http; msgtype=response"}, head + page)
        wet_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, record_uuid))
        self._write(self._wet, WarcRecordType.conversion, wet_uuid, date,
                    {"WARC-Target-URI": url, "WARC-Refers-To": f"<urn:uuid:{record_uuid}>",
                     "Content-Type": "text/plain"}, text.encode("utf-8"))
        line = {ID: key, TEXT: text, URL: url, CRAWL_DATE: date}
        self._jsonl.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        for closable in (self._warc, self._wet, self._warc_file, self._wet_file, self._jsonl):
            closable.close()


def _site(doc: Document, rng: random.Random, sites_per_lang: int) -> str:
    return f"www.site{rng.randrange(sites_per_lang)}-{doc.lang}.{_TLD.get(doc.lang, 'com')}"


def write_shards(docs: list[Document], out: Path, seed: int, shard_docs: int) -> list[dict]:
    """Writes every shard and ``truth.jsonl``; returns the truth rows."""
    rng = random.Random(seed + 1)
    prefix = f"s{seed}"
    truth_rows = []
    writer: _ShardWriter | None = None
    sites_per_lang = max(1, len(docs) // 50)
    with open(out / "truth.jsonl", "w", encoding="utf-8") as truth:
        for index, doc in enumerate(docs):
            if index % shard_docs == 0:
                if writer:
                    writer.close()
                writer = _ShardWriter(out, index // shard_docs, _START.strftime("%Y-%m-%dT%H:%M:%SZ"))
            key = f"{prefix}-{index:07d}"
            record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            url = f"https://{_site(doc, rng, sites_per_lang)}/news/{index:07d}-{rng.randrange(16**6):06x}.html"
            moment = _START + timedelta(seconds=3 * index)
            date = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            features = choose_features(doc.lang, HREFLANG_RATE, MT_WIDGET_RATE[doc.label], rng)
            page = render_page(doc.text, doc.lang, url, features, rng).encode("utf-8")
            head = http_head(len(page), moment.strftime("%a, %d %b %Y %H:%M:%S GMT"), features, doc.lang, rng)
            writer.add(key, record_uuid, url, date, doc.text, page, head)
            row = _truth_row(doc, key, record_uuid, url, prefix, features, index // shard_docs)
            truth.write(json.dumps(row, ensure_ascii=False) + "\n")
            truth_rows.append(row)
    if writer:
        writer.close()
    return truth_rows


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
    rows = list(rows)
    return {
        "docs": len(rows),
        "labels": dict(sorted(Counter(r[LABEL] for r in rows).items())),
        "langs": dict(sorted(Counter(r[LANG] for r in rows).items())),
        "duplicates": dict(sorted(Counter(r["duplicate_kind"] or "original" for r in rows).items())),
    }


def generate(out: Path, n_docs: int, seed: int, dup_rate: float = 0.1, near_dup_rate: float = 0.1,
             shard_docs: int | None = None, mix: dict[str, float] | None = None,
             jaccard_range: tuple[float, float] = (0.7, 0.95), data: Path = corpus.DATA) -> dict:
    """Plans and writes the shards under ``out``; returns what ``generate.json`` records."""
    docs = plan(n_docs, seed, dup_rate, near_dup_rate, mix or DEFAULT_MIX, jaccard_range, data)
    out.mkdir(parents=True, exist_ok=True)
    rows = write_shards(docs, out, seed, shard_docs or n_docs)
    meta = {
        "arguments": {"docs": n_docs, "seed": seed, "dup_rate": dup_rate, "near_dup_rate": near_dup_rate,
                      "shard_docs": shard_docs or n_docs, "mix": mix or DEFAULT_MIX, "jaccard_range": jaccard_range},
        **_summary(rows),
        "files": {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.glob("*/part-*"))},
    }
    (out / "generate.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def _mix(value: str) -> dict[str, float]:
    shares = {label: float(share) for label, share in (item.split("=") for item in value.split(","))}
    unknown = set(shares) - set(DEFAULT_MIX)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown labels {sorted(unknown)}; use {sorted(DEFAULT_MIX)}")
    return shares


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
    parser.add_argument("--data", type=Path, default=corpus.DATA)
    args = parser.parse_args(argv)
    if not corpus.available(args.data):
        parser.error(f"labelled texts not found under {args.data}")
    meta = generate(args.out, args.docs, args.seed, args.dup_rate, args.near_dup_rate, args.shard_docs, args.mix,
                    tuple(args.jaccard), args.data)
    print(json.dumps({k: meta[k] for k in ("docs", "labels", "duplicates")}))
    return 0
