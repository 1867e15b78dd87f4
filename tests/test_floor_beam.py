"""HumanFloor in Beam (FnApiRunner) agrees with the pure reference ``select_mix``; few pipelines, each costs seconds."""
from __future__ import annotations

import json
import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from provmix.pipeline.floor import HumanFloor, MixConfig, select_mix
from provmix.pipeline.label import Label, LabelConfig
from provmix.schemas import documents as d
from provmix.schemas.rejects import HUMAN_FLOOR, MIX, REASON, STAGE


def generated_docs(n: int, seed: int) -> list[dict]:
    rng, p_rng = random.Random(seed), random.Random(seed + 1)
    docs = []
    for i in range(n):
        source = rng.choice([d.SOURCE_CRAWL] * 4 + [d.SOURCE_REFERENCE, d.SOURCE_SYNTHETIC])
        label = {d.SOURCE_REFERENCE: d.HUMAN, d.SOURCE_SYNTHETIC: d.AI}.get(source) or rng.choice(
            [d.HUMAN, d.AI, d.MT, d.UNKNOWN]
        )
        docs.append(
            d.new_document(
                id=f"doc-{seed}-{i}",
                label=label,
                source=source,
                n_tokens=rng.randint(1, 2000),
                lang=rng.choice(["en", "de", "ja"]),
                first_seen=rng.choice(["2020-01-01", "2024-01-01"]),
                p_human=p_human(label, p_rng),
            )
        )
    return docs


def p_human(label: str, rng: random.Random) -> float | None:
    """A posterior that leans towards the label; unknown documents sometimes without any evidence."""
    if label == d.UNKNOWN and rng.random() < 0.3:
        return None
    centre = {d.HUMAN: 0.85, d.AI: 0.1, d.MT: 0.2, d.UNKNOWN: 0.5}[label]
    return min(1.0, max(0.0, rng.gauss(centre, 0.1)))


MIXES = [
    MixConfig(name="default", human_floor=0.6, caps={d.AI: 0.05, d.MT: 0.1}, synthetic_cap=0.02),
    MixConfig(name="strict", human_floor=0.9, scope="language", unit="documents", seed=7),
    MixConfig(name="fresh", human_floor=0.5, min_fresh_human_share=0.8, fresh_after="2023-01-01"),
    MixConfig(name="gate", human_floor=0.95, policy="fail"),
    MixConfig(name="expected", human_floor=0.7, unit="expected_tokens", scope="language", caps={d.AI: 0.05}),
]


def ids(docs: list[dict]) -> list[str]:
    return sorted(x[d.ID] for x in docs)


def test_beam_mixes_rejects_and_reports_match_the_pure_reference() -> None:
    docs = generated_docs(300, seed=1)
    expected = {mix.name: select_mix(docs, mix) for mix in MIXES}
    with beam.Pipeline(runner="FnApiRunner") as p:
        result = p | beam.Create(docs, reshuffle=True) | HumanFloor(MIXES)
        for name, kept in result.mixes.items():
            kept_ids = kept | f"Ids[{name}]" >> beam.Map(lambda x: x[d.ID])
            assert_that(kept_ids, equal_to(ids(expected[name].kept)), label=f"Kept[{name}]")
        dropped = [(x[d.ID], name, x[d.LABEL]) for name, local in expected.items() for x in local.dropped]
        assert {name for _, name, _ in dropped} == {"default", "strict", "fresh", "expected"}
        rows = result.rejects | "RejectRows" >> beam.Map(lambda r: (r[d.ID], r[MIX], r[d.LABEL]))
        assert_that(rows, equal_to(dropped), label="Rejects")
        reasons = result.rejects | "Reasons" >> beam.Map(lambda r: (r[STAGE], r[REASON]))
        assert_that(reasons | beam.Distinct(), equal_to([("human_floor", HUMAN_FLOOR)]), label="Reasons")
        reports = [r for local in expected.values() for r in local.reports]
        assert_that(result.reports, equal_to(reports), label="Reports")
    gate = expected["gate"].reports[0]
    assert (gate["status"], gate["policy"]) == ("shortfall", "fail")
    assert all(r["status"] == "ok" for r in expected["default"].reports)


def test_human_floor_needs_unique_mix_names() -> None:
    with pytest.raises(ValueError):
        HumanFloor([MixConfig(name="a"), MixConfig(name="a")])
    with pytest.raises(ValueError):
        MixConfig(caps={d.UNKNOWN: 0.1}, unknown_counts_as_human=True)


def scored_docs(n: int, seed: int) -> list[dict]:
    """Documents as the detect stage leaves them: detector scores (or abstentions) and crawl dates, no label."""
    rng = random.Random(seed)

    def probability() -> float | None:
        return rng.choice([None, rng.random(), rng.random() * 0.1])

    return [
        d.new_document(
            id=f"scored-{i}",
            text="words " * 5,
            source=d.SOURCE_CRAWL,
            lang=rng.choice(["en", "de"]),
            crawl_date=rng.choice(["2019-05-01T00:00:00Z", "2024-05-01T00:00:00Z"]),
            n_tokens=rng.randint(1, 3000),
            detector_scores=[{d.DETECTOR: f"{kind}-test", d.VERSION: "1", d.KIND: kind, d.SCORE: probability()}
                             for kind in (d.AI, d.MT)],
        )
        for i in range(n)
    ]


def test_label_then_floor_then_parquet_meets_the_floor_recounted_from_the_files(tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    mix = MixConfig(name="default", human_floor=0.6, scope="language", caps={d.AI: 0.05})
    reports_path = tmp_path / "reports"
    with beam.Pipeline(runner="FnApiRunner") as p:
        labelled = p | beam.Create(scored_docs(400, seed=3)) | Label(LabelConfig(), providers=())
        result = labelled.documents | HumanFloor([mix])
        _ = result.mixes["default"] | beam.io.WriteToParquet(str(tmp_path / "mix" / "part"), d.DOCUMENT_SCHEMA)
        _ = result.reports | beam.Map(json.dumps) | beam.io.WriteToText(str(reports_path))
    table = pq.read_table(tmp_path / "mix").to_pylist()
    lines = [line for path in tmp_path.glob("reports*") for line in path.read_text().splitlines()]
    reports = {report["key"]: report for report in map(json.loads, lines)}
    assert sorted(reports) == ["de", "en"]
    for lang, report in reports.items():
        rows = [row for row in table if row[d.LANG] == lang]
        human = sum(row[d.N_TOKENS] for row in rows if row[d.LABEL] == d.HUMAN)
        ai = sum(row[d.N_TOKENS] for row in rows if row[d.LABEL] == d.AI)
        total = sum(row[d.N_TOKENS] for row in rows)
        assert report["achieved_before"] < 0.6 and report["status"] == "ok"
        assert human / total >= 0.6 and ai / total <= 0.05
        assert report["achieved"] == human / total
