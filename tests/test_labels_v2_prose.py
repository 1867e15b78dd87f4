"""Non-prose records are not documents to label: the pure decision, its rate on human web text, the extract hook."""
from __future__ import annotations

import glob
import gzip
import json
import os

import pytest

from provmix.pipeline.extract import ExtractConfig, ExtractStep
from provmix.pipeline.prose import not_prose_reason
from provmix.pipeline.step import REJECTS
from provmix.schemas import documents as d
from provmix.schemas import rejects as r

HUMAN_WEB = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "human-web")
PARAGRAPH = ("The council met on Tuesday evening to discuss the new bus timetable, which several residents said "
             "would leave the northern villages without a service after seven o'clock. ")
WGET_LOG = "\n".join(
    f"2024-04-25 09:27:{i:02d} URL:https://example.org/page{i}/ [39833] -> \"example.org/page{i}/index.html\" [1]"
    for i in range(12))
CODE = "\n".join(["import os", "def main():", "    x = 1;", "    if (x) {", "        run(x);", "    }", "}"] * 2)
LINKS = " ".join(f"https://example.org/{i}" for i in range(30))
NAVIGATION = "\n".join(["Home", "About us", "Products", "Contact", "Login", "Cart", "FAQ", "Shipping",
                        "Returns", "Careers", "Press", "Blog"])


@pytest.mark.parametrize("url, content_type, reason", [
    ("https://example.org/robots.txt", "text/plain", "robots_txt"),
    ("metadata://gnu.org/software/wget/warc/wget.log", "text/plain", "crawl_record:metadata"),
    ("dns:example.org", "text/dns", "crawl_record:dns"),
    ("https://example.org/site.css", None, "stylesheet:.css"),
    ("https://example.org/app.js?v=3", None, "script:.js"),
    ("https://example.org/behaviour.htc", None, "htc:.htc"),
    ("https://example.org/page", "text/css", "stylesheet:text/css"),
])
def test_records_that_are_not_pages_are_named_by_url_or_type(url: str, content_type: str | None, reason: str) -> None:
    assert not_prose_reason(PARAGRAPH * 3, url, content_type) == reason


@pytest.mark.parametrize("text, reason", [(WGET_LOG, "log"), (CODE, "code"), (LINKS, "link_list"),
                                          (LINKS.upper().replace("HTTPS://", "WWW."), "link_list"),
                                          (NAVIGATION, "navigation")])
def test_texts_that_are_not_prose_are_named_by_their_shape(text: str, reason: str) -> None:
    assert not_prose_reason(text, "https://example.org/page", "text/html") == reason


@pytest.mark.parametrize("text", [
    PARAGRAPH * 4,
    "\n".join([PARAGRAPH] * 12),
    "Zutaten:\n200 g Mehl\n2 Eier\n" + "Den Teig eine Stunde ruhen lassen, dann dünn ausrollen und backen.\n" * 8,
    "会议于周二晚上召开，讨论新的公交时刻表。多位居民表示，这将使北部村庄在晚上七点以后没有公交服务。\n" * 12,
    "我买了一盒。\n真的很好用！\n价格有点贵。\n但是值得。\n朋友也喜欢。\n下次还会再买。\n客服很热情。\n送货也很快。\n包装完好。\n推荐给大家！\n",  # one short sentence per line
    "Q: Can I return an item?\nA: Yes, within 30 days of delivery, as long as it is unused and in its box.\n" * 6,
])
def test_ordinary_prose_pages_are_prose(text: str) -> None:
    assert not_prose_reason(text, "https://example.org/news/1", "text/html") is None


@pytest.mark.skipif(not os.path.isdir(HUMAN_WEB), reason="../shared/data/human-web is absent")
def test_human_web_text_is_almost_never_flagged() -> None:
    total = flagged = 0
    for path in sorted(glob.glob(os.path.join(HUMAN_WEB, "*.jsonl.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                total += 1
                flagged += not_prose_reason(json.loads(line)["text"], None, None) is not None
    assert total > 1000 and flagged / total <= 0.001, (flagged, total)


def test_extraction_rejects_non_prose_records_with_the_reason_as_detail() -> None:
    step = ExtractStep(ExtractConfig())
    step.setup()
    record = d.new_document(id="robots", url="https://example.org/robots.txt", content_type="text/plain",
                            source_file="mem", source_offset=0)
    record.update({d.RAW_CONTENT: ("User-agent: *\nDisallow: /private/\n" * 5).encode(), d.RAW_KIND: "text",
                   d.HTTP_STATUS: 200})
    (out,) = list(step.process(record))
    assert out.tag == REJECTS and (out.value[r.REASON], out.value[r.DETAIL]) == (r.NOT_PROSE, "robots_txt")
