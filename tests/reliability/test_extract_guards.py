"""Pages that make Resiliparse slow are rejected before extraction, and the worker goes on with the next record."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from provmix.pipeline.extract import ExtractConfig, ExtractStep
from provmix.pipeline.step import REJECTS
from provmix.schemas import documents as d
from provmix.schemas import rejects as r
from provmix.schemas.rejects import HTML_TOO_COMPLEX
from tests.reliability.corpus import html_page, prose


def _raw(html: str, n: int = 0) -> dict:
    record = d.new_document(id=f"doc{n}", source_file="mem", source_offset=n)
    record.update({d.RAW_CONTENT: html.encode(), d.RAW_KIND: "html", d.HTTP_STATUS: 200})
    return record


def _extract(config: ExtractConfig, *pages: str) -> list[tuple[str, dict]]:
    """(tag, row) per output: ``documents`` for a document, ``rejects`` for a reject row."""
    step = ExtractStep(config)
    step.setup()
    outputs = []
    for n, page in enumerate(pages):
        for out in step.process(_raw(page, n)):
            outputs.append((out.tag, out.value) if getattr(out, "tag", None) == REJECTS else ("documents", out))
    return outputs


def _nested(levels: int) -> str:
    return html_page("<div>" * levels + prose("nested") + "</div>" * levels)


def test_deep_nesting_is_rejected_fast_and_the_next_page_extracts() -> None:
    started = time.perf_counter()
    (tag, row), (next_tag, doc) = _extract(ExtractConfig(), _nested(100_000), html_page(f"<p>{prose('ok')}</p>"))
    assert time.perf_counter() - started < 10  # unguarded, this page takes Resiliparse ~20 minutes
    assert tag == REJECTS and row[r.REASON] == HTML_TOO_COMPLEX and "nesting" in row[r.DETAIL]
    assert next_tag == "documents" and doc[d.TEXT].startswith(prose("ok")[:40])


def test_huge_table_is_rejected_at_the_default_element_limit() -> None:
    cells = ExtractConfig().max_html_elements + 1000
    table = html_page("<table>" + ("<tr>" + "<td>c</td>" * 100 + "</tr>") * (cells // 101) + "</table>")
    ((tag, row),) = _extract(ExtractConfig(), table)
    assert tag == REJECTS and row[r.REASON] == HTML_TOO_COMPLEX and "elements" in row[r.DETAIL]


def test_depth_limit_boundary() -> None:
    config = ExtractConfig(max_html_depth=50)
    # depth counts <html> and <body>: 48 nested divs reach depth 50
    (at_limit, _), (over_limit, row) = _extract(config, _nested(48), _nested(49))
    assert at_limit == "documents"
    assert over_limit == REJECTS and row[r.REASON] == HTML_TOO_COMPLEX


def test_extraction_over_the_time_limit_is_rejected() -> None:
    ((tag, row),) = _extract(ExtractConfig(max_seconds=1e-9), html_page(f"<p>{prose('slow')}</p>"))
    assert tag == REJECTS and row[r.REASON] == r.EXTRACTION_TOO_SLOW


def test_binary_payload_labelled_html_is_rejected() -> None:
    png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + prose("png")
    ((tag, row),) = _extract(ExtractConfig(), png)
    assert tag == REJECTS and row[r.REASON] == r.UNSUPPORTED_CONTENT_TYPE


def test_utf16_with_bom_is_not_taken_for_binary() -> None:
    step = ExtractStep(ExtractConfig())
    step.setup()
    record = _raw("")
    record[d.RAW_CONTENT] = html_page(f"<p>{prose('utf16')}</p>").encode("utf-16")
    (doc,) = list(step.process(record))
    assert prose("utf16")[:40] in doc[d.TEXT]


# find_mt_markers (detectors/machine_translation/markup.py) runs on every HTML page inside extraction; its
# unbounded `[^"'>]*` / `<meta[^>]+` regexes backtrack quadratically: 75 kB of "class=" took 29 s, 150 kB 155 s.
_PATHOLOGICAL_MARKUP = {"class_attribute": '"notranslate " + "class=" * 20_000',
                        "meta_tag": '"notranslate " + "<meta a" * 15_000'}


@pytest.mark.parametrize("html", sorted(_PATHOLOGICAL_MARKUP))
def test_mt_markup_scan_is_linear_on_pathological_pages(html: str) -> None:
    # in a child process, so a hang costs the suite its timeout and no more
    code = ("from detectors.machine_translation.markup import find_mt_markers; "
            f"find_mt_markers({_PATHOLOGICAL_MARKUP[html]})")
    try:
        subprocess.run([sys.executable, "-c", code], check=True, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail(f"find_mt_markers took more than 3 s on about 110 kB of {html}")
