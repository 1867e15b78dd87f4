"""Reader settings (the ``read:`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("auto", "warc", "jsonl", "parquet")


@dataclass(frozen=True)
class ReadConfig:
    format: str = "auto"  # auto: by file name (.warc[.gz], .wet[.gz], .wat[.gz], .jsonl[.gz], .json.gz, .parquet)
    text_field: str = "text"  # JSONL/Parquet: the column holding the document text
    id_field: str = "id"  # JSONL/Parquet: the record id (ids are derived from it when present)
    url_field: str = "url"
    date_field: str = ""  # JSONL/Parquet: a crawl date column, if any
    max_record_bytes: int = 20_000_000  # larger WARC records / JSONL lines are failed with record_too_large
    max_header_bytes: int = 65_536  # WARC/HTTP header block limit

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"read.format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.max_record_bytes <= 0 or self.max_header_bytes <= 0:
            raise ValueError("read.max_record_bytes and read.max_header_bytes must be positive")
