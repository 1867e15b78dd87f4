"""The command line a new user meets: mistyped options, pre-flight checks, --version, -q/-v, help, progress."""
from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import pytest

from provmix.pipeline.cli import plain, split_verbosity
from provmix.pipeline.options import UsageError, parse_run_args
from tests.test_ops_run import provmix


def _one_error_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("typo, suggestion", [("--human-flor", "--human-floor"), ("--overwrit", "--overwrite"),
                                              ("--num-shard", "--num-shards"), ("--direct_num_worker",
                                                                               "--direct_num_workers")])
def test_a_mistyped_option_exits_2_with_did_you_mean(tmp_path: Path, typo: str, suggestion: str) -> None:
    done = provmix("run", "--input", "x", "--output", "out", typo, "1", cwd=tmp_path)
    assert done.returncode == 2
    assert _one_error_line(done) == f"provmix: error: unknown option {typo}; did you mean {suggestion}?"
    assert not (tmp_path / "out").exists()


def test_beam_options_pass_and_unknown_ones_do_not() -> None:
    args = parse_run_args(["--input", "x", "--runner", "FnApiRunner", "--direct_num_workers=2", "--allow-empty"])
    assert args.input == ["x"] and args.allow_empty is True
    with pytest.raises(UsageError, match="unknown option --frobnicate"):
        parse_run_args(["--frobnicate"])
    with pytest.raises(UsageError, match="unexpected argument 'b'"):
        parse_run_args(["--input", "a", "b"])


def test_verbosity_flags_are_taken_anywhere() -> None:
    assert split_verbosity(["-q", "run", "--input", "x"]) == (-1, ["run", "--input", "x"])
    assert split_verbosity(["run", "-v", "--input", "x"]) == (1, ["run", "--input", "x"])


@pytest.mark.parametrize("args, message", [
    (("--config", "gs://bucket/c.yaml"), "--config gs://bucket/c.yaml: no filesystem for gs:// is installed"),
    (("--input", "gs://bucket/*.warc.gz"), "--input gs://bucket/*.warc.gz: no filesystem for gs:// is installed"),
    (("--config", "missing.yaml"), "cannot read config missing.yaml"),
    (("--output", "a-file/out"), "cannot write to --output a-file/out"),
    (("--reference", "none-*.jsonl"), "no reference matched"),
])
def test_preflight_failures_are_one_line(tmp_path: Path, args: tuple, message: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "in.jsonl").write_text('{"text": "hello"}\n')
    base = {"--input": "in.jsonl", "--output": "out"}
    base.update(dict(zip(args[::2], args[1::2])))
    done = provmix("run", *[x for kv in base.items() for x in kv], cwd=tmp_path)
    assert done.returncode == 2
    assert message in _one_error_line(done)


def test_version_and_no_beam_noise(tmp_path: Path) -> None:
    done = provmix("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("provmix ") and done.stderr == ""
    assert "apitools" in provmix("-v", "run", "--input", "nothing*", "--output", "o", cwd=tmp_path).stderr


@pytest.mark.parametrize("command", [("--help",), ("run", "--help"), ("run", "--help-beam"), ("eval", "--help"),
                                     ("train", "--help"), ("eval", "ai", "--help"), ("train", "mt", "--help"),
                                     ("report", "--help"), ("finalize", "--help"), ("init", "--help")])
def test_help_for_every_command_is_plain_text(tmp_path: Path, command: tuple) -> None:
    done = provmix(*command, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "usage: provmix" in done.stdout and "``" not in done.stdout and ":class:" not in done.stdout
    assert done.stderr == ""


def test_every_run_option_has_help() -> None:
    import argparse

    from provmix.pipeline.options import ProvmixOptions

    parser = argparse.ArgumentParser()
    ProvmixOptions._add_argparse_args(parser)
    assert all(action.help for action in parser._actions)


def test_plain_strips_markup() -> None:
    assert plain("``provmix eval ai``: see :class:`~x.Y` and `z`") == "provmix eval ai: see x.Y and z"


def test_progress_logs_each_interval(tmp_path: Path, caplog) -> None:
    from provmix.pipeline.graph import Layout
    from provmix.pipeline.progress import Progress

    work = tmp_path / ".work"
    work.mkdir()
    (work / "a.done").write_text("a")
    (tmp_path / ".staging" / "mix" / "m").mkdir(parents=True)
    (tmp_path / ".staging" / "mix" / "m" / "part-00000-of-00001.parquet").write_bytes(b"x")
    log = logging.getLogger("provmix.test-progress")
    with caplog.at_level(logging.INFO, logger=log.name), Progress(log, 3, str(work), Layout(
            str(tmp_path / ".staging")), interval=0.05):
        time.sleep(0.3)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) >= 2
    assert lines[-1].endswith("scan 1/3 files, written 1 Parquet shards")


def test_progress_lines_count_each_stage_while_the_job_runs(tmp_path: Path, capsys, monkeypatch) -> None:
    from provmix.pipeline import counters, progress
    from tests.conftest import run_cli

    monkeypatch.setattr(progress, "INTERVAL_SECONDS", 0.2)
    monkeypatch.setattr(counters, "FLUSH_SECONDS", 0.0)
    rng = random.Random(3)
    words = "river stone bread market winter letter garden music window silver story paper light city".split()
    with open(tmp_path / "in.jsonl", "w") as f:
        for i in range(300):
            f.write('{"text": "%s %d."}\n' % (" ".join(rng.choice(words) for _ in range(60)), i))
    assert run_cli("run", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out"),
                   "--detectors", "", "--allow-empty", "--allow-shortfall") == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("provmix: running:")]
    assert lines, "no progress line"
    for stage in ("read", "extract", "language", "provisional_label", "dedup", "label"):
        assert any(f" {stage} 300" in line for line in lines), (stage, lines[-1])
    assert counters.PROGRESS_ENV not in __import__("os").environ  # the launcher cleans up after itself


def test_stage_counts_in_pipeline_order() -> None:
    from provmix.pipeline.progress import stage_counts

    totals = {"human_floor.default.kept": 7, "dedup.kept": 10, "dedup.near_duplicates": 2, "extract.out": 41,
              "extract.rejected.too_short": 9, "read.records": 50, "label.out": 10, "provisional_label.out": 41}
    assert stage_counts(totals) == ["read 50", "extract 41 (9 rejected)", "provisional_label 41",
                                    "dedup 10 (2 rejected)", "label 10", "mix default 7"]


def test_resuming_counts_finished_checkpoints(tmp_path: Path) -> None:
    from apache_beam.io.filesystems import FileSystems

    from provmix.pipeline.checkpoint import DONE_SUFFIX, config_digest, shard_key
    from provmix.pipeline.options import load_config
    from provmix.pipeline.runner import resumable

    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text('{"text": "x"}\n')
    files = [m for r in FileSystems.match([str(tmp_path / "*.jsonl")]) for m in r.metadata_list]
    config, work = load_config(None), tmp_path / ".work"
    assert resumable(files, config, str(work), "v") == 0
    work.mkdir()
    (work / (shard_key(files[0], config_digest(config, "v")) + DONE_SUFFIX)).write_text("")
    assert resumable(files, config, str(work), "v") == 1
    assert resumable(files, config, str(work), "another version") == 0
