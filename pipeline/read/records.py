"""What a per-format reader yields: raw records (document dicts carrying a payload) or failures."""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

_CRAWL_ID = re.compile(r"CC-MAIN-\d{4}-\d{2}")


class Failure(NamedTuple):
    """A record (or a whole file) that could not become a document."""

    reason: str
    detail: str
    offset: int | None = None
    record_id: str | None = None
    url: str | None = None


class SkippedRecord(NamedTuple):
    """A record that is not a document candidate by type (warcinfo, request, metadata, …)."""

    record_type: str


class MissingFields(NamedTuple):
    """After a file's records: configured fields (config key → field name) that no record of the file had."""

    fields: dict[str, str]

    def message(self) -> str:
        named = ", ".join(f"read.{key} {name!r}" for key, name in self.fields.items())
        return f"{named} absent from every record (a typo, or a nested field needing a dotted path?)"


def crawl_id_from_path(path: str) -> str | None:
    match = _CRAWL_ID.search(path)
    return match.group(0) if match else None


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO-8601 in UTC with a trailing Z, or None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"
