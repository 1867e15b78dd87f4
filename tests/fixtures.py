"""Small input files written by tests: WARC (gzip per record), JSONL and Parquet."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ENGLISH = (
    "The committee met on Tuesday to discuss the new library budget. Members agreed that the reading room "
    "needs longer opening hours, and several residents spoke about the children's programme in the summer."
)
GERMAN = (
    "Der Ausschuss traf sich am Dienstag, um über den neuen Haushalt der Bibliothek zu sprechen. Die Mitglieder "
    "waren sich einig, dass der Lesesaal längere Öffnungszeiten braucht, und mehrere Anwohner sprachen darüber."
)

GERMAN_NEWS = (
    "Nach dem starken Regen der letzten Woche hat die Stadt die Uferstraße gesperrt. Die Feuerwehr pumpte "
    "mehrere Keller aus, und der Bürgermeister versprach, die Dämme bis zum Herbst zu verstärken."
)


def html_page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1><p>{body}</p></article></body></html>"
    )


def warc_record(record_type: str, uri: str, block: bytes, record_id: str, content_type: str) -> bytes:
    headers = (
        "WARC/1.1\r\n"
        f"WARC-Type: {record_type}\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        "WARC-Date: 2021-03-04T05:06:07Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{record_id}>\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return headers.encode() + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8", status: str = "200 OK") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nDate: Thu, 04 Mar 2021 05:06:07 GMT\r\n"
        f"Last-Modified: Mon, 01 Feb 2021 00:00:00 GMT\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def write_warc(path: Path, records: list[bytes]) -> Path:
    """Gzip each record as its own member, as Common Crawl does."""
    path.write_bytes(b"".join(gzip.compress(r, mtime=0) for r in records))
    return path


def sample_warc(path: Path) -> Path:
    """4 HTML responses (2 English, 1 German, 1 duplicate text), a 404, a PNG, and a request record."""
    uuid = "00000000-0000-4000-8000-{:012d}"
    pages = [
        ("http://example.com/a", html_page("Budget", ENGLISH)),
        ("http://example.com/b", html_page("Reading room", ENGLISH.replace("Tuesday", "Friday") + " " + ENGLISH)),
        ("http://example.de/c", html_page("Haushalt", GERMAN, "de")),
        ("http://mirror.example.org/a", html_page("Budget", ENGLISH)),
    ]
    records = [
        warc_record("response", uri, http_response(page.encode()), uuid.format(i), "application/http; msgtype=response")
        for i, (uri, page) in enumerate(pages)
    ]
    records.append(warc_record("response", "http://example.com/missing",
                               http_response(b"<html>gone</html>", status="404 Not Found"), uuid.format(10),
                               "application/http; msgtype=response"))
    records.append(warc_record("response", "http://example.com/logo.png",
                               http_response(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"), uuid.format(11),
                               "application/http; msgtype=response"))
    records.append(warc_record("request", "http://example.com/a", b"GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n",
                               uuid.format(12), "application/http; msgtype=request"))
    return write_warc(path, records)


def sample_jsonl(path: Path) -> Path:
    """A German row, an upper-cased copy of the English page (an exact duplicate once normalised), a broken line."""
    rows = [
        json.dumps({"id": "j1", "url": "http://example.net/1", "text": GERMAN_NEWS}),
        "{not json",
        json.dumps({"id": "j2", "url": "http://example.net/2", "text": ENGLISH.upper()}),
    ]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    return path


def sample_parquet(path: Path) -> Path:
    """One good row and one row without text."""
    table = pa.table({"id": ["p1", "p2"], "url": ["http://example.org/p1", None],
                      "text": [ENGLISH + " Thank you.", None]})
    pq.write_table(table, path)
    return path
