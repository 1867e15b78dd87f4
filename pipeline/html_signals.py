"""The few raw-HTML facts later stages need, kept as a small struct instead of the HTML itself."""
from __future__ import annotations

from resiliparse.parse.html import DocumentNode

from provmix.schemas import documents as d

MAX_HREFLANG = 64


def _attr(document: DocumentNode, selector: str, attribute: str) -> str | None:
    node = document.query_selector(selector)
    value = node.getattr(attribute) if node is not None else None
    return value.strip()[:64] if value else None


def html_signals(document: DocumentNode, mt_markers: list[str]) -> dict:
    """``html_signals`` column of a parsed page: lang attributes, hreflang alternates, meta generator, MT markers."""
    hreflang = []
    for node in document.query_selector_all("link[hreflang]")[:MAX_HREFLANG]:
        lang, href = node.getattr("hreflang"), node.getattr("href")
        if lang:
            hreflang.append({d.LANG: lang.strip()[:32], d.HREF: (href or "")[:2048]})
    return {
        d.HTML_LANG: _attr(document, "html", "lang"),
        d.CONTENT_LANGUAGE: _attr(document, 'meta[http-equiv="content-language" i]', "content"),
        d.HREFLANG: hreflang,
        d.META_GENERATOR: _attr(document, 'meta[name="generator" i]', "content"),
        d.MT_MARKERS: mt_markers,
    }
