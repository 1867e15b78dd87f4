"""The README's Python API example runs as written: provmix stages inside a user's own Beam pipeline."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests import fixtures

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    match = re.search(r"<!-- api-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert match, "README lost its api-example block"
    return match.group(1)


def test_readme_api_example_scores_every_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures.sample_jsonl(tmp_path / "docs.jsonl.gz")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(_example(), "README.md", "exec"), {})  # noqa: S102 - the README's own code
    lines = printed.getvalue().splitlines()
    assert lines, "the example printed nothing"
    for line in lines:
        doc_id, lang, scores = line.split(" ", 2)
        assert re.fullmatch(r"[0-9a-f]{32}", doc_id) and lang
        assert "ai-default" in scores and "mt-default" in scores
