"""`provmix report`: a self-contained HTML page from a real run, and each section from a generated run directory."""
from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from provmix.pipeline.report import load_manifest as read_run_manifest
from provmix.pipeline.report import render
from provmix.pipeline.report.metrics import stage_throughput, timing_seconds
from provmix.pipeline.report.scan import SCORE_BINS, ClusterSizes, MixTally, ScoreHistograms
from provmix.pipeline.report.sections import floor_reports
from provmix.pipeline.runner import RunError
from provmix.pipeline.write import write_rows
from provmix.schemas import documents as d
from provmix.schemas.documents import DOCUMENT_SCHEMA, LABELS_SCHEMA, new_document
from provmix.schemas.version import SCHEMA_VERSION
from tests.conftest import load_manifest, run_cli

SECTION_TITLES = ("Run overview", "Label shares", "Human share vs floor target", "Detector scores by label",
                  "Duplicate clusters", "Rejects by stage and reason", "Throughput per stage",
                  "Configuration, models and inputs")
EXTERNAL_RESOURCE = re.compile(r"""<(?:script|link|img|iframe|object|embed|source)\b[^>]*\b(?:src|href)\s*=\s*["']?"""
                               r"""(?:https?:)?//""", re.IGNORECASE)
PNG_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _assert_self_contained(page: str) -> None:
    assert not EXTERNAL_RESOURCE.search(page)
    assert "<script" not in page.lower()
    assert "url(" not in page  # no CSS fetches either


def _embedded_pngs(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in PNG_URI.findall(page)]


def _card(value: int, name: str) -> str:
    return f"<b>{value:,}</b><span>{name}</span>"


TWO_MIXES = """
mixes:
  - {name: open, human_floor: 0.0}
  - {name: strict, human_floor: 0.6, scope: language, policy: warn}
"""


def test_report_of_a_real_run(inputs: Path, tmp_path: Path) -> None:
    out, config = tmp_path / "out", tmp_path / "mixes.yaml"
    config.write_text(TWO_MIXES)
    assert run_cli("run", "--input", str(inputs / "*"), "--output", str(out), "--config", str(config),
                   "--detectors", "", "--allow-shortfall") == 0
    assert run_cli("report", str(out)) == 0

    page = (out / "report.html").read_text(encoding="utf-8")
    manifest = load_manifest(out)
    _assert_self_contained(page)
    for name in ("read", "kept", "rejected", "failed"):
        assert _card(manifest["counts"][name], name) in page
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in page
    pngs = _embedded_pngs(page)
    assert len(pngs) >= 3 and all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    assert manifest["config_sha256"] in page
    for stage, reasons in manifest["by_stage"].items():
        for reason, n in reasons.items():
            assert f"<td>{stage}</td><td>{reason}</td><td class=\"n\">{n:,}</td>" in page
    assert manifest["by_language"]
    for language in manifest["by_language"]:
        assert f"<td>{language}</td>" in page
    assert "open · global" in page and "strict · language = en" in page  # the floor's reports, both mixes


def test_report_option_writes_elsewhere(tmp_path: Path) -> None:
    run = _generated_run(tmp_path / "run")
    target = tmp_path / "elsewhere.html"
    assert run_cli("report", str(run), "--output", str(target)) == 0
    assert target.exists() and not (run / "report.html").exists()


def test_directory_without_manifest_is_one_clear_error(tmp_path: Path, capsys) -> None:
    assert run_cli("report", str(tmp_path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"provmix: error: {tmp_path} holds no manifest.json: not a finished provmix run"]
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(RunError, match="not a provmix manifest"):
        read_run_manifest(str(tmp_path))


def test_manifest_with_only_the_counts_renders(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({
        "counts": {"read": 0, "kept": 0, "rejected": 0, "failed": 0}, "by_stage": {}, "by_label": {}, "mixes": {}}))
    page = render(str(tmp_path))
    assert "No record was rejected." in page and "The runner reported no metrics" in page


# --- a generated run directory: known documents, labels, scores and clusters --------------------------------

def _doc(i: int, label: str, lang: str, tokens: int, **columns: object) -> dict:
    return new_document(**{d.ID: f"doc-{i}", d.URL: f"http://example.com/{i}", d.LABEL: label, d.LANG: lang,
                           d.N_TOKENS: tokens, **columns})


DOCS = [  # every document in the mix keeps its cluster
    _doc(0, d.HUMAN, "en", 300, p_ai=0.02, p_mt=0.01, cluster_id="c0", cluster_size=3, keeper_id="doc-0"),
    _doc(1, d.HUMAN, "en", 100, p_ai=0.07, p_mt=0.04, cluster_id="c1", cluster_size=1, keeper_id="doc-1"),
    _doc(2, d.HUMAN, "de", 200, p_ai=0.12, p_mt=None, cluster_id="c2", cluster_size=1, keeper_id="doc-2"),
    _doc(3, d.AI, "en", 100, p_ai=0.97, p_mt=0.02, cluster_id="c3", cluster_size=2, keeper_id="doc-3"),
    _doc(4, d.MT, "de", 100, p_ai=0.30, p_mt=0.91, cluster_id="c4", cluster_size=1, keeper_id="doc-4"),
]
LOSERS = [  # duplicates of doc-0 and doc-3: labelled, not in the mix
    _doc(5, d.HUMAN, "en", 300, p_ai=0.03, p_mt=0.01, cluster_id="c0", cluster_size=3, keeper_id="doc-0"),
    _doc(6, d.HUMAN, "en", 300, p_ai=0.02, p_mt=0.02, cluster_id="c0", cluster_size=3, keeper_id="doc-0"),
    _doc(7, d.AI, "en", 100, p_ai=0.99, p_mt=0.01, cluster_id="c3", cluster_size=2, keeper_id="doc-3"),
]
FLOOR_REPORT = {"mix": "default", "scope": "language", "key": "de", "unit": "tokens", "policy": "downsample",
                "target": 0.6, "achieved_before": 0.5, "achieved": 0.6667, "status": "ok", "shortfall": [],
                "downsampled": {"human": {"tokens": 0, "docs": 0}, "mt": {"tokens": 100, "docs": 1}}}
SHORT_REPORT = {**FLOOR_REPORT, "key": "en", "target": 0.9, "achieved": 0.8, "status": "shortfall",
                "shortfall": [{"constraint": "human_floor", "target": 0.9, "achieved": 0.8}]}


def _manifest(**extra: object) -> dict:
    return {
        "schema_version": SCHEMA_VERSION, "provmix_version": "0.1.0", "versions": {"python": "3.11"},
        "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:10Z", "wall_seconds": 10.0,
        "runner": "FnApiRunner", "config": {"write": {"num_shards": 1}}, "config_sha256": "ab" * 32,
        "stages_run": ["read", "extract", "dedup"],
        "inputs": [{"path": "/in/<script>alert(1)</script>.jsonl", "bytes": 10, "format": "jsonl", "records": 10}],
        "models": [{"name": "ai-default", "version": "1", "kind": "ai", "sha256": "cd" * 32, "path": None}],
        "counts": {"read": 10, "kept": 5, "rejected": 4, "failed": 1, "skipped_records": {}},
        "by_stage": {"read": {"malformed_record": 1}, "dedup": {"exact_duplicate": 3}, "extract": {"too_short": 1}},
        "by_reason": {"exact_duplicate": 3, "malformed_record": 1, "too_short": 1},
        "by_label": {"ai": 1, "human": 3, "mt": 1}, "by_language": {"de": 2, "en": 3},
        "mixes": {"default": {"documents": 5, "tokens": 800, "by_label": {"ai": 1, "human": 3, "mt": 1},
                              "tokens_by_label": {"ai": 100, "human": 600, "mt": 100}, "floor_rejected": 0}},
        "metrics": {"extract": {"in": 9, "out": 8, "rejected.too_short": 1, "micros": 2_000_000},
                    "dedup": {"in": 8, "out": 5, "clusters": 5}, "read": {"records": 10, "failed": 1}},
        "outputs": {}, "verified": True,
        **extra,
    }


def _generated_run(root: Path, **manifest: object) -> Path:
    (root / "mix" / "default").mkdir(parents=True)
    (root / "labels").mkdir()
    write_rows(str(root / "mix" / "default" / "part-00000-of-00001.parquet"), DOCS, DOCUMENT_SCHEMA, "zstd")
    write_rows(str(root / "labels" / "part-00000-of-00001.parquet"), DOCS + LOSERS, LABELS_SCHEMA, "zstd")
    (root / "manifest.json").write_text(json.dumps(_manifest(**manifest)))
    return root


def test_floor_reports_are_tabled_against_their_targets(tmp_path: Path) -> None:
    page = render(str(_generated_run(tmp_path, floor=[FLOOR_REPORT, SHORT_REPORT], dedup={"clusters": 5})))
    assert "default · language = de" in page and "default · language = en" in page
    assert "<td>60.0%</td><td>50.0%</td><td>66.7%</td><td class=\"n\">1</td>" in page
    assert '<span class="bad">shortfall</span>' in page and "<td>human_floor</td>" in page
    assert "recomputed" not in page


def test_run_without_floor_and_dedup_sections(tmp_path: Path) -> None:
    root = _generated_run(tmp_path)
    write_rows(str(root / "labels" / "part-00000-of-00001.parquet"),
               [{**doc, d.CLUSTER_ID: None, d.CLUSTER_SIZE: None, d.KEEPER_ID: None} for doc in DOCS],
               LABELS_SCHEMA, "zstd")
    page = render(str(root))
    _assert_self_contained(page)
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in page
    assert "no floor reports" in page
    # recomputed from the mix: 3 of 5 documents and 600 of 800 tokens are human
    assert "<td>default</td><td class=\"n\">5</td><td class=\"n\">800</td><td>60.0%</td><td>75.0%</td>" in page
    assert "deduplication did not run" in page


def test_scores_clusters_and_throughput_are_shown(tmp_path: Path) -> None:
    page = render(str(_generated_run(tmp_path, dedup={"exact_clusters": 2})))
    assert len(_embedded_pngs(page)) == 6  # languages, floor, scores, clusters, rejects, throughput
    assert "Calibrated detector probabilities of every document in labels/" in page
    # doc-2 has no p_mt
    assert '<tr><td>human</td><td class="n">5</td><td class="n">0</td><td class="n">4</td><td class="n">1</td></tr>' \
        in page
    # clusters counted once each: c1, c2, c4 single; c3 of 2; c0 of 3
    assert ('<tr><td>1</td><td class="n">3</td><td class="n">3</td></tr>'
            '<tr><td>2</td><td class="n">1</td><td class="n">2</td></tr>'
            '<tr><td>3–4</td><td class="n">1</td><td class="n">3</td></tr>') in page
    assert "exact_clusters" in page
    assert f"<tr><td>sha256</td><td>{'cd' * 32}</td></tr>" in page  # the model's checksum
    assert "<td>extract</td><td class=\"n\">9</td><td class=\"n\">8</td><td class=\"n\">1</td>" \
           "<td class=\"n\">2</td><td class=\"n\">4.5</td>" in page


def test_text_from_the_run_is_escaped(tmp_path: Path) -> None:
    root = _generated_run(tmp_path, models=[{"name": "<b>x</b>", "version": "1", "kind": "ai"}])
    page = render(str(root))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page and "<tr><td>name</td><td>&lt;b&gt;x&lt;/b&gt;</td></tr>" in page


# --- the pieces --------------------------------------------------------------------------------------------

def _batch(rows: list[dict], schema: pa.Schema = LABELS_SCHEMA) -> pa.RecordBatch:
    return pa.Table.from_pylist(rows, schema=schema).to_batches()[0]


@pytest.mark.parametrize("rows", [DOCS, DOCS + LOSERS, LOSERS + DOCS[::-1]])
def test_cluster_sizes_count_each_cluster_once(rows: list[dict]) -> None:
    clusters = ClusterSizes()
    for start in range(0, len(rows), 3):  # members of one cluster split across batches
        clusters.add(_batch(rows[start:start + 3]))
    assert clusters.clusters_by_size() == {1: 3, 2: 1, 3: 1}


def test_cluster_sizes_binned_by_powers_of_two() -> None:
    clusters = ClusterSizes(Counter({1: 10, 2: 4, 3: 2, 4: 1, 5: 1, 8: 2, 9: 1, 1000: 1}))
    assert clusters.binned() == [("1", 10, 10), ("2", 4, 8), ("3–4", 3, 10), ("5–8", 3, 21), ("9–16", 1, 9),
                                 ("513–1024", 1, 1000)]


def test_score_histograms_bin_per_label_and_count_missing_scores() -> None:
    scores = ScoreHistograms()
    scores.add(_batch(DOCS + LOSERS))
    human_ai = scores.counts[d.HUMAN][d.P_AI]
    assert human_ai[:3].tolist() == [3, 1, 1] and human_ai.sum() == 5  # 0.02 0.03 0.02 | 0.07 | 0.12
    assert scores.counts[d.AI][d.P_AI][-1] == 2 and scores.counts[d.MT][d.P_MT][np.digitize(0.91, SCORE_BINS) - 1] == 1
    assert scores.missing[(d.HUMAN, d.P_MT)] == 1 and scores.missing[(d.AI, d.P_AI)] == 0


def test_mix_tally_shares_by_documents_and_tokens() -> None:
    tally = MixTally()
    tally.add(_batch(DOCS, DOCUMENT_SCHEMA))
    assert tally.human_share() == (3 / 5, 600 / 800)
    assert tally.by_language() == {"en": (3, 500), "de": (2, 300)}


@pytest.mark.parametrize("manifest", [{}, {"floor": None}, {"floor": []}])
def test_runs_without_floor_reports(manifest: dict) -> None:
    assert floor_reports(manifest) == []


def test_stage_throughput_reads_timing_counters() -> None:
    assert timing_seconds("micros", 1_500_000) == 1.5 and timing_seconds("clusters", 3) is None
    rows = stage_throughput({"z": {"in": 1}, "extract": {"in": 10, "out": 8, "rejected.a": 1, "rejected.b": 1,
                                                         "micros": 4_000_000}}, ["read", "extract"])
    assert [r.stage for r in rows] == ["extract", "z"]
    assert (rows[0].rejected, rows[0].seconds, rows[0].docs_per_second) == (2, 4, 2.5)
    assert rows[1].docs_per_second is None
