"""The one date parser of the code base: ISO-8601 strings (as the readers write them) → UTC moments."""
from __future__ import annotations

import functools
from datetime import datetime, timezone


def parse_date(value: object) -> datetime | None:
    """The UTC moment of an ISO-8601 string (``2019-03-01``, ``2019-03-01T12:00:00Z``, offsets converted;
    naive values taken as UTC); None when absent or not a date."""
    return _parse(value.strip()) if isinstance(value, str) and value.strip() else None


@functools.lru_cache(maxsize=65536)  # crawl dates repeat across a crawl's documents
def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)

