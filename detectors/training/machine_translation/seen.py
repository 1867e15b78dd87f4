"""The texts a model directory was trained and calibrated on, kept as sorted xxh3-64 hashes of their
:func:`detectors.machine_translation.text.clean_text` view (8 bytes a text), so that ``provmix eval mt`` can warn
when evaluation rows overlap them."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import xxhash

FILENAME = "seen_texts.xxh3"


def text_hash(clean: str) -> int:
    return xxhash.xxh3_64_intdigest(clean.encode("utf-8"))


def write_seen(directory: Path, cleaned_texts: Iterable[str]) -> Path:
    """Write the sorted unique hashes (little-endian uint64) and return the file's path."""
    hashes = np.unique(np.fromiter((text_hash(t) for t in cleaned_texts), dtype=np.uint64))
    path = directory / FILENAME
    path.write_bytes(hashes.astype("<u8").tobytes())
    return path


def read_seen(directory: Path) -> np.ndarray | None:
    """The hashes of a model directory, or None where it records none."""
    path = directory / FILENAME
    return np.frombuffer(path.read_bytes(), dtype="<u8") if path.exists() else None


def overlap(seen: np.ndarray, cleaned_texts: Iterable[str]) -> np.ndarray:
    """Per text: whether its hash is among ``seen``."""
    hashes = np.fromiter((text_hash(t) for t in cleaned_texts), dtype=np.uint64)
    return np.isin(hashes, seen)
