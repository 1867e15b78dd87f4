"""URL language siblings within a crawl: the same page under several language markers is a translated site.

:func:`sibling_key` maps a URL to the URL with its language marker removed (``/en/``, ``/de-de/``,
``?lang=fr``, ``fr.example.com``, ``page.fr.html``). :class:`UrlLanguageSiblings` groups documents by that key
and gives every document of a group whose documents were detected in 2+ languages an upstream fact
``url_language_siblings`` (value: the group's sorted languages, weight 0). :func:`siblings_evidence`, a label
evidence provider, weighs it towards MT with ``label.evidence`` (``url_language_siblings`` for two languages,
``url_language_siblings_many`` for 3+): Thompson et al. (2024) found multi-way parallel web text to be mostly
low-quality machine translation.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode

import apache_beam as beam
import numpy as np
import xxhash

from provmix.pipeline.arrays import StringColumn, by_partition, packed_strings, string_table
from provmix.pipeline.buffering import MAX_BUFFERED, BundleBuffer
from provmix.pipeline.label.evidence import Weights
from provmix.pipeline.packing import pack, unpack
from provmix.pipeline.urls import split_url
from provmix.schemas import documents as d

EVIDENCE_NAME = "url_language_siblings"
MANY_NAME = "url_language_siblings_many"
MANY = 3  # languages from which the many-way weight applies
# ISO 639-1 codes; a path segment or subdomain counts as a language marker only if its primary part is one.
ISO_639_1 = frozenset(
    "aa ab af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it "
    "iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt "
    "my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu".split()
)
LANGUAGE_PARAMS = frozenset({"lang", "language", "hl", "locale", "lng", "lc", "l"})
_MARKER = re.compile(r"^([a-z]{2})(?:[-_]([a-z]{2}|[a-z]{4}|\d{3}))?$")
_FILE_MARKER = re.compile(r"\.([a-z]{2}(?:[-_][a-z]{2})?)(\.[a-z0-9]+)$")


def is_language_marker(token: str) -> bool:
    """``en``, ``de-de``, ``pt_br``, ``zh-hans``: an ISO 639-1 code with an optional region/script."""
    match = _MARKER.match(token.lower())
    return bool(match) and match.group(1) in ISO_639_1


def _strip_path(path: str) -> str:
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if is_language_marker(segment):
            return "/".join(segments[:i] + segments[i + 1 :])
    match = _FILE_MARKER.search(segments[-1])
    if match and is_language_marker(match.group(1)):
        segments[-1] = segments[-1][: match.start()] + match.group(2)
    return "/".join(segments)


def _strip_host(host: str) -> str:
    labels = host.lower().split(".")
    if labels[0] == "www":
        labels = labels[1:]
    if len(labels) >= 3 and is_language_marker(labels[0]):
        labels = labels[1:]
    return ".".join(labels)


def sibling_key(url: str | None) -> str | None:
    """``url`` without scheme, ``www.``, language subdomain, first language path segment, language query
    parameters and trailing slash; None when there is no host. Language versions of one page share the key."""
    parts = split_url(url)
    if parts is None or not parts.hostname:
        return None
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in LANGUAGE_PARAMS)
    path = _strip_path(parts.path).rstrip("/")
    return f"{_strip_host(parts.hostname)}{path}" + (f"?{urlencode(query)}" if query else "")


def siblings_fact(languages: list[str]) -> dict:
    """The upstream item for a group detected in ``languages`` (2 or more): a fact, weighed by the label stage."""
    return {d.NAME: EVIDENCE_NAME, d.VALUE: ",".join(sorted(languages)), d.WEIGHT: 0.0}


def siblings_evidence(doc: dict, weights: Weights) -> list[dict]:
    """The label provider: the document's siblings fact, weighed by how many languages its URL appears in."""
    for fact in doc.get(d.EVIDENCE) or []:
        if fact.get(d.NAME) == EVIDENCE_NAME:
            languages = str(fact.get(d.VALUE) or "").split(",")
            name = MANY_NAME if len(languages) >= MANY else EVIDENCE_NAME
            return [{d.NAME: name, d.VALUE: fact.get(d.VALUE), d.WEIGHT: weights[name]}]
    return []


PARTITIONS = 1024  # the (URL key, language) pairs cross their shuffle in this many chunks per bundle at most
_DIGEST_BYTES = 16
SiblingChunk = tuple  # (URL key digests: 16 bytes each, languages: arrays.PackedStrings)


def key_digest(key: str) -> bytes:
    """A sibling key as 16 bytes (xxh3-128): what is shuffled and looked up instead of the key itself."""
    return xxhash.xxh3_128_digest(key.encode("utf-8", "surrogatepass"))


Keyed = tuple  # (URL key digest or None, language, the document packed): a plain tuple, since the documents wait
# encoded for the side input and a NamedTuple would be encoded with its pickled class each time


def keyed(doc: dict) -> Keyed:
    """A document on its way through :class:`UrlLanguageSiblings`: its URL key's digest (None: no key) and its
    language, computed once for both the pairs and the evidence, and the document packed
    (:mod:`provmix.pipeline.packing`)."""
    key = sibling_key(doc.get(d.URL))
    return key_digest(key) if key else None, doc.get(d.LANG), pack(doc)


class LanguagePairs(BundleBuffer):
    """Documents as :func:`keyed` gives them → ``(partition, chunk)``: the distinct ``(URL key digest,
    language)`` pairs of a bundle's documents, packed as arrays' bytes
    (:class:`~provmix.pipeline.buffering.BundleBuffer`): the in-process runner held one decoded
    ``(key, {language})`` per document, about 370 bytes, where a chunk holds about 20."""

    def __init__(self, partitions: int = PARTITIONS, max_buffered: int = MAX_BUFFERED) -> None:
        super().__init__(max_buffered)
        self.partitions = partitions

    def clear(self) -> None:
        self._pairs: set[tuple[bytes, str]] = set()

    def hold(self, entry: Keyed) -> int:
        digest, lang, _ = entry
        if not (digest and lang):
            return 0
        held = len(self._pairs)
        self._pairs.add((digest, lang))
        return len(self._pairs) - held

    def flush(self) -> Iterator[tuple[int, SiblingChunk]]:
        pairs = list(self._pairs)
        self.clear()
        if not pairs:
            return
        joined = b"".join(digest for digest, _ in pairs)
        digests = np.frombuffer(joined, dtype=f"V{_DIGEST_BYTES}")
        low_halves = np.frombuffer(joined, dtype="<u8")[::2]
        table, lengths = string_table([lang for _, lang in pairs])
        for partition, members in by_partition(low_halves, self.partitions):
            yield partition, (digests[members].tobytes(), *packed_strings(table, lengths, members))


def multilingual_keys(partition: tuple[int, Iterable[SiblingChunk]]) -> Iterator[tuple[bytes, list[str]]]:
    """A partition's chunks → ``(key digest, sorted languages)`` of every key seen in two or more languages."""
    languages: dict[bytes, set[str]] = {}
    for digests, *langs in partition[1]:
        column = StringColumn([tuple(langs)])
        for entry in range(len(column)):
            digest = digests[entry * _DIGEST_BYTES : (entry + 1) * _DIGEST_BYTES]
            languages.setdefault(digest, set()).add(column[entry])
    for digest, found in languages.items():
        if len(found) >= 2:
            yield digest, sorted(found)


def _with_evidence(entry: Keyed, multilingual: dict[bytes, list[str]]) -> dict:
    digest, _, packed = entry
    doc = unpack(packed)
    languages = multilingual.get(digest) if digest else None
    if not languages:
        return doc
    return {**doc, d.EVIDENCE: [*(doc.get(d.EVIDENCE) or []), siblings_fact(languages)]}


class UrlLanguageSiblings(beam.PTransform):
    """Documents in, the same documents out; those with URL siblings in other languages gain evidence.

    Only ``(key digest, language)`` pairs are shuffled, packed per partition (:class:`LanguagePairs`), never the
    documents: the digests of multilingual groups (a small share of a crawl) reach every worker as a side input.
    The documents wait for it packed (:mod:`provmix.pipeline.packing`): the in-process runner holds all of them.
    """

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        entries = documents | "Key" >> beam.Map(keyed)
        multilingual = (
            entries
            | "LanguagePairs" >> beam.ParDo(LanguagePairs())
            | "Languages" >> beam.GroupByKey()
            | "Multilingual" >> beam.FlatMap(multilingual_keys)
        )
        return entries | "AddSiblingEvidence" >> beam.Map(_with_evidence, beam.pvalue.AsDict(multilingual))
