"""URL parsing that never raises: crawled URLs are often malformed."""
from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(url: str | None) -> SplitResult | None:
    """``urlsplit`` of the stripped ``url``; None for a missing or unparseable URL."""
    if not url:
        return None
    try:
        return urlsplit(url.strip())
    except ValueError:
        return None


def host(url: str | None) -> str | None:
    """The URL's host name (lower case), or None."""
    parts = split_url(url)
    return parts.hostname if parts else None
