"""The Parquet shard writer: spilled per bundle, text read back from stored files, same bytes either way."""
from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest

from provmix.pipeline.packing import pack
from provmix.pipeline.stored import ReadBackText
from provmix.pipeline.write import WriteConfig, WriteParquetShards, make_dirs, to_table
from provmix.schemas import documents as d

CONFIG = WriteConfig(num_shards=3)


def _docs(n: int) -> list[dict]:
    return [{d.ID: f"doc-{i:04d}", d.TEXT: f"text of document {i} " * (i % 7 + 1), d.URL: f"https://x.test/{i}",
             d.LANG: "en", d.N_TOKENS: i, d.LABEL: d.HUMAN, d.CRAWL_DATE: "2021-03-04T05:06:07Z"} for i in range(n)]


def _store(docs: list[dict], path: Path, rows_per_group: int) -> list[dict]:
    """``docs`` stored whole in ``path`` (several row groups); returns them as the global stages carry them."""
    with pq.ParquetWriter(str(path), d.DOCUMENT_SCHEMA) as out:
        for start in range(0, len(docs), rows_per_group):
            out.write_table(to_table(docs[start:start + rows_per_group], d.DOCUMENT_SCHEMA))
    return [{**{k: v for k, v in doc.items() if k != d.TEXT}, d.STORED_IN: str(path), d.STORED_ROW: row}
            for row, doc in enumerate(docs)]


def _write(rows: list[dict], out: Path, stored: bool) -> list:
    with beam.Pipeline(runner="FnApiRunner") as p:
        _ = p | beam.Create(rows, reshuffle=False) | WriteParquetShards(
            str(out), d.DOCUMENT_SCHEMA, CONFIG, str(out.parent / f"{out.name}-scratch"), stored)
    return sorted(out.iterdir())


def test_text_read_back_from_stored_files_gives_the_same_bytes(tmp_path: Path) -> None:
    docs = _docs(300)
    stored = _store(docs[:200], tmp_path / "a.parquet", 64) + _store(docs[200:], tmp_path / "b.parquet", 1000)
    direct = _write(list(reversed(docs)), tmp_path / "direct", stored=False)
    read_back = _write(stored, tmp_path / "read-back", stored=True)
    assert [p.name for p in direct] == [p.name for p in read_back] == [
        f"part-{s:05d}-of-00003.parquet" for s in range(3)]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(direct, read_back))
    table = pq.read_table(tmp_path / "read-back")
    assert sorted(zip(table.column(d.ID).to_pylist(), table.column(d.TEXT).to_pylist())) == [
        (doc[d.ID], doc[d.TEXT]) for doc in docs]
    for shard in read_back:  # each shard in id order
        ids = pq.read_table(shard).column(d.ID).to_pylist()
        assert ids == sorted(ids)
    spills = [path for path in (tmp_path / "read-back-scratch").rglob("*") if path.is_file()]
    assert not spills, "spill files are removed once written"


def test_only_the_asked_rows_are_read_back(tmp_path: Path) -> None:
    docs = _docs(50)
    stored = _store(docs, tmp_path / "a.parquet", 8)
    picked = [stored[3], stored[17], stored[18], stored[49]]
    rows = list(ReadBackText().process((str(tmp_path / "a.parquet"), [pack(row) for row in reversed(picked)])))
    assert [row[d.TEXT] for row in rows] == [docs[i][d.TEXT] for i in (3, 17, 18, 49)]
    assert all(d.STORED_IN in row for row in rows)


def test_a_row_beyond_the_stored_file_is_an_error(tmp_path: Path) -> None:
    stored = _store(_docs(5), tmp_path / "a.parquet", 2)
    with pytest.raises(ValueError, match="holds 5 rows; row 7 was asked"):
        list(ReadBackText().process((str(tmp_path / "a.parquet"), [pack({**stored[0], d.STORED_ROW: 7})])))


def test_a_merged_shard_equals_one_sorted_write_and_flushes_row_groups_as_they_fill(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    from provmix.pipeline import write

    docs = _docs(500)
    sources = [to_table(sorted(docs[start::3], key=write.sort_key), d.DOCUMENT_SCHEMA).to_batches(max_chunksize=40)
               for start in range(3)]
    merged = write.write_merged(str(tmp_path / "merged.parquet"), sources, d.DOCUMENT_SCHEMA, "zstd")
    assert merged == write.write_rows(str(tmp_path / "rows.parquet"), docs[::-1], d.DOCUMENT_SCHEMA, "zstd")
    assert (tmp_path / "merged.parquet").read_bytes() == (tmp_path / "rows.parquet").read_bytes()

    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 128)
    write.write_rows(str(tmp_path / "small-groups.parquet"), docs, d.DOCUMENT_SCHEMA, "zstd")
    parquet = pq.ParquetFile(tmp_path / "small-groups.parquet")
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [128, 128, 128, 116]
    assert parquet.read().to_pylist() == pq.read_table(tmp_path / "rows.parquet").to_pylist()


def test_large_inputs_get_more_shards() -> None:
    config = WriteConfig(num_shards=4, input_mb_per_shard=100)
    assert config.for_input(50 * 2**20).num_shards == 4  # small: num_shards
    assert config.for_input(1000 * 2**20 + 1).num_shards == 11  # one more shard per 100 MB started
    assert WriteConfig(num_shards=4, input_mb_per_shard=0).for_input(10**15).num_shards == 4
    assert WriteConfig(input_mb_per_shard=1).for_input(10**15).num_shards == 100_000  # capped


@pytest.mark.parametrize("field, value, message", [("compression", "lz4", "write.compression"),
                                                   ("num_shards", 0, "write.num_shards"),
                                                   ("input_mb_per_shard", -1, "write.input_mb_per_shard")])
def test_an_invalid_write_config_is_refused_when_loaded(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WriteConfig(**{field: value})


def test_a_directory_another_worker_created_meanwhile_is_not_an_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from apache_beam.io.filesystems import FileSystems

    target = tmp_path / "work"
    target.mkdir()
    real_exists = FileSystems.exists
    checks: list[str] = []

    def exists_once_too_late(path: str) -> bool:
        """The first check sees no directory: another worker creates it before this one's mkdirs."""
        checks.append(path)
        return len(checks) > 1 and real_exists(path)

    monkeypatch.setattr(FileSystems, "exists", staticmethod(exists_once_too_late))
    make_dirs(str(target))
    assert target.is_dir()


def test_a_directory_that_cannot_be_created_is_still_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IOError):
        make_dirs(str(blocker / "work"))
