"""Real 50 MB records under the default limits: refused with record_too_large, never held in memory whole."""
from __future__ import annotations

import tracemalloc

from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure, MissingFields
from provmix.pipeline.read.tabular import iter_jsonl
from provmix.pipeline.read.warc import iter_warc
from provmix.schemas import rejects as r
from tests.reliability.corpus import html_page, http_response, prose, warc_record

SIZE = 50_000_000


def test_50mb_warc_record_is_refused_and_the_next_is_read(tmp_path) -> None:
    path = tmp_path / "big.warc"
    body = b"<p>" + b"x" * SIZE + b"</p>"
    path.write_bytes(warc_record(http_response(body), name="big")
                     + warc_record(http_response(html_page(prose("after")).encode()), name="after"))
    with open(path, "rb") as stream:
        big, after = list(iter_warc(stream, str(path), ReadConfig()))
    assert isinstance(big, Failure) and big.reason == r.RECORD_TOO_LARGE
    assert isinstance(after, dict)


def test_50mb_jsonl_line_is_refused_in_bounded_memory(tmp_path) -> None:
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as out:
        out.write(b'{"text": "' + b"y" * SIZE + b'"}\n')
        out.write(b'{"text": "' + prose("after").encode() + b'"}\n')
    config = ReadConfig()
    tracemalloc.start()
    with open(path, "rb") as stream:
        big, after = [item for item in iter_jsonl(stream, str(path), config)
                      if not isinstance(item, MissingFields)]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(big, Failure) and big.reason == r.RECORD_TOO_LARGE and big.offset == 1
    assert isinstance(after, dict)
    assert peak < 2 * config.max_record_bytes + 4 * (1 << 20)  # a pending line and its next chunk, joined
