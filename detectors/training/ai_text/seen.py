"""A compact record of every text a model was fitted or calibrated on, so an evaluation can tell when its data
overlaps the training data: the sorted, distinct xxh3-64 digests of the normalised texts, gzipped (no mtime)."""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterable, Sequence

import xxhash

from provmix.detectors.normalize import normalize_text

HASH_FILE = "training_texts.xxh3.gz"


def text_hash(text: str) -> str:
    """Digest of the normalised text: whitespace or look-alike variants of a training text still match."""
    return xxhash.xxh3_64_hexdigest(normalize_text(text).encode("utf-8"))


def write_hashes(folder: Path, texts: Iterable[str]) -> Path:
    """Write ``HASH_FILE`` (one hex digest a line, sorted, distinct) into ``folder``; byte-reproducible."""
    lines = "".join(f"{h}\n" for h in sorted({text_hash(t) for t in texts}))
    path = folder / HASH_FILE
    path.write_bytes(gzip.compress(lines.encode("ascii"), mtime=0))
    return path


def read_hashes(folder: Path) -> frozenset[str] | None:
    """The digests recorded in ``folder``, or ``None`` when the model folder has no record."""
    path = folder / HASH_FILE
    if not path.exists():
        return None
    return frozenset(gzip.decompress(path.read_bytes()).decode("ascii").split())


def overlap(folder: str | Path | None, texts: Sequence[str]) -> dict | None:
    """How many of ``texts`` the model in ``folder`` was trained on; ``None`` without a record to compare."""
    hashes = read_hashes(Path(folder)) if folder else None
    if hashes is None:
        return None
    seen = sum(text_hash(t) in hashes for t in texts)
    return {"rows": seen, "of": len(texts), "fraction": seen / len(texts) if texts else 0.0, "file": HASH_FILE}
