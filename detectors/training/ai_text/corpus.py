"""The training corpus of the shipped model: which rows go in, in which role, with which weight.

Every English ``human`` / ``ai`` row of ``ai-text/`` and ``human-web/`` gets a role:

* ``train``: split by ``group_id`` into train / dev; inside train, a share of groups calibrates (see ``fit.py``);
* ``calibration``: whole sources or genres the model never fits on; they only calibrate and pick the threshold,
  so the threshold is set on text unlike the training set;
* ``evaluation``: whole sources or genres neither fitted nor calibrated on: the false-positive rate on them is
  the honest number for unseen web text.

Weighting is by deterministic subsampling (whole groups, by hash) to at most ``cap_rows`` rows per source, so
no big source dominates, and by repeating the few human web rows ``web_weight`` times in the fit.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

from provmix.detectors.training.ai_text.fit import load_rows
from provmix.detectors.training.data import group_fold

TRAIN, CALIBRATION, EVALUATION = "train", "calibration", "evaluation"
DEV_FRACTION = 0.2  # share of the train-role groups held out as dev by `provmix train ai` and the protocols
ROLES = (TRAIN, CALIBRATION, EVALUATION)
LABELS = ("human", "ai")
WEB_SOURCES = ("ud-ewt-sources", "gum-docs", "gensim-testdata", "lingua-sentences")
CALIBRATION_SOURCES = ("mixset",)  # many generators and web genres (blog, email, news): calibrates, never fitted
EVALUATION_SOURCES = ("gum-summaries",)  # unseen generators (Qwen2.5, Llama-3.2) on unseen documents
HELD_OUT_DOMAINS = {  # (source, domain) -> role: web genres the fit never sees
    ("ud-ewt-sources", "answers"): EVALUATION,
    ("gensim-testdata", "news_abc_lee2005"): EVALUATION,
}
HELD_OUT_GENRE_SOURCE = "gum-docs"  # its genres in sorted order rotate train / calibration / evaluation
_GENRE_ROLES = (TRAIN, CALIBRATION, EVALUATION)
SENTENCE_SOURCE = "lingua-sentences"  # shuffled single sentences, joined into short pseudo-documents
NOT_PROSE = {("l2r", "code")}  # source code: the pipeline keeps it away from the detector
_BUCKETS = 1000


@dataclass(frozen=True)
class CorpusConfig:
    """Weights and caps of the corpus; recorded in the model card."""

    lang: str = "en"
    cap_rows: int = 4000
    web_weight: int = 3
    sentences_per_document: int = 4
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def trainable(row: dict) -> bool:
    """Rows the fit must not learn from: mixed human/LLM texts, refusals, LLM preambles ("Here is a…", which no
    web text carries and a model would learn as a shortcut) and source code. They stay in evaluation."""
    flagged = row.get("mixed") or row.get("refusal") or row.get("llm_preamble")
    return not flagged and (row["source"], row.get("domain")) not in NOT_PROSE


def role(row: dict, genres: Sequence[str]) -> str:
    source = row["source"]
    if source in CALIBRATION_SOURCES:
        return CALIBRATION
    if source in EVALUATION_SOURCES:
        return EVALUATION
    if source == HELD_OUT_GENRE_SOURCE:
        return _GENRE_ROLES[genres.index(row["domain"]) % len(_GENRE_ROLES)]
    return HELD_OUT_DOMAINS.get((source, row.get("domain")), TRAIN)


def join_sentences(rows: Sequence[dict], per_document: int) -> list[dict]:
    """Consecutive sentences of one language joined into pseudo-documents (one group each): a lone sentence is
    shorter than the detector's minimum length and would only ever abstain."""
    out = []
    for start in range(0, len(rows) - per_document + 1, per_document):
        chunk = rows[start : start + per_document]
        out.append({**chunk[0], "text": " ".join(r["text"] for r in chunk),
                    "group_id": f"{chunk[0]['group_id']}+{per_document}", "unit": f"{per_document} sentences"})
    return out


def capped(rows: Sequence[dict], cap: int, seed: int) -> list[dict]:
    """At most ~``cap`` rows of one source: whole groups kept by hash, so the subsample is deterministic."""
    if len(rows) <= cap:
        return list(rows)
    cut = int(_BUCKETS * cap / len(rows))
    return [r for r in rows if group_fold(r["group_id"], _BUCKETS, seed + 7) < cut]


def build_corpus(rows: Iterable[dict], config: CorpusConfig = CorpusConfig()) -> list[dict]:
    """English human/ai rows with ``role`` and ``weight`` fields, capped per source, in a stable order."""
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("lang") == config.lang and row["label"] in LABELS:
            by_source.setdefault(row["source"], []).append(row)
    genres = sorted({r["domain"] for r in by_source.get(HELD_OUT_GENRE_SOURCE, ())})
    out = []
    for source in sorted(by_source):
        source_rows = by_source[source]
        if source == SENTENCE_SOURCE:
            source_rows = join_sentences(source_rows, config.sentences_per_document)
        weight = config.web_weight if source in WEB_SOURCES else 1
        for row in capped(source_rows, config.cap_rows, config.seed):
            out.append({**row, "role": role(row, genres), "weight": weight if trainable(row) else 0})
    return out


def load_corpus(paths: Sequence[str | Path], config: CorpusConfig = CorpusConfig()) -> list[dict]:
    return build_corpus(load_rows(paths), config)


def with_role(rows: Sequence[dict], wanted: str) -> list[dict]:
    return [r for r in rows if r.get("role", TRAIN) == wanted]
