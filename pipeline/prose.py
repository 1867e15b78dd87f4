"""Is this a document to label? Records that are not prose (crawler metadata, robots.txt, style sheets and
scripts, logs, code, link lists and navigation-only pages) get a reason; prose gets None.

The extraction stage rejects them with reason ``not_prose`` (the detail is the reason here), so no detector
scores them and no label calls them human, ai or mt. The text rules are deliberately conservative: they must
not fire on ordinary human prose pages (see docs/labels-and-floor.md for the rate measured on human web text).
"""
from __future__ import annotations

import re

from provmix.pipeline.urls import split_url

NON_PROSE_SCHEMES = ("metadata", "dns", "urn", "filedesc")  # WARC records about the crawl, not pages
NON_PROSE_TYPES = {  # MIME type → reason
    "text/css": "stylesheet", "text/javascript": "script", "application/javascript": "script",
    "application/x-javascript": "script", "text/x-component": "htc", "application/json": "data",
}
NON_PROSE_SUFFIXES = {".css": "stylesheet", ".js": "script", ".mjs": "script", ".htc": "htc", ".json": "data"}
MIN_LINES = 5  # the text rules need this many non-empty lines to say anything
LOG_SHARE = 0.5  # share of lines that look like log lines
CODE_SHARE = 0.4  # share of lines that end like code statements
LINK_SHARE = 0.5  # share of words that are URLs
NAV_MIN_LINES = 10
NAV_PROSE_SHARE = 0.2  # navigation: under this share of the characters sits in sentence-like lines
SENTENCE_WORDS = 8  # a line with this many words is sentence-like…
SENTENCE_CHARS = 20  # …and so is an unspaced (CJK) line this long, or any line that ends a sentence

_LOG_LINE = re.compile(
    r"^(?:--\d{4}-\d\d-\d\d|\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[\d\d?/\w{3}/\d{4}|\d\d:\d\d:\d\d\b"
    r"|(?:resolving|connecting to|http request sent|saving to|length:|location:) )", re.IGNORECASE)
_CODE_ENDINGS = (";", "{", "}", "=>")  # a code statement's last characters (lines are stripped)
_CODE_START = re.compile(r"^(?:import |from \S+ import|def |class |function\b|var |let |const |#include|return\b|"
                         r"public |private |if \(|for \(|}\s*else)")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’)）」』]*$")


def _record_reason(url: str | None, content_type: str | None) -> str | None:
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in NON_PROSE_TYPES:
        return f"{NON_PROSE_TYPES[mime]}:{mime}"
    parts = split_url(url)
    if parts is None:
        return None
    if parts.scheme.lower() in NON_PROSE_SCHEMES:
        return f"crawl_record:{parts.scheme.lower()}"
    path = parts.path.lower()
    if path.endswith("/robots.txt"):
        return "robots_txt"
    for suffix, reason in NON_PROSE_SUFFIXES.items():
        if path.endswith(suffix):
            return f"{reason}:{suffix}"
    return None


def _share(lines: list[str], pattern: re.Pattern) -> float:
    return sum(1 for line in lines if pattern.search(line)) / len(lines)


def _sentence_like(line: str) -> bool:
    return (len(line.split()) >= SENTENCE_WORDS or bool(_SENTENCE_END.search(line))
            or (len(line) >= SENTENCE_CHARS and " " not in line))


def _link_share(text: str) -> float:
    """Share of the words that are URLs; only texts that mention ``http`` or ``www.`` are split into words."""
    low = text.lower()
    if "http" not in low and "www." not in low:  # every URL word starts with one of them
        return 0.0
    words = text.split()
    return sum(1 for w in words if _URL.match(w)) / len(words)


def _text_reason(text: str) -> str | None:
    lines = [stripped for stripped in map(str.strip, text.splitlines()) if stripped]
    if _link_share(text) >= LINK_SHARE:
        return "link_list"
    if len(lines) < MIN_LINES:
        return None
    if _share(lines, _LOG_LINE) >= LOG_SHARE:
        return "log"
    code = sum(1 for line in lines if line.endswith(_CODE_ENDINGS) or _CODE_START.match(line))
    if code / len(lines) >= CODE_SHARE:
        return "code"
    if len(lines) >= NAV_MIN_LINES:
        prose = sum(len(line) for line in lines if _sentence_like(line))
        if prose < NAV_PROSE_SHARE * sum(len(line) for line in lines):
            return "navigation"
    return None


def not_prose_reason(text: str, url: str | None, content_type: str | None) -> str | None:
    """Why this record is not a prose document (``robots_txt``, ``crawl_record:metadata``, ``script:.js``,
    ``log``, ``code``, ``link_list``, ``navigation``…), or None for prose."""
    return _record_reason(url, content_type) or _text_reason(text)
