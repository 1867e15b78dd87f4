"""docs/config.md and `provmix init` come from the config dataclasses and stay current."""
from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
import yaml

from provmix.pipeline.config_docs import MissingHelp, example, keys, reference, sections
from provmix.pipeline.options import RunConfig, load_config
from tests.test_ops_run import provmix

ROOT = Path(__file__).resolve().parents[1]


def test_docs_config_md_is_current() -> None:
    assert (ROOT / "docs" / "config.md").read_text() == reference(), (
        "regenerate: python -m provmix.pipeline.config_docs > docs/config.md")


def test_reference_lists_every_key_of_every_section() -> None:
    text = reference()
    for name, cls, _ in sections():
        assert f"## `{name}:`" in text
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in text, f"{name}.{f.name}"


def test_every_section_documents_every_key() -> None:
    @dataclasses.dataclass(frozen=True)
    class Undocumented:
        size: int = 3

    with pytest.raises(MissingHelp, match=r"Undocumented.size \(write.size\)"):
        list(keys("write", Undocumented))
    with pytest.raises(MissingHelp, match=r"Undocumented.size \(label.size\)"):
        list(keys("label", Undocumented))


def test_example_config_has_every_section_with_its_help() -> None:
    text = example()
    assert set(yaml.safe_load(text)) == {f.name for f in dataclasses.fields(RunConfig)}
    assert "  # reader: auto" in text and "\n  format: auto\n" in text


def test_init_writes_a_config_that_loads_to_the_defaults(tmp_path: Path) -> None:
    def init(*args: str) -> subprocess.CompletedProcess:
        return provmix("init", *args, cwd=tmp_path)

    assert init().returncode == 0
    assert load_config(str(tmp_path / "provmix.yaml")) == RunConfig()
    again = init()
    assert again.returncode == 2 and "exists; use --force" in again.stderr
    assert init("--force").returncode == 0


def test_shipped_example_configs_load() -> None:
    shipped = sorted((ROOT / "configs").glob("*.yaml"))
    assert shipped
    for path in shipped:
        load_config(str(path))
