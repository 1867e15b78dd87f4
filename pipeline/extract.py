"""Extract: raw records → documents with main text (Resiliparse), charset, HTML signals and token counts.

Non-2xx responses, unsupported content types, oversized or slow pages, empty and too-short texts and records
that are not prose (:mod:`provmix.pipeline.prose`) are rejected with their specific reason; a parser exception rejects only its own record.
"""
from __future__ import annotations

import codecs
import time
from dataclasses import dataclass, field
from typing import Iterable

import apache_beam as beam
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import detect_encoding
from resiliparse.parse.html import DocumentNode, HTMLTree

from provmix.pipeline.html_signals import html_signals
from provmix.pipeline.prose import not_prose_reason
from provmix.pipeline.step import Reject, StageResult, Step, run_step
from provmix.pipeline.tokens import DEFAULT_COUNTER, HF_PREFIX, token_counter
from provmix.pipeline.urls import host
from provmix.schemas import documents as d
from provmix.schemas.rejects import (
    EMPTY_TEXT,
    EXTRACTION_FAILED,
    EXTRACTION_TOO_SLOW,
    HTML_TOO_COMPLEX,
    HTTP_STATUS,
    NOT_PROSE,
    RECORD_TOO_LARGE,
    TOO_SHORT,
    UNSUPPORTED_CONTENT_TYPE,
)

STAGE = "extract"
_SNIFF_BYTES = 1445
_BOMS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])


@dataclass(frozen=True)
class ExtractConfig:
    min_text_chars: int = field(default=100, metadata={"help": "shorter extracted texts are rejected as too_short"})
    max_html_bytes: int = field(default=5_000_000, metadata={"help": "larger HTML payloads are rejected before "
                                "parsing"})
    # Resiliparse's main-content extraction is quadratic in nesting depth (4,000 nested divs: ~2 s; 100,000:
    # ~20 min) and linear in elements (~9 µs each), so pages past these limits are rejected before extraction.
    # These structural limits are the deterministic guard; the time limit below only catches what they miss,
    # with headroom for loaded workers (at 5 s, a loaded 2-core machine rejected 100k-element pages that an idle
    # one keeps, so reruns differed).
    max_seconds: float = field(default=30.0, metadata={"help": "a page whose extraction took longer is rejected "
                               "(extraction_too_slow)"})
    max_html_depth: int = field(default=1_000, metadata={"help": "pages nested deeper are rejected before "
                                "extraction (html_too_complex)"})
    max_html_elements: int = field(default=200_000, metadata={"help": "pages with more elements are rejected "
                                   "before extraction (html_too_complex)"})
    main_content: bool = field(default=True, metadata={"help": "Resiliparse's main-content heuristics (drops "
                               "navigation and boilerplate)"})
    tokenizer: str = field(default=DEFAULT_COUNTER, metadata={"help": "what counts n_tokens: 'default' (fast, "
                           "language-agnostic) or 'hf:PATH' (a local Hugging Face tokenizer)"})

    def __post_init__(self) -> None:
        if (self.min_text_chars < 0 or self.max_html_bytes <= 0 or self.max_seconds <= 0
                or self.max_html_depth <= 0 or self.max_html_elements <= 0):
            raise ValueError("extract limits must be positive")
        if self.tokenizer != DEFAULT_COUNTER and not self.tokenizer.startswith(HF_PREFIX):
            raise ValueError(f"extract.tokenizer must be {DEFAULT_COUNTER!r} or 'hf:PATH', not {self.tokenizer!r}")


def _known_codec(name: str | None) -> str | None:
    """``name`` when Python has a codec for it (``b"".decode`` never looks the codec up, so it cannot tell)."""
    if not name:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _encoding(payload: bytes, declared: str | None) -> str:
    return _known_codec(declared) or detect_encoding(payload[:65536])


def _looks_binary(payload: bytes) -> bool:
    """WHATWG MIME sniffing's rule: no BOM and a binary data byte in the first 1445 bytes (images, PDFs, …)."""
    head = payload[:_SNIFF_BYTES]
    return not head.startswith(_BOMS) and len(head.translate(None, _BINARY_BYTES)) < len(head)




def _check_complexity(document: DocumentNode, max_depth: int, max_elements: int) -> None:
    """Reject a parsed page too deep or too large to extract in bounded time (both checks run in C)."""
    elements = len(document.get_elements_by_tag_name("*"))
    if elements > max_elements:
        raise Reject(HTML_TOO_COMPLEX, f"{elements} elements > {max_elements}")
    # depth <= element count, so only large pages pay for the selector "* > * > … > *" (max_depth + 1 levels)
    if elements > max_depth and document.query_selector(" > ".join(["*"] * (max_depth + 1))) is not None:
        raise Reject(HTML_TOO_COMPLEX, f"nesting deeper than {max_depth} elements")


def _find_mt_markers(html: str) -> list[str]:
    from provmix.detectors.machine_translation.markup import find_mt_markers

    return find_mt_markers(html)


class ExtractStep(Step):
    """One raw record → one document (or a rejection)."""

    stage = STAGE

    def __init__(self, config: ExtractConfig) -> None:
        self.config = config

    def start(self) -> None:
        self.count_tokens = token_counter(self.config.tokenizer)

    def apply(self, record: dict) -> Iterable[dict]:
        record = dict(record)
        status, kind, payload = record.pop(d.HTTP_STATUS), record.pop(d.RAW_KIND), record.pop(d.RAW_CONTENT)
        if status is not None and not 200 <= status < 300:
            raise Reject(HTTP_STATUS, f"HTTP {status}")
        if kind is None:
            raise Reject(UNSUPPORTED_CONTENT_TYPE, record[d.CONTENT_TYPE] or "no content type")
        if _looks_binary(payload):
            raise Reject(UNSUPPORTED_CONTENT_TYPE, f"binary payload labelled {record[d.CONTENT_TYPE] or kind}")
        started = time.perf_counter()
        if kind == "html":
            text = self._html_text(record, payload)
        else:
            text = payload.decode(_known_codec(record[d.CHARSET]) or "utf-8", errors="replace")
        if time.perf_counter() - started > self.config.max_seconds:
            raise Reject(EXTRACTION_TOO_SLOW, f"> {self.config.max_seconds}s")
        text = text.strip()
        if not text:
            raise Reject(EMPTY_TEXT)
        if len(text) < self.config.min_text_chars:
            raise Reject(TOO_SHORT, f"{len(text)} chars < {self.config.min_text_chars}")
        reason = not_prose_reason(text, record[d.URL], record[d.CONTENT_TYPE])
        if reason:
            raise Reject(NOT_PROSE, reason)
        record[d.TEXT] = text
        record[d.N_TOKENS] = self.count_tokens(text)
        record[d.DOMAIN] = record[d.DOMAIN] or host(record[d.URL])
        yield record

    def _html_text(self, record: dict, payload: bytes) -> str:
        if len(payload) > self.config.max_html_bytes:
            raise Reject(RECORD_TOO_LARGE, f"{len(payload)} HTML bytes > {self.config.max_html_bytes}")
        encoding = _encoding(payload, record[d.CHARSET])
        try:
            tree = HTMLTree.parse_from_bytes(payload, encoding)
        except Exception as error:  # noqa: BLE001 - any parser failure rejects this record only
            raise Reject(EXTRACTION_FAILED, f"{type(error).__name__}: {error}") from error
        document = tree.document  # Resiliparse builds a new wrapper at every access: one per page
        _check_complexity(document, self.config.max_html_depth, self.config.max_html_elements)
        try:
            html = payload.decode(encoding, errors="replace")
            record[d.HTML_SIGNALS] = html_signals(document, _find_mt_markers(html))
            text = extract_plain_text(tree, main_content=self.config.main_content, preserve_formatting=True)
        except Exception as error:  # noqa: BLE001 - any parser failure rejects this record only
            raise Reject(EXTRACTION_FAILED, f"{type(error).__name__}: {error}") from error
        record[d.CHARSET] = encoding
        return text


class Extract(beam.PTransform):
    """Raw records → documents; rejects carry the reason."""

    def __init__(self, config: ExtractConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, records: beam.PCollection) -> StageResult:
        return run_step(records, "ExtractText", ExtractStep(self.config))
