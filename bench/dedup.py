"""Dedup benchmark: accuracy on planted near-duplicates, signature speed vs datasketch and rensa, clustering scale.

    python -m bench.dedup                      # everything, default sizes
    python -m bench.dedup --skip-scale         # accuracy and speed only
    python -m bench.dedup --scale 10000 100000 # clustering sizes (each in a fresh process, for its peak RSS)

Accuracy: real human texts from ../shared/data (one per group_id), each with 0-3 planted near copies at a target
shingle Jaccard drawn from U(0.5, 1.0) (``bench.edits``); predicted pairs are the verified pairs of the dedup code
(``BucketPairs`` over the same band keys, then the same verification); truth is the exact Jaccard of the word
5-gram sets of the normalised texts. Pairs across families are scored by their exact Jaccard too. Tables go to
stdout, JSON to bench/results/.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Callable

import numpy as np

from bench.corpus import AI_TEXT_FILES, WMT_FILES, available, read_rows
from bench.edits import jaccard, near_duplicate, shingles, tokenize
from provmix.pipeline.dedup import DedupConfig
from provmix.pipeline.dedup.bands import band_keys
from provmix.pipeline.dedup.config import VERIFY_SIGNATURE
from provmix.pipeline.dedup.lsh import BucketPairs
from provmix.pipeline.dedup.minhash import Permutations, agreement
from provmix.pipeline.dedup.text import dedup_text
from provmix.pipeline.dedup.sketch import sketch_texts
from provmix.pipeline.dedup.verify import set_jaccard, shingle_set
from provmix.schemas.documents import HUMAN

RESULTS = Path(__file__).resolve().parent / "results"
SKETCH_BATCH = 256
JACCARD_BINS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001)


# --- accuracy ----------------------------------------------------------------------------------------------------
def human_texts(count: int, min_words: int, seed: int) -> list[str]:
    """English human texts of at least ``min_words`` words, one per group_id, in a seeded random order."""
    seen, texts = set(), []
    for name in AI_TEXT_FILES + WMT_FILES:
        for row in read_rows(name):
            group = (name, row.get("group_id"))
            if row["label"] == HUMAN and row.get("lang") == "en" and group not in seen:
                if len(row["text"].split()) >= min_words:
                    seen.add(group)
                    texts.append(row["text"])
    random.Random(seed).shuffle(texts)
    return texts[:count]


def planted_corpus(texts: list[str], seed: int) -> tuple[list[str], list[int]]:
    """Each text plus 0-3 near copies at target Jaccard U(0.5, 1.0); returns the documents and their family."""
    rng = random.Random(seed)
    docs, family = [], []
    for index, text in enumerate(texts):
        docs.append(text)
        family.append(index)
        for _ in range(rng.randrange(4)):
            docs.append(near_duplicate(text, rng.uniform(0.5, 1.0), rng)[0])
            family.append(index)
    return docs, family


def _truth_shingles(text: str) -> set:
    return shingles(tokenize(dedup_text(text)))


def _verified(pairs: set[tuple[int, int]], signatures: np.ndarray, sets: list[bytes],
              config: DedupConfig) -> set[tuple[int, int]]:
    """The candidates the pipeline keeps: signature agreement (signature mode) or set Jaccard >= threshold."""
    if config.verify == VERIFY_SIGNATURE:
        return {(a, b) for a, b in pairs if agreement(signatures[a], signatures[b]) >= config.threshold}
    return {(a, b) for a, b in pairs if set_jaccard(sets[a], sets[b]) >= config.threshold}


def predicted_pairs(signatures: np.ndarray, sets: list[bytes], config: DedupConfig) -> set[tuple[int, int]]:
    """The verified pairs of the dedup code path: band buckets → ``BucketPairs`` → verification."""
    buckets: dict[int, list] = defaultdict(list)
    for index, sig in enumerate(signatures):
        for key in band_keys(sig.tobytes(), config.bands, config.rows):
            buckets[key].append(f"{index:09d}")
    pairing = BucketPairs(config.max_bucket_size)
    candidates = {
        (int(left), int(right)) for key, ids in buckets.items() for left, right in pairing.pairs(ids)
    }
    return _verified(candidates, signatures, sets, config)


def datasketch_pairs(signatures: np.ndarray, sets: list[bytes], config: DedupConfig) -> set[tuple[int, int]]:
    """The same signatures through datasketch's MinHashLSH (its buckets), then the same verification."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, params=(config.bands, config.rows))
    minhashes = [MinHash(config.num_perm, seed=config.seed, hashvalues=sig, scheme="affine32") for sig in signatures]
    for index, minhash in enumerate(minhashes):
        lsh.insert(index, minhash)
    candidates = {
        (min(index, other), max(index, other))
        for index, minhash in enumerate(minhashes)
        for other in lsh.query(minhash)
        if other != index
    }
    return _verified(candidates, signatures, sets, config)


def accuracy(docs: list[str], family: list[int], config: DedupConfig) -> dict:
    permutations = Permutations.create(config.num_perm, config.seed)
    shingles, signatures = sketch_texts([dedup_text(doc) for doc in docs], ["en"] * len(docs), config, permutations)
    sets = [shingle_set(values) for values in shingles]
    truth_sets = [_truth_shingles(doc) for doc in docs]
    members = defaultdict(list)
    for index, name in enumerate(family):
        members[name].append(index)
    similarity = {pair: jaccard(truth_sets[pair[0]], truth_sets[pair[1]]) for group in members.values()
                  for pair in combinations(group, 2)}
    ours = predicted_pairs(signatures, sets, config)
    for pair in ours - similarity.keys():  # pairs across families: score them by their exact Jaccard as well
        similarity[pair] = jaccard(truth_sets[pair[0]], truth_sets[pair[1]])
    positives = {pair for pair, value in similarity.items() if value >= config.threshold}
    hits = len(ours & positives)
    reference = datasketch_pairs(signatures, sets, config)
    return {
        "verify": config.verify,
        "bands_x_rows": f"{config.bands}x{config.rows}",
        "num_perm": config.num_perm,
        "documents": len(docs),
        "pairs_scored": len(similarity),
        "true_pairs": len(positives),
        "predicted_pairs": len(ours),
        "cross_family_predicted": sum(family[a] != family[b] for a, b in ours),
        "precision": hits / len(ours) if ours else 1.0,
        "recall": hits / len(positives) if positives else 1.0,
        "datasketch_pairs": len(reference),
        "datasketch_agreement": len(ours & reference) / len(ours | reference) if ours | reference else 1.0,
        "mean_abs_estimate_error": float(np.mean([
            abs(agreement(signatures[a], signatures[b]) - value) for (a, b), value in similarity.items()
        ])),
        "detection_by_jaccard": _detection_by_bin(similarity, ours),
    }


def _detection_by_bin(similarity: dict, predicted: set) -> list[dict]:
    rows = []
    for low, high in zip(JACCARD_BINS, JACCARD_BINS[1:]):
        pairs = [pair for pair, value in similarity.items() if low <= value < high]
        found = sum(pair in predicted for pair in pairs)
        rows.append({"jaccard": f"[{low:.2f}, {min(high, 1.0):.2f}{']' if high > 1 else ')'}", "pairs": len(pairs),
                     "detected": found / len(pairs) if pairs else None})
    return rows


# --- signature speed ---------------------------------------------------------------------------------------------
def speed_texts(texts: list[str], count: int, words: int = 500) -> list[str]:
    """``count`` normalised documents of exactly ``words`` words, cut from the concatenated real texts."""
    stream = dedup_text(" ".join(texts)).split()
    repeats = (count * words) // len(stream) + 1
    stream = (stream * repeats)[: count * words]
    return [" ".join(stream[start : start + words]) for start in range(0, len(stream), words)]


def _word_shingles(text: str, n: int = 5) -> list[str]:
    words = text.split()
    return [" ".join(words[index : index + n]) for index in range(len(words) - n + 1)]


def _signers(num_perm: int) -> dict[str, Callable[[list[str]], None]]:
    config = DedupConfig(num_perm=num_perm, bands=1, rows=1)
    permutations = Permutations.create(num_perm, config.seed)

    def provmix(docs: list[str]) -> None:  # in batches, as the Sketch step gets them from BatchElements
        for start in range(0, len(docs), SKETCH_BATCH):
            batch = docs[start : start + SKETCH_BATCH]
            sketch_texts(batch, ["en"] * len(batch), config, permutations)

    def provmix_with_normalisation(docs: list[str]) -> None:
        provmix([dedup_text(doc) for doc in docs])

    def datasketch_bulk(docs: list[str]) -> None:
        from datasketch import MinHash

        MinHash.bulk([[shingle.encode() for shingle in _word_shingles(doc)] for doc in docs], num_perm=num_perm)

    signers = {"provmix": provmix, "provmix (+normalise)": provmix_with_normalisation,
               "datasketch MinHash.bulk": datasketch_bulk}
    try:
        import rensa
    except ImportError:
        return signers

    def rensa_signer(kind: type) -> Callable[[list[str]], None]:
        def sign(docs: list[str]) -> None:
            for doc in docs:
                minhash = kind(num_perm=num_perm, seed=config.seed)
                minhash.update(_word_shingles(doc))
                minhash.digest()
        return sign

    signers["rensa RMinHash"] = rensa_signer(rensa.RMinHash)
    signers["rensa CMinHash"] = rensa_signer(rensa.CMinHash)
    return signers


def speed(docs: list[str], num_perm: int, repeats: int) -> dict[str, float]:
    """Docs per CPU-second of each signer (best of ``repeats``, the same documents, one process)."""
    rates = {}
    for name, sign in _signers(num_perm).items():
        best = float("inf")
        for _ in range(repeats):
            start = time.process_time()
            sign(docs)
            best = min(best, time.process_time() - start)
        rates[name] = len(docs) / best
    return rates


# --- clustering scale --------------------------------------------------------------------------------------------
def _synthetic_chunk(chunk: int, chunk_size: int, num_perm: int, seed: int):
    """Signatures where ~30% of documents sit in clusters of 2-5 (members agree on >= 90% of slots)."""
    rng = np.random.default_rng([seed, chunk])
    index = chunk * chunk_size
    while index < (chunk + 1) * chunk_size:
        base = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32)
        size = int(rng.integers(2, 6)) if rng.random() < 0.12 else 1
        for _ in range(min(size, (chunk + 1) * chunk_size - index)):
            sig = base.copy()
            changed = rng.choice(num_perm, int(rng.integers(0, num_perm // 10)), replace=False)
            sig[changed] = rng.integers(0, 2**32, changed.size, dtype=np.uint64).astype(np.uint32)
            yield f"{index:09d}", sig.tobytes()
            index += 1


def scale_one(count: int, seed: int = 0) -> dict:
    """LSH + verification + connected components on ``count`` synthetic signatures with FnApiRunner (one process)."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter

    from provmix.pipeline.dedup.components import ConnectedComponents
    from provmix.pipeline.dedup.lsh import NearDuplicateEdges

    config = DedupConfig(verify=VERIFY_SIGNATURE)  # synthetic signatures have no shingle sets
    chunk_size = 5000
    start = time.perf_counter()
    pipeline = beam.Pipeline(runner="FnApiRunner")
    roots = (
        pipeline
        | beam.Create(range((count + chunk_size - 1) // chunk_size))
        | beam.FlatMap(_synthetic_chunk, chunk_size, config.num_perm, seed)
        | beam.Filter(lambda member: int(member[0]) < count)
        | NearDuplicateEdges(config)
        | ConnectedComponents(config.max_rounds, config.partitions)
    )
    _ = roots | beam.combiners.Count.Globally() | "Nodes" >> beam.Map(lambda n: None)
    result = pipeline.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - start
    counters = {c.key.metric.name: c.committed for c in result.metrics().query(MetricsFilter())["counters"]
                if c.key.metric.name in ("verified_pairs", "candidate_pairs", "oversized_buckets")}
    rounds = [d.committed.max for d in result.metrics().query(MetricsFilter())["distributions"]
              if d.key.metric.name == "cc_rounds" and d.committed.count]
    return {"documents": count, "seconds": seconds, "us_per_doc": 1e6 * seconds / count,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "cc_rounds_used": max(rounds, default=0), **counters}


def stage(docs: list[str]) -> dict:
    """The whole Deduplicate stage (default config, exact verification) on the planted corpus, FnApiRunner."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter

    from provmix.pipeline.dedup import Deduplicate
    from provmix.schemas.documents import ID, TEXT, new_document

    rows = [new_document(**{ID: f"doc{index:07d}", TEXT: text}) for index, text in enumerate(docs)]
    start = time.perf_counter()
    pipeline = beam.Pipeline(runner="FnApiRunner")
    result = pipeline | beam.Create(rows, reshuffle=False) | Deduplicate(DedupConfig())
    _ = result.documents | "CountKept" >> beam.combiners.Count.Globally()
    run = pipeline.run()
    run.wait_until_finish()
    seconds = time.perf_counter() - start
    counters = {c.key.metric.name: c.committed for c in run.metrics().query(MetricsFilter().with_namespace("dedup"))
                ["counters"] if c.key.metric.name in ("exact_duplicates", "near_duplicates", "clusters")}
    return {"documents": len(rows), "seconds": seconds, "docs_per_second": len(rows) / seconds, **counters}


def scale(counts: list[int]) -> list[dict]:
    rows = []
    for count in counts:
        output = subprocess.run([sys.executable, "-m", "bench.dedup", "--scale-one", str(count)],
                                check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(_table([rows[-1]]), flush=True)
    return rows


# --- reporting ---------------------------------------------------------------------------------------------------
def _table(rows: list[dict]) -> str:
    columns = list(rows[0])
    cells = [[f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1000, help="real texts to plant near copies of")
    parser.add_argument("--min-words", type=int, default=100)
    parser.add_argument("--speed-docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one, args.seed)))
        return 0
    if not available():
        print("../shared/data is missing: nothing to benchmark", file=sys.stderr)
        return 1
    results: dict = {}
    texts = human_texts(args.families, args.min_words, args.seed)
    docs, family = planted_corpus(texts, args.seed)
    configs = (
        DedupConfig(),  # exact verification, recall-tuned banding
        DedupConfig(verify=VERIFY_SIGNATURE),
        DedupConfig(verify=VERIFY_SIGNATURE, bands=9, rows=13),  # datasketch's equal-weight optimum
        DedupConfig.tuned(0.8, num_perm=256, verify=VERIFY_SIGNATURE),
    )
    results["accuracy"] = [accuracy(docs, family, config) for config in configs]
    for result in results["accuracy"]:
        print(_table([{k: v for k, v in result.items() if not isinstance(v, (dict, list))}]))
        print(_table(result["detection_by_jaccard"]), "\n", flush=True)
    results["stage"] = stage(docs)
    print(_table([results["stage"]]), "\n", flush=True)
    rates = speed(speed_texts(texts, args.speed_docs), 128, args.repeats)
    results["speed_docs_per_cpu_second"] = rates
    print(_table([{"signer": name, "docs/s": rate, "provmix speedup": rates["provmix"] / rate}
                  for name, rate in rates.items()]), "\n", flush=True)
    if not args.skip_scale:
        results["scale"] = scale(args.scale)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "dedup.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
