"""Model artifacts on disk: where the shipped ones live, and a cheap fingerprint of any model a spec names.

The fingerprint reads file names, sizes and modification times, never the weights, so a launcher can key
checkpoints on the exact models of a run without loading (or even being able to load) them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

SHIPPED_MODELS = Path(__file__).resolve().parent / "models"


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
