"""Bad command lines end with one human line on stderr and a non-zero status, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err, "expected an error message"
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_no_input_matched(tmp_path: Path, capsys) -> None:
    assert run_cli("run", "--input", str(tmp_path / "nothing*.warc.gz"), "--output", str(tmp_path / "o")) == 2
    assert _error_line(capsys).startswith("provmix: error: no input matched")


@pytest.mark.parametrize(
    "config_text, message",
    [
        ("extract: {min_text_chars: 10, colour: blue}\n", "config.extract: unknown key(s) colour"),
        ("write: {num_shards: zero}\n", "config.write.num_shards: expected int"),
        ("write: {num_shards: 0}\n", "write.num_shards must be between"),
        ("read: [1, 2\n", "is not valid YAML"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "is not valid YAML"),
    ],
)
def test_bad_config(inputs: Path, tmp_path: Path, capsys, config_text: str, message: str) -> None:
    config = tmp_path / "provmix.yaml"
    config.write_text(config_text)
    rc = run_cli("run", "--input", str(inputs / "*"), "--output", str(tmp_path / "o"), "--config", str(config))
    assert rc == 2
    assert message in _error_line(capsys)


def test_unreadable_config(inputs: Path, tmp_path: Path, capsys) -> None:
    rc = run_cli("run", "--input", str(inputs / "*"), "--output", str(tmp_path / "o"), "--config",
                 str(tmp_path / "missing.yaml"))
    assert rc == 2 and "cannot read config" in _error_line(capsys)


def test_bad_option_value(inputs: Path, tmp_path: Path, capsys) -> None:
    rc = run_cli("run", "--input", str(inputs / "*"), "--output", str(tmp_path / "o"), "--num_shards", "-3")
    assert rc == 2 and "num_shards" in _error_line(capsys)


def test_finished_run_is_not_overwritten_without_flag(inputs: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    args = ("run", "--input", str(inputs / "*"), "--output", str(out), "--detectors", "", "--human-floor", "0")
    assert run_cli(*args) == 0
    capsys.readouterr()
    assert run_cli(*args) == 2
    assert "already holds a finished run" in _error_line(capsys)
    (out / "report.html").write_text("<p>the previous run</p>")
    assert run_cli(*args, "--overwrite") == 0
    assert not (out / "report.html").exists()  # it described the replaced run


def test_unknown_command(capsys) -> None:
    assert run_cli("frobnicate") == 2
    assert "unknown command" in _error_line(capsys)
