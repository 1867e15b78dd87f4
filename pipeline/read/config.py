"""Reader settings (the ``read:`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("auto", "warc", "jsonl", "parquet")


@dataclass(frozen=True)
class ReadConfig:
    format: str = field(default="auto", metadata={"help": "reader: auto (by file name: .warc[.gz], .wet[.gz], "
                        ".wat[.gz], .jsonl[.gz], .json.gz, .parquet), warc, jsonl or parquet"})
    text_field: str = field(default="text", metadata={"help": "JSONL/Parquet: the field holding the document text; "
                            "a dotted path reads a nested field (meta.text)"})
    id_field: str = field(default="id", metadata={"help": "JSONL/Parquet: the record id field (document ids derive "
                          "from it when present); '' when the data has none"})
    url_field: str = field(default="url", metadata={"help": "JSONL/Parquet: the URL field, e.g. metadata.url for "
                           "Dolma"})
    date_field: str = field(default="", metadata={"help": "JSONL/Parquet: an ISO-8601 crawl date field, if any "
                            "(e.g. meta.date); values that are not dates are ignored"})
    max_record_bytes: int = field(default=20_000_000, metadata={"help": "larger WARC records / JSONL lines fail "
                                  "with record_too_large"})
    max_header_bytes: int = field(default=65_536, metadata={"help": "WARC/HTTP header block limit in bytes"})

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"read.format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.max_record_bytes <= 0 or self.max_header_bytes <= 0:
            raise ValueError("read.max_record_bytes and read.max_header_bytes must be positive")
