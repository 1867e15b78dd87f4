"""`provmix train ai` reproducibility, `provmix eval ai` reports and the protocol runner, on synthetic data."""
from __future__ import annotations

import gzip
import json
import random

import pytest

from provmix.detectors.evaluation import ai_text as evaluate
from provmix.detectors.registry import load_detector
from tests.conftest import run_cli_process

HUMAN_WORDS = "i we you it was just really so but then my our got like kind of maybe pretty much".split()
AI_WORDS = "additionally furthermore ensuring various crucial overall the a of to and significant".split()
SHARED = "system people city river market school story water light music paper morning".split()


def synthetic_rows(n: int, seed: int = 0) -> list[dict]:
    """Two sources × two generators of texts whose word mix (not length) differs by label, some short/foreign."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = "ai" if i % 2 else "human"
        style = AI_WORDS if label == "ai" else HUMAN_WORDS
        words = [rng.choice(style if rng.random() < 0.4 else SHARED) for _ in range(rng.randint(50, 90))]
        rows.append({
            "text": " ".join(words).capitalize() + ".",
            "label": label,
            "source": f"source-{i % 4 // 2}",
            "generator": f"gen-{i % 4 // 2}" if label == "ai" else None,
            "domain": f"domain-{i % 4 // 2}",
            "lang": "de" if i % 37 == 0 else "en",
            "group_id": f"g{i // 2}",
        })
    rows.append({**rows[1], "text": "Too short to judge.", "group_id": "short"})
    return rows


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "synthetic.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in synthetic_rows(240):
            f.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="module")
def model_dir(data_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    assert run_cli_process("train", "ai", "--data", str(data_file), "--out", str(out), "--seed", "3") == 0
    return out


def test_training_twice_gives_identical_files(data_file, model_dir, tmp_path):
    again = tmp_path / "again"
    assert run_cli_process("train", "ai", "--data", str(data_file), "--out", str(again), "--seed", "3") == 0
    for name in ("model.json", "model.ftz", "MODEL_CARD.md", "SHA256SUMS"):
        assert (again / name).read_bytes() == (model_dir / name).read_bytes(), name


def test_training_needs_an_explicit_out_folder(data_file):
    assert run_cli_process("train", "ai", "--data", str(data_file)) == 2  # never overwrites the shipped model


def test_trained_folder_loads_as_a_detector(model_dir):
    detector = load_detector(f"ai-default:{model_dir}")
    card = (model_dir / "MODEL_CARD.md").read_text()
    assert detector.info.sha256 in card and detector.info.version in card
    human = " ".join(["i was just really so pretty much like my river"] * 8)
    ai = " ".join(["additionally ensuring various crucial overall significant system"] * 8)
    scores = detector.score([human, ai], ["en", "en"])
    assert scores.probability[1] > scores.probability[0]


def test_eval_reports_metrics_and_abstentions(data_file, model_dir, tmp_path, capsys):
    out = tmp_path / "report.json"
    assert evaluate.main(["--data", str(data_file), "--detector", f"ai-default:{model_dir}", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    seen = report["training_overlap"]  # the model was trained on ~64% of these rows (train split minus dev)
    assert 0.4 < seen["fraction"] < 0.9 and seen["of"] == 241
    assert capsys.readouterr().err.count("warning:") == 1
    assert set(report["human_fpr_by_source"]) == {"source-0", "source-1"}
    overall = report["overall"]
    assert overall["rows"] == 241 and overall["abstained"] >= 1 + 240 // 37  # the short row and every German one
    assert overall["n"] + overall["abstained"] == overall["rows"]
    assert overall["auroc"] > 0.9  # the synthetic word mixes are easy to tell apart
    assert set(report["by_generator"]) == {"gen-0", "gen-1"}
    assert report["by_generator"]["gen-0"]["negatives"] == "all_human"
    assert set(report["by_lang"]) == {"en", "de"} and report["by_lang"]["de"]["n"] == 0


def test_protocols_cover_generators_sources_and_the_length_baseline(data_file, tmp_path):
    out = tmp_path / "protocols.json"
    assert run_cli_process("eval", "ai", "--protocols", "--data", str(data_file), "--out", str(out)) == 0  # trains
    results = json.loads(out.read_text())["protocols"]
    protocols = {r["protocol"] for r in results}
    assert {"in_distribution", "leave_out_generator=gen-0", "leave_out_generator=gen-1",
            "leave_out_source=source-0", "leave_out_source=source-1"} <= protocols
    assert {r["variant"] for r in results} == {"stacked", "fasttext", "features", "length"}
    assert any(p.startswith("leave_out_generator (mean") for p in protocols)
