"""Portability: the same `provmix run` gives the same outputs on every runner that works on this machine.

FnApiRunner (the default) is the baseline; multi_processing, PortableRunner with Beam's in-process job service
(``--job_endpoint embed``) and LOOPBACK workers, and PortableRunner with an EXTERNAL SDK worker pool started by
this module must produce the same mix rows, rejects, manifest counts and Parquet bytes. Dataflow and Flink run
the same portable job graph (see docs/deploy.md); the worker pool here is the one the Flink compose file starts.
"""
from __future__ import annotations

import json
import os
import random
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq
import pytest

from provmix.schemas import documents as d
from provmix.schemas import rejects as r
from tests import fixtures
from tests.conftest import load_manifest, run_cli

# Detector scoring is covered by the detector tests; here every stage but the models runs.
FAST = ("--detectors", "")
POOL_START_SECONDS = 30
POOL_LIFETIME_SECONDS = 300  # the pool stops itself even if teardown never runs
TABLES = ("mix", "rejected", "labels")
RUN_INDEPENDENT = ("counts", "by_stage", "by_reason", "by_label", "by_language", "mixes", "verified",
                   "config_sha256", "stages_run", "models")

# Beam's worker_pool_main binds every interface; this serves the same pool on 127.0.0.1 only, on a free port
# it prints, and starts each SDK worker as a `python` subprocess (so the venv's bin must come first on PATH).
_LOOPBACK_POOL = f"""
from concurrent import futures
import grpc
from apache_beam.portability.api import beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer

server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
port = server.add_insecure_port("127.0.0.1:0")
beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(
    BeamFnExternalWorkerPoolServicer(use_process=True), server)
server.start()
print(port, flush=True)
server.wait_for_termination({POOL_LIFETIME_SECONDS})
"""


WORDS = (
    "river market school garden winter letter bridge window village council music harbour teacher evening "
    "station library museum forest summer kitchen doctor festival mountain painter island lantern orchard "
    "railway bakery meadow chapel tower carpenter weaver fisherman valley cottage ferry lighthouse quarry "
    "records bicycle theatre mayor newspaper shepherd blacksmith granary canal vineyard stable workshop"
).split()


def _text(seed: int, words: int = 90) -> str:
    """A distinct English-looking paragraph: shared vocabulary, no shared 5-word shingles in practice."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + "." for _ in range(words // 9)]
    return " ".join(sentences)


def _write_crawl(path: Path) -> None:
    """6 distinct HTML pages, an exact copy of one of them, a 404, a PNG and a request record."""
    uuid = "00000000-0000-4000-8000-{:012d}"
    pages = [(f"http://example.com/{i}", fixtures.html_page(f"Page {i}", _text(i))) for i in range(6)]
    pages.append(("http://mirror.example.org/0", pages[0][1]))
    response = "application/http; msgtype=response"
    records = [fixtures.warc_record("response", uri, fixtures.http_response(page.encode()), uuid.format(i), response)
               for i, (uri, page) in enumerate(pages)]
    records.append(fixtures.warc_record("response", "http://example.com/gone", fixtures.http_response(
        b"<html>gone</html>", status="404 Not Found"), uuid.format(20), response))
    records.append(fixtures.warc_record("response", "http://example.com/logo.png", fixtures.http_response(
        b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"), uuid.format(21), response))
    records.append(fixtures.warc_record("request", "http://example.com/0", b"GET /0 HTTP/1.1\r\n\r\n",
                                        uuid.format(22), "application/http; msgtype=request"))
    fixtures.write_warc(path, records)


def _write_reference(path: Path) -> None:
    """4 curated human rows (source 'reference') and one broken line."""
    rows = [json.dumps({"id": f"ref{i}", "url": f"http://reference.example.net/{i}", "text": _text(100 + i)})
            for i in range(4)]
    path.write_text("\n".join([*rows, "{not json"]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``provmix run`` flags naming a crawl WARC and a human reference JSONL written for this module."""
    folder = tmp_path_factory.mktemp("in")
    _write_crawl(folder / "crawl.warc.gz")
    _write_reference(folder / "reference.jsonl")
    return ["--input", str(folder / "*.warc.gz"), "--reference", str(folder / "*.jsonl")]


@pytest.fixture(scope="module")
def worker_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:PORT`` of an SDK worker pool in its own process group, stopped (group and all) afterwards."""
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    log = tmp_path_factory.mktemp("pool") / "stderr.log"
    with log.open("w") as stderr:
        pool = subprocess.Popen([sys.executable, "-c", _LOOPBACK_POOL], stdout=subprocess.PIPE, stderr=stderr,
                                env=env, text=True, start_new_session=True)
    try:
        yield f"127.0.0.1:{_read_port(pool, log)}"
    finally:
        os.killpg(pool.pid, signal.SIGTERM)
        try:
            pool.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pool.pid, signal.SIGKILL)
            pool.wait()
        pool.stdout.close()


def _read_port(pool: subprocess.Popen, log: Path) -> int:
    with selectors.DefaultSelector() as selector:
        selector.register(pool.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=POOL_START_SECONDS)
    line = pool.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        raise RuntimeError(f"the SDK worker pool is not listening after {POOL_START_SECONDS}s (exit status "
                           f"{pool.poll()}):\n{log.read_text()[-2000:]}")
    return int(line)


def _outcome(inputs: list[str], out: Path, *runner_options: str) -> dict:
    """Everything about a run that must not depend on the runner."""
    assert run_cli("run", *inputs, "--output", str(out), *FAST, *runner_options) == 0
    manifest = load_manifest(out)
    mix = pq.read_table(out / "mix").to_pylist()
    rejected = pq.read_table(out / "rejected").to_pylist()
    return {
        "manifest": {key: manifest[key] for key in RUN_INDEPENDENT},
        "mix": sorted((row[d.ID], row[d.LABEL], row[d.LANG], Path(row[d.SOURCE_FILE]).name) for row in mix),
        "rejected": sorted((row[d.ID], row[r.OUTCOME], row[r.STAGE], row[r.REASON]) for row in rejected),
        "files": {table: {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / table).rglob("*.parquet"))}
                  for table in TABLES},
    }


@pytest.fixture(scope="module")
def baseline(inputs: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _outcome(inputs, tmp_path_factory.mktemp("fnapi") / "out")


def test_baseline_exercises_every_reader_and_outcome(baseline: dict) -> None:
    """The comparison below means something only if the fixture reaches every stage and every outcome."""
    counts = baseline["manifest"]["counts"]
    assert counts["kept"] > 0 and counts["rejected"] > 0 and counts["failed"] > 0
    assert counts["read"] == counts["kept"] + counts["rejected"] + counts["failed"] == len(baseline["mix"]) + len(
        baseline["rejected"])
    kept_from = {source_file for *_, source_file in baseline["mix"]}
    assert kept_from == {"crawl.warc.gz", "reference.jsonl"}
    stages = set(baseline["manifest"]["by_stage"])
    assert {"read", "extract", "dedup", "human_floor"} <= stages


def _assert_same(outcome: dict, baseline: dict) -> None:
    """Part by part, so that a failure shows the differing rows rather than two dicts of Parquet bytes."""
    for part in ("manifest", "mix", "rejected"):
        assert outcome[part] == baseline[part], part
    for table in TABLES:
        assert sorted(outcome["files"][table]) == sorted(baseline["files"][table]), table
        for name, data in baseline["files"][table].items():
            assert outcome["files"][table][name] == data, f"{table}/{name} differs"


RUNNERS = {
    "multi_processing": ("--direct_num_workers", "2", "--direct_running_mode", "multi_processing"),
    "portable_loopback": ("--runner", "PortableRunner", "--job_endpoint", "embed", "--environment_type", "LOOPBACK"),
}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_runner_gives_the_baseline_outputs(runner: str, inputs: list[str], baseline: dict, tmp_path: Path) -> None:
    _assert_same(_outcome(inputs, tmp_path / "out", *RUNNERS[runner]), baseline)


def test_external_worker_pool_gives_the_baseline_outputs(inputs: list[str], baseline: dict, worker_pool: str,
                                                         tmp_path: Path) -> None:
    external = ("--runner", "PortableRunner", "--job_endpoint", "embed", "--environment_type", "EXTERNAL",
                "--environment_config", worker_pool)
    _assert_same(_outcome(inputs, tmp_path / "out", *external), baseline)
