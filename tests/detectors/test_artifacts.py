"""Every model folder records its files' sha256s (SHA256SUMS); loaders refuse a folder whose files differ."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provmix.detectors.artifacts import CARD_FILE, CHECKSUMS, SHIPPED_MODELS, ModelFileMismatch, verify_checksums
from provmix.detectors.registry import load_detector


@pytest.mark.parametrize("folder", sorted(SHIPPED_MODELS.iterdir()), ids=lambda folder: folder.name)
def test_every_shipped_folder_records_every_model_file(folder: Path) -> None:
    listed = {line.split("  ", 1)[1] for line in (folder / CHECKSUMS).read_text().splitlines()}
    assert listed == {p.name for p in folder.iterdir() if p.is_file()} - {CARD_FILE, CHECKSUMS}
    verify_checksums(folder)


def _tampered(tmp_path: Path, model: str, file: str) -> Path:
    folder = tmp_path / model
    shutil.copytree(SHIPPED_MODELS / model, folder)
    data = bytearray((folder / file).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / file).write_bytes(bytes(data))
    return folder


@pytest.mark.parametrize("spec, file", [("ai-default", "model.ftz"), ("ai-default", "model.json"),
                                        ("mt-default", "en.ftz")])
def test_a_changed_model_file_fails_on_load(tmp_path: Path, spec: str, file: str) -> None:
    folder = _tampered(tmp_path, spec, file)
    with pytest.raises(ModelFileMismatch, match=file):
        load_detector(f"{spec}:{folder}")


def test_a_missing_model_file_fails_on_load(tmp_path: Path) -> None:
    folder = tmp_path / "mt-default"
    shutil.copytree(SHIPPED_MODELS / "mt-default", folder)
    (folder / "ja.ftz").unlink()
    with pytest.raises(ModelFileMismatch, match="ja.ftz is missing"):
        load_detector(f"mt-default:{folder}")


def test_the_card_is_not_checked(tmp_path: Path) -> None:
    folder = tmp_path / "ai-default"
    shutil.copytree(SHIPPED_MODELS / "ai-default", folder)
    (folder / CARD_FILE).write_text("edited by hand\n")
    assert load_detector(f"ai-default:{folder}").info.name == "ai-default"
