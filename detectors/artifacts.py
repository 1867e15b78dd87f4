"""Model artifacts on disk: where the shipped ones live, their checksums, and a cheap fingerprint of any model a
spec names.

Every trained model folder holds ``SHA256SUMS`` (``sha256sum``'s format, every file but the model card), written
with the card by each trainer and verified by each loader, so a corrupted or hand-edited model file fails on load
instead of scoring. The fingerprint reads file names, sizes and modification times, never the weights, so a
launcher can key checkpoints on the exact models of a run without loading (or even being able to load) them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

SHIPPED_MODELS = Path(__file__).resolve().parent / "models"
CARD_FILE = "MODEL_CARD.md"
CHECKSUMS = "SHA256SUMS"


class ModelFileMismatch(ValueError):
    """A model file is missing or differs from the sha256 its folder recorded."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def combined_digest(digests: dict[str, str]) -> str:
    """One sha256 naming a whole model from its files' digests (over sorted ``name  sha256`` lines)."""
    lines = "".join(f"{name}  {digest}\n" for name, digest in sorted(digests.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def write_checksums(folder: Path) -> Path:
    """Record the sha256 of every file in ``folder`` but the card (and this record) in ``SHA256SUMS``."""
    folder = Path(folder)
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in (CARD_FILE, CHECKSUMS))
    path = folder / CHECKSUMS
    path.write_text("".join(f"{file_sha256(folder / name)}  {name}\n" for name in names), encoding="utf-8")
    return path


def verify_checksums(folder: Path) -> None:
    """Check every file ``folder/SHA256SUMS`` lists (a folder without one, written before checksums were
    recorded, is loaded as it is). Raises :class:`ModelFileMismatch`."""
    path = Path(folder) / CHECKSUMS
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        file = Path(folder) / name
        if not file.is_file() or file_sha256(file) != digest:
            raise ModelFileMismatch(f"{file} is missing or does not match the sha256 recorded in {path}")


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def fingerprint(paths: Iterable[Path], names: Iterable[str] = ()) -> str:
    """sha256 over ``(relative name, size, mtime)`` of every file under ``paths``, plus the bare ``names``
    (hub ids or other non-local references, which identify a model only by name)."""
    lines = [f"name {name}" for name in names]
    for root in paths:
        for file in _files(root):
            stat = file.stat()
            lines.append(f"{root.name}/{file.relative_to(root) if root.is_dir() else ''} "
                         f"{stat.st_size} {stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
