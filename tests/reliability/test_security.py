"""Safe loading, no shell-outs, bounded header reads, outputs confined to the output directory."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest

from provmix.pipeline.options import ConfigError, RunConfig, build_section
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.read.records import Failure
from provmix.pipeline.read.warc import iter_warc
from provmix.schemas import rejects as r
from tests.reliability.corpus import CASES, http_response, warc_record

REPO = Path(__file__).resolve().parents[2]
# Calls that run code from data or hand user strings to a shell. Spelled split so this file does not match itself.
FORBIDDEN = {
    "pickle": r"\bpickle\.loads?\(|\bcPickle\.|\bdill\.loads?\(|\bjoblib\.load\(|\bread_pickle\(|\bmarshal\.loads?\(",
    "torch." + "load": r"\btorch\.load\(",
    "numpy pickles": r"allow_pickle\s*=\s*True",
    "unsafe yaml": r"\byaml\.(unsafe_)?load\((?![^)]*SafeLoader)|\byaml\.full_load\("
                   r"|Loader\s*=\s*yaml\.(Unsafe)?Loader",
    "shell": r"shell\s*=\s*True|\bos\.system\(|\bos\.popen\(|\bcommands\.getoutput\(",
    "eval": r"(?<![.\w])(eval|exec)\(",
    "remote code": r"trust_remote_code\s*=\s*True",
}


def _code_files() -> list[Path]:
    """Every tracked Python file outside the tests (tests may pickle their own objects to check Beam can)."""
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / name for name in listed.stdout.split() if not name.startswith("tests/")]


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_unsafe_calls_in_code(what: str) -> None:
    files = _code_files()
    assert len(files) > 20  # the scan really ran over the source tree
    pattern = re.compile(FORBIDDEN[what])
    hits = [f"{path.relative_to(REPO)}:{n}: {line.strip()}" for path in files
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
            if pattern.search(line)]
    assert not hits, f"{what}:\n" + "\n".join(hits)


def test_yaml_python_tags_are_refused_with_one_line(tmp_path, capsys) -> None:
    from provmix.pipeline.cli import main

    marker = tmp_path / "executed"
    config = tmp_path / "evil.yaml"
    config.write_text(f"read: !!python/object/apply:os.system ['touch {marker}']\n")
    (tmp_path / "in.jsonl").write_text('{"text": "x"}\n')
    status = main(["run", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out"),
                   "--config", str(config)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and not marker.exists() and not (tmp_path / "out").exists()
    assert len(err.splitlines()) == 1 and "YAML" in err, err


def test_huge_content_length_is_refused_without_reading() -> None:
    block = http_response(b"<p>small</p>")
    record = warc_record(block, name="liar", content_length=10**15)
    (item,) = list(iter_warc(io.BytesIO(record), "mem.warc", ReadConfig()))
    assert isinstance(item, Failure) and item.reason == r.RECORD_TOO_LARGE


def test_outputs_stay_in_the_output_dir(fuzz_run, corpus_dir) -> None:
    out = fuzz_run.out.resolve()
    for paths in fuzz_run.manifest["outputs"].values():
        assert all(Path(p).resolve().is_relative_to(out) for p in paths)
    leftovers = [p for p in out.rglob("*") if p.is_symlink() or ".inprogress" in p.name or ".staging" in p.parts]
    assert not leftovers
    for case in CASES:  # inputs untouched
        assert (corpus_dir / case.name).read_bytes() == case.build(case.name), case.name


@pytest.mark.parametrize("name", ["../../escape", "/tmp/abs", "a/b"])
def test_mix_names_cannot_leave_the_output_dir(name: str) -> None:
    with pytest.raises(ConfigError):
        build_section(RunConfig, {"mixes": [{"name": "default"}, {"name": name}]}, "config")
