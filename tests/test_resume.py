"""A killed run resumes: the rerun scans only files without a finished checkpoint and writes the same outputs."""
from __future__ import annotations

from pathlib import Path

import pytest

from provmix.pipeline import checkpoint, runner
from tests.conftest import run_cli

FAST = ("--detectors", "", "--human-floor", "0")


def _tables(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def test_rerun_after_a_kill_scans_only_unfinished_files(inputs: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    args = ("run", "--input", str(inputs / "*"), "*FAST")
    reference = tmp_path / "reference"
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(reference), *FAST) == 0

    out = tmp_path / "out"

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt  # the process dies after the pipeline, before anything is committed

    with monkeypatch.context() as patch:
        patch.setattr(runner, "commit", killed)
        assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), *FAST) == 130
    markers = sorted((out / ".work").glob("*.done"))
    assert len(markers) == 3 and not (out / "manifest.json").exists()
    markers[0].unlink()  # one file's checkpoint was cut short by the kill
    capsys.readouterr()

    scanned = []
    original = checkpoint.ScanFile.scan
    monkeypatch.setattr(checkpoint.ScanFile, "scan", lambda self, metadata: (
        scanned.append(metadata.path), original(self, metadata))[1])
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), *FAST) == 0
    assert len(scanned) == 1
    assert "provmix: resuming: 2 of 3 files done" in capsys.readouterr().err
    assert _tables(out) == _tables(reference)
    assert not (out / ".work").exists()
    assert args  # the same command line both times


def test_checkpoints_can_be_switched_off(inputs: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(checkpoint.ScanFile, "scan", lambda *a: pytest.fail("scanned with --checkpoint=false"))
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), "--checkpoint=false", *FAST) == 0
    assert (out / "manifest.json").exists()
