"""The benchmark shard generator: determinism, planted duplicates, readable WARC/WET/JSONL, truthful truth file,
documents composed beyond the pool, and the formats asked.

The labelled input files are written into tmp_path with made-up sentences, so the test needs no shared data.
"""
from __future__ import annotations

import gzip
import html
import hashlib
import json
import random
import re
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from bench import corpus
from bench.edits import jaccard, near_duplicate, shingles, tokenize
from bench.generate import MIN_CHARS, Document, compose, generate, plan, split_units
from provmix.schemas.documents import ID, LABEL, RECORD_ID, TEXT, URL

_WORDS = "river stone quiet market window letter garden morning silver travel paper bridge winter".split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


_ONE_SENTENCE_A_LINE = {"human": "\n", "human_translation": "\n", "mt": "\n", "ai": "\n"}


def write_made_up_corpus(data: Path, separators: dict[str, str] = _ONE_SENTENCE_A_LINE,
                         generators: tuple[str, ...] = ("gpt",)) -> None:
    """The five labelled files of ../shared/data, with made-up sentences (60 rows per label and file kind), joined
    by the source label's separator; AI rows take turns at the generators."""
    rng = random.Random(7)
    files = {name: [] for name in corpus.WMT_FILES + corpus.AI_TEXT_FILES}
    for i in range(60):
        lang = ("en", "de", "cs")[i % 3]
        for label, name in (("human", corpus.WMT_FILES[0]), ("human_translation", corpus.WMT_FILES[1]),
                            ("mt", corpus.WMT_FILES[i % 2])):
            files[name].append({"text": separators[label].join(_sentence(rng, 12) for _ in range(6)), "label": label,
                                "source": name.split("/")[1][:5], "lang": lang, "group_id": f"g{i}"})
        files[corpus.AI_TEXT_FILES[i % 3]].append({"text": separators["ai"].join(_sentence(rng, 15) for _ in range(5)),
                                                   "label": "ai", "source": "made-up", "lang": "en",
                                                   "generator": generators[i % len(generators)], "group_id": f"a{i}"})
    files[corpus.WMT_FILES[0]].append({"text": "Too short.", "label": "human", "source": "wmt22", "lang": "en"})
    for name, rows in files.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(data / name, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    write_made_up_corpus(root)
    return root


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> Path:
    """Human texts one sentence a line, human translations one paragraph, AI blank-line paragraphs by two models."""
    root = tmp_path_factory.mktemp("layouts")
    write_made_up_corpus(root, {"human": "\n", "human_translation": " ", "mt": "\n", "ai": "\n\n"}, ("gpt", "llama"))
    return root


def _digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*.*"))}


def _truth(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "truth.jsonl").read_text().splitlines()]


def _jsonl(out: Path) -> dict[str, dict]:
    rows = {}
    for path in sorted((out / "jsonl").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows.update((row[ID], row) for row in map(json.loads, handle))
    return rows


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path, data):
    first = generate(tmp_path / "a", 60, seed=3, shard_docs=25, data=data)
    generate(tmp_path / "b", 60, seed=3, shard_docs=25, data=data)
    generate(tmp_path / "c", 60, seed=4, shard_docs=25, data=data)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")
    assert len(first["files"]) == 9  # 3 shards x (warc, wet, jsonl)


def test_planted_duplicates_are_where_the_truth_file_says(tmp_path, data):
    meta = generate(tmp_path, 100, seed=1, dup_rate=0.2, near_dup_rate=0.1, mix={"human": 0.6, "ai": 0.2, "mt": 0.2},
                    jaccard_range=(0.7, 0.9), data=data)
    truth, docs = _truth(tmp_path), _jsonl(tmp_path)
    assert meta["duplicates"] == {"exact": 20, "near": 10, "original": 70}
    originals = [row for row in truth if row["duplicate_of"] is None]
    assert sorted(row[LABEL] for row in originals) == ["ai"] * 14 + ["human"] * 42 + ["mt"] * 14
    assert len({docs[row[ID]][TEXT] for row in originals}) == len(originals)  # no unplanned exact copies
    _check_duplicates(truth, docs)


def _check_duplicates(truth: list[dict], docs: dict[str, dict]) -> None:
    """Every duplicate follows its original, shares its label, language and group, and is the copy it says."""
    position = {row[ID]: i for i, row in enumerate(truth)}
    for row in truth:
        if row["duplicate_of"] is None:
            continue
        original = truth[position[row["duplicate_of"]]]
        assert original["duplicate_of"] is None and position[original[ID]] < position[row[ID]]
        assert (row[LABEL], row["lang"], row["group_id"]) == (original[LABEL], original["lang"], original["group_id"])
        text, source = docs[row[ID]][TEXT], docs[original[ID]][TEXT]
        if row["duplicate_kind"] == "exact":
            assert text == source and row[URL] != original[URL]
        else:
            measured = jaccard(shingles(tokenize(source)), shingles(tokenize(text)))
            assert text != source and measured == pytest.approx(row["jaccard"], abs=1e-4)
            assert 0.5 < measured < 1.0


def test_warc_and_wet_records_match_the_truth_file(tmp_path, data):
    generate(tmp_path, 40, seed=2, data=data)
    truth = {row[RECORD_ID]: row for row in _truth(tmp_path)}
    docs = _jsonl(tmp_path)
    with open(tmp_path / "warc" / "part-00000.warc.gz", "rb") as stream:
        pages = {}
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True):
            pages[record.record_id] = (record.headers["WARC-Target-URI"], record.http_headers.status_code,
                                       record.reader.read().decode("utf-8"), record.stream_pos)
    assert set(pages) == set(truth)
    assert len({pos for *_, pos in pages.values()}) == len(pages)  # one gzip member per record
    for record_id, (url, status, page, _) in pages.items():
        row = truth[record_id]
        assert url == row[URL] and status == 200
        assert (f'<html lang="{row["html_lang"]}"' in page) == (row["html_lang"] is not None)
        assert ("hreflang=" in page) == bool(row["hreflang"])
        assert (row["mt_widget"] is None) == ("translate" not in page and "weglot" not in page)
        assert all(html.escape(line) in page for line in docs[row[ID]][TEXT].splitlines())
    with open(tmp_path / "wet" / "part-00000.warc.wet.gz", "rb") as stream:
        conversions = {record.headers["WARC-Refers-To"]: record.reader.read().decode("utf-8")
                       for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion)}
    assert conversions == {record_id: docs[row[ID]][TEXT] for record_id, row in truth.items()}


def _composed(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["corpus"].startswith("composed:")]


def test_documents_are_composed_only_beyond_the_pool(layouts):
    within, beyond = (plan(n, 0, 0.0, 0.0, {"mt": 1.0}, (0.7, 0.95), layouts) for n in (60, 61))  # 60 MT texts
    assert not [doc for doc in within if doc.corpus.startswith("composed:")]
    assert [doc.group_id for doc in beyond if doc.corpus.startswith("composed:")] == ["composed:mt:0"]
    assert {doc.text for doc in within} < {doc.text for doc in beyond}


def _sources(data: Path) -> dict[str, dict]:
    """Each made-up sentence and the labelled row it is in."""
    return {sentence: row for row in corpus.all_rows(data) for sentence in re.findall(r"[A-Z][a-z ]+\.", row["text"])}


def test_composed_documents_are_new_texts_of_several_sources_with_one_label_language_and_layout(tmp_path, layouts):
    # 480 unique: 240 human, 96 AI, 144 MT of pools of 120, 60, 60. Seed 4 plants no near duplicate equal to its
    # original: bench.edits may keep a single no-op edit (a word replaced by itself, likely with 13 made-up words)
    meta = generate(tmp_path, 600, seed=4, data=layouts)
    truth, docs, sources = _truth(tmp_path), _jsonl(tmp_path), _sources(layouts)
    originals = [row for row in truth if row["duplicate_of"] is None]
    composed = _composed(originals)
    assert meta["duplicates"] == {"exact": 60, "near": 60, "original": 480}
    assert sorted(row[LABEL] for row in composed) == ["ai"] * 36 + ["human"] * 120 + ["mt"] * 84
    assert len({docs[row[ID]][TEXT] for row in originals}) == 480  # new texts: no pool text and no repeat
    assert len({row["group_id"] for row in composed}) == len(composed)
    for row in composed:
        text = docs[row[ID]][TEXT]
        units = [sources[sentence] for sentence in re.findall(r"[A-Z][a-z ]+\.", text)]
        assert len(text) >= MIN_CHARS and len({unit["text"] for unit in units}) > 1
        assert {(unit["label"], unit["lang"]) for unit in units} == {(row["source_label"], row["lang"])}
        assert set(re.findall(r"\s+", text)) <= {space for unit in units for space in re.findall(r"\s+", unit["text"])}
        assert row["corpus"] == f"composed:{units[0]['source']}"
        generators = {unit.get("generator") for unit in units}
        assert row["generator"] == (generators.pop() if len(generators) == 1 else None)
    ai_generators = {row["generator"] for row in composed if row[LABEL] == "ai"}
    assert None in ai_generators and ai_generators - {None}  # units of both models, or of one
    copies = [row for row in truth if row["duplicate_of"] in {original[ID] for original in composed}]
    assert {row["duplicate_kind"] for row in copies} == {"exact", "near"}
    _check_duplicates(truth, docs)


def test_composition_gives_up_when_the_pool_has_no_more_new_texts():
    pool = [Document(f"{word} " * 50 + "end.", "ai", "ai", "made-up", None, "en", word) for word in ("one", "two")]
    texts = {doc.text for doc in pool}
    assert {doc.text for doc in compose("ai", pool, 2, texts, random.Random(0))} == {
        pool[0].text + " " + pool[1].text, pool[1].text + " " + pool[0].text}
    with pytest.raises(ValueError, match="only 0 of 1 new ai documents"):
        compose("ai", pool, 1, texts, random.Random(0))  # both orders are now known texts


def test_units_are_paragraphs_else_lines_else_sentences():
    assert split_units("One. Two.\n\nThree.\nFour.") == ("\n\n", ["One. Two.", "Three.\nFour."])
    assert split_units("One. Two.\n Three.") == ("\n", ["One. Two.", "Three."])
    assert split_units("One, 2.5 e.g. two? Three!") == (" ", ["One, 2.5 e.g.", "two?", "Three!"])
    assert split_units("我们会在您购买当日寄出。具体取决于收到付款的时间！好") == (
        "", ["我们会在您购买当日寄出。", "具体取决于收到付款的时间！", "好"])


def test_the_same_seed_composes_the_same_files_and_formats_pick_the_files(tmp_path, layouts):
    first = generate(tmp_path / "a", 600, seed=5, shard_docs=250, data=layouts, formats=["jsonl"])
    generate(tmp_path / "b", 600, seed=5, shard_docs=250, data=layouts, formats=["jsonl"])
    generate(tmp_path / "c", 600, seed=6, shard_docs=250, data=layouts, formats=["jsonl"])
    generate(tmp_path / "full", 600, seed=5, shard_docs=250, data=layouts)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b") != _digests(tmp_path / "c")
    shards = [f"jsonl/part-0000{i}.jsonl.gz" for i in range(3)]
    assert sorted(_digests(tmp_path / "a")) == ["generate.json", *shards, "truth.jsonl"]
    assert list(first["files"]) == shards and first["docs"] == 600
    truth, docs = _truth(tmp_path / "a"), _jsonl(tmp_path / "a")
    assert [row[ID] for row in truth] == list(docs)
    assert [row["shard"] for row in truth] == [0] * 250 + [1] * 250 + [2] * 100
    assert all(row["html_lang"] is row["mt_widget"] is None and row["hreflang"] == [] for row in truth)  # no pages
    assert _composed(truth)
    with_pages = _jsonl(tmp_path / "full")
    assert {key: row[TEXT] for key, row in docs.items()} == {key: row[TEXT] for key, row in with_pages.items()}


@pytest.mark.parametrize("target", [0.6, 0.75, 0.9])
def test_near_duplicate_reaches_the_target_similarity_on_a_long_text(target):
    rng = random.Random(0)
    text = " ".join(f"{rng.choice(_WORDS)}{i % 7}" for i in range(600))
    copy, measured = near_duplicate(text, target, rng)
    assert measured == pytest.approx(jaccard(shingles(tokenize(text)), shingles(tokenize(copy))))
    assert abs(measured - target) < 0.02


def test_spaceless_text_is_edited_by_character():
    rng = random.Random(1)
    text = "我们会在您购买当日或第二个工作日寄出商品具体取决于收到付款的时间" * 8
    copy, measured = near_duplicate(text, 0.8, rng)
    assert " " not in copy and abs(len(copy) - len(text)) < len(text) * 0.1
    assert 0.7 < measured < 0.9
