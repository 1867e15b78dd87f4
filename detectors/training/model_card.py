"""Model cards: the ``MODEL_CARD.md`` next to every trained model, its shared blocks and its one writer.

Each trainer renders its own sections (what the model is and how it was measured differ); the file name, the data
and configuration blocks and the writing are here. Cards are deterministic: no timestamps, sorted keys.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from provmix.detectors.artifacts import CARD_FILE, write_checksums


def data_list(data: Iterable[dict]) -> str:
    """One Markdown bullet per data file: ``- `FILE` sha256 `DIGEST```."""
    return "\n".join(f"- `{entry['file']}` sha256 `{entry['sha256']}`" for entry in data)


def config_block(config: dict) -> str:
    """The training configuration as a fenced JSON block."""
    return f"```json\n{json.dumps(config, indent=1, sort_keys=True)}\n```"


def write_card(folder: Path, text: str) -> Path:
    """Write ``text`` as ``folder``'s model card and record the checksums of its model files (the card is the last
    file every trainer writes); returns the card's path."""
    path = Path(folder) / CARD_FILE
    path.write_text(text, encoding="utf-8")
    write_checksums(folder)
    return path
