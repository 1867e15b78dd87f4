"""A generated fuzz corpus of broken inputs, each file with the outcome every record in it must get.

``write_corpus(directory)`` writes every :data:`CASES` file and returns the cases; nothing here is committed as
data. ``expected`` maps ``"kept"`` or a rejects reason to how many records of that file must end there, so a test
can check each file's fate row by row rather than only the totals.
"""
from __future__ import annotations

import gzip
import io
import json
import random
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from provmix.schemas.rejects import HTML_TOO_COMPLEX
from provmix.schemas.rejects import (
    EMPTY_FILE,
    EMPTY_TEXT,
    HTTP_STATUS,
    MALFORMED_RECORD,
    RECORD_TOO_LARGE,
    UNREADABLE_FILE,
    UNSUPPORTED_CONTENT_TYPE,
    UNSUPPORTED_FORMAT,
)

KEPT = "kept"
# Limits the fuzz run's config sets (small, so oversized cases stay small files).
MAX_RECORD_BYTES = 1_000_000
MAX_HEADER_BYTES = 8_192
MAX_HTML_ELEMENTS = 50_000
# The config the fuzz corpus is meant to run under (YAML-ready mapping).
FUZZ_CONFIG = {"read": {"max_record_bytes": MAX_RECORD_BYTES, "max_header_bytes": MAX_HEADER_BYTES},
               "extract": {"max_html_elements": MAX_HTML_ELEMENTS}, "detect": {"detectors": []},
               "mixes": [{"name": "default", "human_floor": 0.0}],
               "write": {"num_shards": 2}}

_WORDS = ("the river town kept its old stone bridge and every spring market filled square with fresh bread while "
          "children ran along narrow streets past houses painted blue green yellow red where farmers sold apples "
          "cheese honey wool from hills beyond valley forest lake mountain road winter summer evening morning light "
          "people walked slowly talking about weather harvest news letters travellers music songs stories old new "
          "small large quiet busy warm cold bright dark long short early late near far").split()
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def prose(seed: str, sentences: int = 6) -> str:
    """English-looking prose well over the extraction minimum, different for every seed (so never a duplicate)."""
    rng = random.Random(seed)
    return " ".join(" ".join(rng.choices(_WORDS, k=12)).capitalize() + "." for _ in range(sentences))


def html_page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}<title>t</title></head><body>{body}</body></html>"


def article(seed: str) -> bytes:
    return html_page(f"<article><p>{prose(seed)}</p></article>").encode()


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
                  headers: tuple[str, ...] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *headers]
    if not any(h.lower().startswith("transfer-encoding") for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def warc_record(block: bytes, *, record_type: str = "response", name: str = "r", version: str = "1.0",
                content_type: str = "application/http; msgtype=response", content_length: int | None = None,
                extra: tuple[str, ...] = ()) -> bytes:
    """One uncompressed WARC record; ``content_length`` overrides the true block length (to lie about it)."""
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, name)
    lines = [f"WARC/{version}", f"WARC-Type: {record_type}", f"WARC-Record-ID: <urn:uuid:{record_id}>",
             "WARC-Date: 2024-05-01T12:00:00Z", f"WARC-Target-URI: https://example.org/{name}",
             f"Content-Type: {content_type}", *extra,
             f"Content-Length: {len(block) if content_length is None else content_length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + block + b"\r\n\r\n"


def warcinfo(ns: str) -> bytes:
    return warc_record(b"software: fuzz\r\n", record_type="warcinfo", name=f"{ns}/info",
                       content_type="application/warc-fields")


def response(ns: str, i: int, body: bytes | None = None, **http: object) -> bytes:
    """Response record ``i`` of file ``ns`` (record ids are unique per file and record)."""
    return warc_record(http_response(article(f"{ns}/{i}") if body is None else body, **http), name=f"{ns}/doc{i}")


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def gz_members(records: list[bytes]) -> bytes:
    return b"".join(gz(r) for r in records)


def jsonl(rows: list[object]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, rest = b"", body
    for size in sizes:
        out += f"{size:x}\r\n".encode() + rest[:size] + b"\r\n"
        rest = rest[size:]
    return out + b"0\r\n\r\n"


@dataclass(frozen=True)
class FuzzCase:
    name: str  # also the file name
    build: Callable[[str], bytes]  # file name → bytes (names record ids)
    expected: dict[str, int] = field(default_factory=dict)  # "kept" or a reason → records of this file there
    why: str = ""

    @property
    def records(self) -> int:
        return sum(self.expected.values())


def _truncated_member(ns: str) -> bytes:
    last = gz(response(ns, 3))
    return gz(response(ns, 1)) + gz(response(ns, 2)) + last[: len(last) // 2]


def _wrong_length_long(ns: str) -> bytes:
    first = response(ns, 1)
    block = first.split(b"\r\n\r\n", 1)[1]
    lying = warc_record(block[:-4], name=f"{ns}/doc1", content_length=len(block) + 10_000)
    return lying + response(ns, 2)


def _bad_chunked(ns: str) -> bytes:
    body = chunked(article(f"{ns}/1"), [50, 50]).replace(b"\r\n32\r\n", b"\r\nzz\r\n", 1)
    return warc_record(http_response(body, headers=("Transfer-Encoding: chunked",)), name=f"{ns}/doc1")


def _decoded_but_labelled(ns: str) -> bytes:
    """Bodies stored decoded under their original coding headers (as ClueWeb09 and many crawlers do)."""
    return (response(ns, 1, headers=("Content-Encoding: gzip",))
            + response(ns, 2, headers=("Transfer-Encoding: chunked",))
            + response(ns, 3, headers=("Content-Encoding: deflate",)))


def _overlong_chunk(ns: str) -> bytes:
    body = chunked(article(f"{ns}/1"), [64, 64, 64, 10_000])
    return warc_record(http_response(body, headers=("Transfer-Encoding: chunked",)), name=f"{ns}/doc1")


def _encoded(ns: str) -> bytes:
    page = article(f"{ns}/1")
    deflated = zlib.compress(article(f"{ns}/3"))
    bomb = gzip.compress(b" " * (MAX_RECORD_BYTES * 2), mtime=0)
    return b"".join([
        warc_record(http_response(chunked(page, [100, 100, len(page) - 200]), headers=("Transfer-Encoding: chunked",)),
                    name=f"{ns}/doc1"),
        response(ns, 2, gzip.compress(article(f"{ns}/2"), mtime=0), headers=("Content-Encoding: gzip",)),
        response(ns, 3, deflated, headers=("Content-Encoding: deflate",)),
        response(ns, 4, bomb, headers=("Content-Encoding: gzip",)),
        response(ns, 5, b"\x1f\x8b not gzip", headers=("Content-Encoding: gzip",)),
        response(ns, 6, article(f"{ns}/6"), headers=("Content-Encoding: compress",)),
    ])


def _huge_warc_header(ns: str) -> bytes:
    return response(ns, 1) + warc_record(http_response(article(f"{ns}/2")), name=f"{ns}/doc2",
                                     extra=(f"X-Padding: {'a' * (MAX_HEADER_BYTES * 4)}",)) + response(ns, 3)


def _huge_http_header(ns: str) -> bytes:
    return warc_record(http_response(article(f"{ns}/1"), headers=(f"Set-Cookie: {'b' * (MAX_HEADER_BYTES * 4)}",)),
                       name=f"{ns}/doc1")


def _mixed_encodings(ns: str) -> bytes:
    latin1 = html_page(f"<p>{prose(ns + '/1')} Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e.</p>").encode("latin-1")
    invalid = article(f"{ns}/2")[:200] + b"\xff\xfe\xc3\x28\xa0\xa1" + article(f"{ns}/2")[200:]
    sjis = html_page(f"<p>{prose(ns + '/3')}</p><p>{'日本語の文章です。' * 20}</p>").encode("shift_jis")
    utf16 = html_page(f"<p>{prose(ns + '/4')}</p>").encode("utf-16")
    return b"".join([
        response(ns, 1, latin1, content_type="text/html; charset=utf-8"),  # declared wrong
        response(ns, 2, invalid),
        response(ns, 3, sjis, content_type="text/html; charset=shift_jis"),
        response(ns, 4, utf16, content_type="text/html"),
        response(ns, 5, latin1.replace(b"<p>", b"<p>" + prose(ns + "/5").encode(), 1),
                 content_type="text/html; charset=no-such-charset"),
    ])


def _binary_payloads(ns: str) -> bytes:
    return b"".join([
        response(ns, 1, PDF_BYTES, content_type="application/pdf"),
        response(ns, 2, PNG_BYTES, content_type="image/png"),
        response(ns, 3, PNG_BYTES, content_type="text/html"),  # mislabelled image
        warc_record(PNG_BYTES, record_type="resource", name=f"{ns}/doc4", content_type="image/png"),
        response(ns, 5, b"", content_type="text/html"),
    ])


def _slow_html(ns: str) -> bytes:
    deep = html_page("<div>" * 100_000 + prose(f"{ns}/1")).encode()
    table = html_page("<table>" + ("<tr>" + "<td>c</td>" * 100 + "</tr>") * (MAX_HTML_ELEMENTS // 100 + 1)
                      + "</table>").encode()
    return gz_members([response(ns, 1, deep), response(ns, 2, table), response(ns, 3)])


def _oversized_page(ns: str) -> bytes:
    page = html_page(f"<p>{prose(ns + '/9')}</p>" + "<p>z</p>" * (MAX_RECORD_BYTES // 8 + 1)).encode()
    assert len(page) > MAX_RECORD_BYTES
    return page


def _old_versions(ns: str) -> bytes:
    return b"".join(warc_record(http_response(article(f"{ns}/{i}")), name=f"{ns}/doc{i}", version=v)
                    for i, v in enumerate(("0.17", "0.18", "1.1"), start=1))


def _statuses(ns: str) -> bytes:
    return response(ns, 1, status="404 Not Found") + response(ns, 2, status="301 Moved Permanently") + response(ns, 3)


def _non_document_records(ns: str) -> bytes:
    return b"".join([
        warcinfo(ns),
        warc_record(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n", record_type="request", name=f"{ns}/req",
                    content_type="application/http; msgtype=request"),
        response(ns, 1),
        warc_record(prose(f"{ns}/2").encode(), record_type="conversion", name=f"{ns}/doc2", content_type="text/plain"),
    ])


def _broken_jsonl(ns: str) -> bytes:
    rows = jsonl([{"id": "a", "text": prose(f"{ns}/1")}, {"id": "b"}, {"id": "c", "text": 42},
                  {"id": "d", "text": None},
                  {"id": "e", "text": ["x"]}, [1, 2], "just a string", {"id": "f", "text": prose(f"{ns}/2")}])
    broken = b'{"id": "g", "text": "unterminated\n' + b"\xff\xfe not json\n" + b"\n   \n"
    surrogate = (b'{"id": "h\\ud800", "url": "https://x.org/\\udc00", "text": "lone \\ud800 '
                 + prose(f"{ns}/3").encode() + b'"}\n')
    return rows + broken + surrogate + b'{"id": "i", "text": "' + b"y" * (MAX_RECORD_BYTES + 10) + b'"}\n'


def _corrupt_gzip_jsonl(ns: str) -> bytes:
    good = gz(jsonl([{"id": str(i), "text": prose(f"{ns}/{i}")} for i in range(3)]))
    damaged = gz(jsonl([{"id": str(i), "text": prose(f"{ns}/{i}")} for i in range(3, 50)]))
    return good + damaged[:20] + b"\x00garbage" * 64


def _wrong_schema_parquet(ns: str) -> bytes:
    return parquet(pa.table({"body": [prose(f"{ns}/{i}") for i in range(5)], "id": [str(i) for i in range(5)]}))


def _int_text_parquet(ns: str) -> bytes:
    return parquet(pa.table({"text": pa.array([1, 2, None], pa.int64()), "id": ["a", "b", "c"]}))


def _good_parquet(ns: str) -> bytes:
    return parquet(pa.table({"text": [prose(f"{ns}/{i}") for i in range(3)] + [""], "id": ["a", "b", "c", "d"]}))


CASES: tuple[FuzzCase, ...] = (
    FuzzCase("valid.warc.gz", lambda ns: gz_members([
        warcinfo(ns),
        response(ns, 1), response(ns, 2), response(ns, 3)]), {KEPT: 3}, "control: three good pages, warcinfo skipped"),
    FuzzCase("truncated-member.warc.gz", _truncated_member, {KEPT: 2, MALFORMED_RECORD: 1},
             "last gzip member cut in half"),
    FuzzCase("garbage-between.warc", lambda ns: response(ns, 1) + b"\x00\x01 not a record \xff" * 40 + response(ns, 2),
             {KEPT: 1, MALFORMED_RECORD: 1}, "binary junk between two records"),
    FuzzCase("garbage-between-members.warc.gz", lambda ns: gz(response(ns, 1)) + b"junk" * 100 + gz(response(ns, 2)),
             {KEPT: 1, MALFORMED_RECORD: 1}, "junk between two gzip members"),
    FuzzCase("wrong-length-long.warc", _wrong_length_long, {MALFORMED_RECORD: 1},
             "Content-Length 10 kB past the end swallows the next record"),
    FuzzCase("wrong-length-short.warc", lambda ns: warc_record(http_response(article(f"{ns}/1")), name=f"{ns}/doc1",
                                                            content_length=300) + response(ns, 2),
             {KEPT: 1, MALFORMED_RECORD: 1}, "Content-Length too short: the rest of the block is junk"),
    FuzzCase("bad-chunked.warc", lambda ns: _bad_chunked(ns) + response(ns, 2), {MALFORMED_RECORD: 1, KEPT: 1},
             "second chunk size not hex; the next record still parses"),
    FuzzCase("decoded-but-labelled.warc", _decoded_but_labelled, {KEPT: 3},
             "plain bodies under Content-Encoding / Transfer-Encoding headers"),
    FuzzCase("overlong-chunk.warc", lambda ns: _overlong_chunk(ns) + response(ns, 2), {MALFORMED_RECORD: 1, KEPT: 1},
             "a last chunk that overstates its size; the next record still parses"),
    FuzzCase("encoded.warc", _encoded, {KEPT: 3, RECORD_TOO_LARGE: 1, MALFORMED_RECORD: 2},
             "chunked, gzip and deflate bodies; a gzip bomb; a fake gzip body; an unsupported coding"),
    FuzzCase("huge-warc-header.warc", _huge_warc_header, {KEPT: 1, MALFORMED_RECORD: 1},
             "a WARC header line 4x the header limit"),
    FuzzCase("huge-http-header.warc", _huge_http_header, {MALFORMED_RECORD: 1},
             "an HTTP header line 4x the header limit"),
    FuzzCase("mixed-encodings.warc", _mixed_encodings, {KEPT: 5},
             "wrong/invalid/unknown charsets: decoded with replacement, never a crash"),
    FuzzCase("empty.warc", lambda ns: b"", {EMPTY_FILE: 1}, "0-byte file"),
    FuzzCase("empty.jsonl", lambda ns: b"", {EMPTY_FILE: 1}, "0-byte file"),
    FuzzCase("not-a-warc.warc", lambda ns: b"This is a plain text file, not an archive.\n" * 20,
             {UNSUPPORTED_FORMAT: 1}, "text with a .warc name"),
    FuzzCase("png-named.warc.gz", lambda ns: PNG_BYTES, {UNSUPPORTED_FORMAT: 1}, "image bytes with a .warc.gz name"),
    FuzzCase("unknown-suffix.bin", lambda ns: b"\x00" * 10, {UNSUPPORTED_FORMAT: 1}, "no reader for the name"),
    FuzzCase("binary-payloads.warc", _binary_payloads,
             {UNSUPPORTED_CONTENT_TYPE: 4, EMPTY_TEXT: 1},
             "PDF and PNG responses, a mislabelled PNG, a PNG resource, an empty body"),
    FuzzCase("oversized.warc", lambda ns: response(ns, 1) + response(ns, 2, _oversized_page(ns)),
             {KEPT: 1, RECORD_TOO_LARGE: 1}, "a record over read.max_record_bytes"),
    FuzzCase("slow-html.warc.gz", _slow_html, {HTML_TOO_COMPLEX: 2, KEPT: 1},
             "100k nested divs, a table over extract.max_html_elements (Resiliparse is quadratic in depth)"),
    FuzzCase("old-versions.warc", _old_versions, {KEPT: 3}, "WARC/0.17, 0.18 and 1.1 headers"),
    FuzzCase("statuses.warc", _statuses, {HTTP_STATUS: 2, KEPT: 1}, "404 and 301 responses"),
    FuzzCase("non-documents.warc", _non_document_records, {KEPT: 2},
             "warcinfo and request skipped; response and WET conversion kept"),
    FuzzCase("broken.jsonl", _broken_jsonl, {KEPT: 3, MALFORMED_RECORD: 8, RECORD_TOO_LARGE: 1},
             "missing/non-string text, non-objects, bad JSON, invalid UTF-8, lone surrogates, an oversized line"),
    FuzzCase("corrupt.jsonl.gz", _corrupt_gzip_jsonl, {UNREADABLE_FILE: 1},
             "a good gzip member, then a damaged one: Beam decompresses ahead, so the file ends as one failure"),
    FuzzCase("not-gzip.jsonl.gz", lambda ns: jsonl([{"text": prose(ns)}]), {UNREADABLE_FILE: 1},
             "plain JSONL with a .gz name"),
    FuzzCase("wrong-schema.parquet", _wrong_schema_parquet, {MALFORMED_RECORD: 1}, "no text column"),
    FuzzCase("int-text.parquet", _int_text_parquet, {MALFORMED_RECORD: 3}, "text column of integers and nulls"),
    FuzzCase("good.parquet", _good_parquet, {KEPT: 3, EMPTY_TEXT: 1}, "control, with one empty text"),
    FuzzCase("not-parquet.parquet", lambda ns: b"PAR1 but not really" * 10, {UNSUPPORTED_FORMAT: 1},
             "bytes with a .parquet name"),
)


def write_corpus(directory: Path, cases: tuple[FuzzCase, ...] = CASES) -> list[FuzzCase]:
    """Write every case's file into ``directory`` (created); returns the cases written."""
    directory.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (directory / case.name).write_bytes(case.build(case.name))
    return list(cases)
