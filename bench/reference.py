"""datatrove doing provmix's comparable work on the same shard, one task: WARC read → Trafilatura → fastText
lid.176 language labels (no filtering, as provmix tags) → MinHash dedup (signatures, buckets, clusters, filter).

Runs inside the separate benchmark venv (``.venv-bench``, datatrove's fastText wheel would replace provmix's)::

    .venv-bench/bin/python -m bench.reference --shard S.warc.gz --docs N --work DIR --lid176 lid.176.ftz --out J

and writes wall/CPU seconds, peak RSS, documents in and out and datatrove's per-step seconds to ``J``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from bench.usage import Meter


def _pipelines(shard: Path, docs: int, work: Path, lid176: Path) -> list[tuple[list, int]]:
    """The five datatrove pipelines in order, each with its task count (buckets need one task per band)."""
    import datatrove.utils.lid as lid
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter

    lid.cached_asset_path_or_download = lambda *args, **kwargs: str(lid176)  # offline: the local model file
    config = MinhashConfig(n_grams=5, num_buckets=16, hashes_per_bucket=8)  # provmix's 16 bands x 8 rows
    extracted = str(work / "extracted")
    return [
        ([WarcReader(str(shard.parent), glob_pattern=shard.name, limit=docs), Trafilatura(favour_precision=True),
          LanguageFilter(label_only=True), JsonlWriter(extracted)], 1),
        ([JsonlReader(extracted), MinhashDedupSignature(str(work / "signatures"), config=config)], 1),
        ([MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=config)], config.num_buckets),
        ([MinhashDedupCluster(str(work / "buckets"), str(work / "remove_ids"), config=config)], 1),
        ([JsonlReader(extracted), MinhashDedupFilter(str(work / "remove_ids")), JsonlWriter(str(work / "output"))], 1),
    ]


def run(shard: Path, docs: int, work: Path, lid176: Path) -> dict:
    from datatrove.executor import LocalPipelineExecutor

    shutil.rmtree(work, ignore_errors=True)
    steps: dict[str, float] = {}
    docs_out = 0
    with Meter() as meter:
        for index, (pipeline, tasks) in enumerate(_pipelines(shard, docs, work, lid176)):
            executor = LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=str(work / f"logs{index}"))
            stats = executor.run()
            for step in stats.stats:
                steps[f"{index}: {step.name.encode('ascii', 'ignore').decode().strip(' -:')}"] = round(
                    step.time_stats.total, 3)
            docs_out = int(stats.stats[-1].stats["total"].total) if "total" in stats.stats[-1].stats else 0
    return {**meter.usage.as_dict(), "docs_out": docs_out, "steps": steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--shard", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=-1)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--lid176", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.shard.resolve(), args.docs, args.work, args.lid176)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
