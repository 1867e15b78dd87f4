"""ai-lm's training sample and its feature cache.

The LM is the expensive part (about a document per CPU-second), so the sample is small and stratified: up to
``per_label`` scorable English rows per (source, label), human web text included as negatives. Features are
extracted once into a JSONL cache keyed by the text's digest; a second run (or an interrupted one) only computes
what is missing, so head experiments cost nothing.

Sources whose AI texts continue their human twin's opening (fast-detect-gpt; groups with ``shares_prefix``) score
every row of those groups after :data:`SKIP_TOKENS` context tokens, human and AI alike, so the shared opening
carries no signal and both labels see the same treatment.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from provmix.detectors.ai_text.default import scorable
from provmix.detectors.ai_text.lm import FEATURE_NAMES, LanguageModel
from provmix.detectors.normalize import normalize_text
from provmix.detectors.training.ai_text.fit import load_rows
from provmix.detectors.training.data import SHARED_DATA

SHARED_OPENING_SOURCES = frozenset({"fast-detect-gpt"})
SKIP_TOKENS = 32
HUMAN_WEB_FILES = ("gensim-testdata", "gum-docs", "ud-ewt")  # lingua-sentences: single sentences, too short


def default_files() -> list[Path]:
    """The English-bearing ai-text files and the human-web files of ``../shared/data`` (or ``$PROVMIX_DATA``)."""
    root = Path(os.environ.get("PROVMIX_DATA") or SHARED_DATA)
    files = sorted((root / "ai-text").glob("*.jsonl.gz"))
    return files + [root / "human-web" / f"{name}.jsonl.gz" for name in HUMAN_WEB_FILES
                    if (root / "human-web" / f"{name}.jsonl.gz").is_file()]


def shared_opening_groups(rows: Sequence[dict]) -> set[str]:
    return {r["group_id"] for r in rows if r.get("shares_prefix") or r["source"] in SHARED_OPENING_SOURCES}


def sample_rows(rows: Sequence[dict], per_label: int, seed: int, prefix_chars: int, min_chars: int,
                whole_domains: Sequence[str] = ()) -> list[dict]:
    """Up to ``per_label`` scorable rows per (source, label), and every scorable row of ``whole_domains``
    (seeded); each keeps its normalised ``text`` prefix and its ``skip_tokens``. Labels other than human / ai
    are dropped."""
    shared = shared_opening_groups(rows)
    rng = np.random.default_rng(seed)
    strata: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row["label"] in ("human", "ai"):
            domain = row.get("domain") if row.get("domain") in whole_domains else None
            strata.setdefault((row["source"], row["label"], domain or ""), []).append(row)
    sample = []
    for key in sorted(strata):
        candidates, taken = strata[key], 0
        for i in rng.permutation(len(candidates)):
            if taken == per_label and not key[2]:
                break
            row = candidates[i]
            text = normalize_text(row["text"][:prefix_chars])
            if scorable(text, row.get("lang"), min_chars):
                sample.append({**row, "text": text, "skip_tokens": SKIP_TOKENS if row["group_id"] in shared else 0})
                taken += 1
    order = rng.permutation(len(sample))  # interleave sources: a partial cache is still a usable sample
    return [sample[i] for i in order]


def text_key(row: dict, max_tokens: int) -> str:
    return hashlib.sha256(f"{max_tokens}:{row['skip_tokens']}:{row['text']}".encode()).hexdigest()[:24]


def cached_features(lm: LanguageModel, rows: Sequence[dict], cache: Path, chunk: int = 16,
                    compute: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(features, scored tokens) for ``rows``, computing only rows missing from ``cache`` (appended as it goes);
    with ``compute`` false, missing rows get NaN features and no tokens (the sample shrinks to the cache)."""
    known: dict[str, dict] = {}
    if cache.is_file():
        for line in cache.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            known[entry["key"]] = entry
    keys = [text_key(r, lm.max_tokens) for r in rows]
    missing = [i for i, k in enumerate(keys) if k not in known] if compute else []
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("a", encoding="utf-8") as f:
        for start in range(0, len(missing), chunk):
            batch = missing[start : start + chunk]
            values, counts = lm.features([rows[i]["text"] for i in batch], [rows[i]["skip_tokens"] for i in batch])
            for i, v, n in zip(batch, values, counts):
                known[keys[i]] = {"key": keys[i], "features": [None if np.isnan(x) else float(x) for x in v],
                                  "tokens": int(n)}
                f.write(json.dumps(known[keys[i]]) + "\n")
            f.flush()
    absent = {"features": [None] * len(FEATURE_NAMES), "tokens": 0}
    entries = [known.get(k, absent) for k in keys]
    features = np.array([[np.nan if x is None else x for x in e["features"]] for e in entries]).reshape(
        len(keys), len(FEATURE_NAMES))
    return features, np.array([e["tokens"] for e in entries], dtype=np.int64)


def load_sample(files: Sequence[Path], per_label: int, seed: int, prefix_chars: int, min_chars: int,
                whole_domains: Sequence[str] = ()) -> list[dict]:
    return sample_rows(load_rows(files), per_label, seed, prefix_chars, min_chars, whole_domains)
