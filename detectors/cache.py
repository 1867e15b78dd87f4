"""Files derived from a shipped model once per machine (a float copy of a quantised LM, a language model's arrays
unpacked from its LZMA file), under ``$PROVMIX_CACHE`` (default ``~/.cache/provmix``).

Each entry is a folder named for what it was derived from (a digest of the source file in the name), built in a
staging folder beside it and renamed into place, so a folder that exists is complete and concurrent workers that
build the same entry leave one of them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

CACHE_ENV = "PROVMIX_CACHE"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "provmix")


def cached_folder(name: str, build: Callable[[Path], None]) -> Path:
    """The cache folder ``name``; ``build(staging)`` fills it on first use. Raises OSError where it cannot be
    written."""
    folder = cache_root() / name
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        build(staging)
        staging.rename(folder)
    except OSError:
        if not folder.is_dir():  # a concurrent worker may have won the rename
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
