"""The per-machine cache of derived model files: built once, complete or absent, never half-written."""
from __future__ import annotations

from pathlib import Path

import pytest

from provmix.detectors.cache import cached_folder


def test_a_folder_is_built_once_and_then_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVMIX_CACHE", str(tmp_path / "cache"))
    builds = []

    def build(staging: Path) -> None:
        builds.append(staging)
        (staging / "part").write_text("derived")

    folder = cached_folder("model-0123", build)
    assert folder == tmp_path / "cache" / "model-0123" and (folder / "part").read_text() == "derived"
    assert cached_folder("model-0123", build) == folder and len(builds) == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["model-0123"]  # no staging folder left


def test_a_failed_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVMIX_CACHE", str(tmp_path))

    def build(staging: Path) -> None:
        (staging / "part").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cached_folder("model-0123", build)
    assert list(tmp_path.iterdir()) == []
