"""`provmix train mt` / `provmix eval mt` on a small synthetic WMT-style set: reproducible, loadable, evaluable."""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from provmix.detectors.evaluation import machine_translation as evaluate
from provmix.detectors.machine_translation.default import load
from provmix.detectors.machine_translation.model import CONFIG
from tests.conftest import run_cli_process

ORIGINAL = "river stone lantern harbour whisper meadow crooked lively sparrow thunder quilt ember".split()
TRANSLATED = "the of that which is was to be has been very much said this".split()


def synthetic_rows(n_groups: int, seed: int) -> list[dict]:
    """Per group: one human original (own vocabulary), one human translation and three MT outputs (a flatter,
    function-word-heavy vocabulary, the MT ones more repetitive); all longer than the minimum length."""
    rng = random.Random(seed)

    def text(vocab: list[str], repeat: float) -> str:
        words: list[str] = []
        while len(" ".join(words)) < 400:
            words.append(words[-1] if words and rng.random() < repeat else rng.choice(vocab))
        return " ".join(words) + "."

    rows = []
    for g in range(n_groups):
        group = f"synthetic:{g}"
        rows.append({"text": text(ORIGINAL + TRANSLATED[:3], 0.0), "label": "human", "lang": "xx", "group_id": group, "generator": None})
        rows.append({"text": text(TRANSLATED + ORIGINAL[:6], 0.05), "label": "human_translation", "lang": "xx", "group_id": group, "generator": None})
        for system in ("sys-a", "sys-b", "sys-c"):
            rows.append({"text": text(TRANSLATED, 0.2), "label": "mt", "lang": "xx", "group_id": group, "generator": system})
    return rows


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mtdata") / "synthetic.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in synthetic_rows(100, seed=1):
            f.write(json.dumps(row) + "\n")
    return path


# sys-c is held out: a leave-systems-out run; no WMT21 calibration file for the synthetic language
TRAIN_ARGS = ["--seed", "3", "--exclude-systems", "sys-c", "--no-calibration-data"]


@pytest.fixture(scope="module")
def trained(data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model-a")
    assert run_cli_process("train", "mt", "--data", str(data_file), "--out", str(out), *TRAIN_ARGS) == 0
    return out


def test_training_is_reproducible(data_file: Path, trained: Path, tmp_path: Path) -> None:
    assert run_cli_process("train", "mt", "--data", str(data_file), "--out", str(tmp_path), *TRAIN_ARGS) == 0
    assert (tmp_path / "xx.ftz").read_bytes() == (trained / "xx.ftz").read_bytes()
    assert (tmp_path / CONFIG).read_text() == (trained / CONFIG).read_text()
    assert (tmp_path / "MODEL_CARD.md").read_text() == (trained / "MODEL_CARD.md").read_text()


def test_trained_directory_loads_and_separates(trained: Path) -> None:
    config = json.loads((trained / CONFIG).read_text())
    entry = config["languages"]["xx"]
    assert 0.0 <= entry["threshold"] <= 1.0 and entry["train_rows"] > entry["dev_rows"] > 0
    assert config["training"]["excluded_systems"] == ["sys-c"]
    assert entry["sha256"] in (trained / "MODEL_CARD.md").read_text()
    detector = load(str(trained))
    fresh = synthetic_rows(20, seed=99)
    humans = [r["text"] for r in fresh if r["label"] == "human"]
    mts = [r["text"] for r in fresh if r["label"] == "mt"]
    p_human = detector.score(humans, ["xx"] * len(humans)).probability
    p_mt = detector.score(mts, ["xx"] * len(mts)).probability
    assert p_human.max() < p_mt.min()


def test_evaluate_reports_tasks_systems_and_length_baseline(data_file: Path, trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert evaluate.main(["--data", str(data_file), "--detector", f"mt-default:{trained}", "--split", "test", "--seed", "3", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    lang = report["languages"]["xx"]
    for task in ("human_vs_mt", "human_translation_vs_mt"):
        assert {"auroc", "tpr_at_1pct_fpr", "accuracy_at_threshold", "length_only_auroc"} <= set(lang[task])
    assert lang["human_vs_mt"]["auroc"] > 0.9
    assert set(report["systems"]) == {"sys-a", "sys-b", "sys-c"}
    assert report["detector"]["kind"] == "mt" and report["detector"]["languages"] == ["xx"]


def test_system_filter_keeps_the_held_out_system(data_file: Path, trained: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    args = ["--data", str(data_file), "--detector", f"mt-default:{trained}", "--split", "test", "--seed", "3"]
    assert evaluate.main([*args, "--systems", "sys-c", "--out", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert set(report["systems"]) == {"sys-c"}
    assert report["languages"]["xx"]["human_vs_mt"]["auroc"] > 0.9


def test_whole_document_baseline_with_features_is_recorded_and_scores(data_file: Path, tmp_path: Path) -> None:
    """``--chunk-tokens 0 --features``: one line per document plus feature tokens; the detector reads it back."""
    args = ["--data", str(data_file), "--out", str(tmp_path), "--chunk-tokens", "0", "--features", "--no-calibration-data"]
    assert run_cli_process("train", "mt", *args) == 0
    config = json.loads((tmp_path / CONFIG).read_text())
    assert config["chunk_tokens"] == 0 and config["features"] is True
    detector = load(str(tmp_path))
    fresh = synthetic_rows(10, seed=7)
    humans = [r["text"] for r in fresh if r["label"] == "human"]
    mts = [r["text"] for r in fresh if r["label"] == "mt"]
    assert detector.score(humans, ["xx"] * len(humans)).probability.max() < detector.score(mts, ["xx"] * len(mts)).probability.min()


def test_evaluation_warns_when_rows_were_trained_on(data_file: Path, trained: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The training file overlaps the directory's seen-text hashes (train and dev rows), fresh rows do not."""
    out = tmp_path / "seen.json"
    assert evaluate.main(["--data", str(data_file), "--detector", f"mt-default:{trained}", "--out", str(out)]) == 0
    overlap = json.loads(out.read_text())["training_overlap"]
    assert overlap["rows"] > 0.5 * 500 and "warning:" in capsys.readouterr().err
    fresh = tmp_path / "fresh.jsonl.gz"
    with gzip.open(fresh, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(row) + "\n" for row in synthetic_rows(10, seed=123))
    assert evaluate.main(["--data", str(fresh), "--detector", f"mt-default:{trained}", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["training_overlap"]["rows"] == 0 and "warning:" not in capsys.readouterr().err


def test_evaluation_reports_false_positives_per_source(data_file: Path, trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert evaluate.main(["--data", str(data_file), "--detector", f"mt-default:{trained}", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    entry = report["originals"]["unknown/xx/human"]
    assert entry["n"] == entry["scored"] == 100 and entry["flagged_at_threshold"] <= 0.05
    assert report["languages"]["xx"]["tpr_at_threshold"] > 0.5
