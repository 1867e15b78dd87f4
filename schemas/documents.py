"""Document and provenance-label columns: the single source of every column name.

A document travels between pipeline stages as a plain ``dict`` keyed by these names and is written with
:data:`DOCUMENT_SCHEMA`. Stages read and write columns only through the constants below.
"""
from __future__ import annotations

import pyarrow as pa

from provmix.schemas.version import SCHEMA_VERSION

# --- source evidence -------------------------------------------------------------------------------
ID = "id"  # stable document id, see pipeline.ids
TEXT = "text"
URL = "url"
LANG = "lang"
LANG_SCORE = "lang_score"
SOURCE_FILE = "source_file"
SOURCE_OFFSET = "source_offset"  # byte offset of the record (compressed stream for gzip), or line/row number
RECORD_ID = "record_id"  # WARC-Record-ID, JSONL/Parquet id field, or None
CRAWL_DATE = "crawl_date"  # WARC-Date (ISO-8601 UTC string)
HTTP_DATE = "http_date"  # HTTP Date header (ISO-8601 UTC string)
LAST_MODIFIED = "last_modified"  # HTTP Last-Modified header (ISO-8601 UTC string)
CONTENT_TYPE = "content_type"
CHARSET = "charset"
CRAWL_ID = "crawl_id"  # CC-MAIN-YYYY-WW when the path shows one
SOURCE = "source"  # crawl | reference | synthetic
DOMAIN = "domain"  # host of the URL, or a domain field of the input
N_TOKENS = "n_tokens"
HTML_SIGNALS = "html_signals"

# --- transient, never written: a raw record's payload between the reader and extraction -------------------
RAW_CONTENT = "raw_content"  # bytes of the HTTP body / WARC block
RAW_KIND = "raw_kind"  # html | text | None (unsupported): what extraction must do with RAW_CONTENT
HTTP_STATUS = "http_status"  # status code of an HTTP response record
TRANSIENT_COLUMNS = (RAW_CONTENT, RAW_KIND, HTTP_STATUS)

# --- transient, never written: what the global stages carry instead of the text (late materialisation) ----------
EXACT_KEY = "_exact_key"  # dedup's key of the normalised text, set where the text is sketched
STORED_IN = "_stored_in"  # the Parquet file holding the document's whole row (text included), or absent
STORED_ROW = "_stored_row"  # the row's index in that file

# --- provenance label ------------------------------------------------------------------------------
LABEL = "label"
LABEL_CONFIDENCE = "label_confidence"
P_AI = "p_ai"
P_MT = "p_mt"
P_HUMAN = "p_human"  # posterior that the document is human (product over kinds of 1 - P(kind)); null: no evidence
DETECTOR_SCORES = "detector_scores"
EVIDENCE = "evidence"
CLUSTER_ID = "cluster_id"
CLUSTER_SIZE = "cluster_size"
KEEPER_ID = "keeper_id"
FIRST_SEEN = "first_seen"

# --- nested field names ----------------------------------------------------------------------------
DETECTOR = "detector"
VERSION = "version"
SCORE = "score"
KIND = "kind"
THRESHOLD = "threshold"
HUMAN_THRESHOLD = "human_threshold"
NAME = "name"
VALUE = "value"
WEIGHT = "weight"
HTML_LANG = "html_lang"
CONTENT_LANGUAGE = "content_language"
HREFLANG = "hreflang"
HREF = "href"
META_GENERATOR = "meta_generator"
MT_MARKERS = "mt_markers"

# --- label values ----------------------------------------------------------------------------------
HUMAN = "human"
AI = "ai"
MT = "mt"
UNKNOWN = "unknown"
LABELS = (HUMAN, AI, MT, UNKNOWN)

SOURCE_CRAWL = "crawl"
SOURCE_REFERENCE = "reference"
SOURCE_SYNTHETIC = "synthetic"

DETECTOR_SCORE_TYPE = pa.struct(
    [
        pa.field(DETECTOR, pa.string()),
        pa.field(VERSION, pa.string()),
        pa.field(KIND, pa.string()),  # ai | mt | watermark
        pa.field(SCORE, pa.float64()),  # calibrated probability; null when the detector abstained
        pa.field(THRESHOLD, pa.float64()),  # the score at the detector's target FPR for this document; null: none
        pa.field(HUMAN_THRESHOLD, pa.float64()),  # at or below it the detector clears the document; null: none
    ]
)
EVIDENCE_TYPE = pa.struct(
    [pa.field(NAME, pa.string()), pa.field(VALUE, pa.string()), pa.field(WEIGHT, pa.float64())]
)
HTML_SIGNALS_TYPE = pa.struct(
    [
        pa.field(HTML_LANG, pa.string()),  # <html lang=…>
        pa.field(CONTENT_LANGUAGE, pa.string()),  # <meta http-equiv=content-language> / HTTP header
        pa.field(HREFLANG, pa.list_(pa.struct([pa.field(LANG, pa.string()), pa.field(HREF, pa.string())]))),
        pa.field(META_GENERATOR, pa.string()),
        pa.field(MT_MARKERS, pa.list_(pa.string())),  # machine-translation widget / plugin traces found
    ]
)

SOURCE_FIELDS = [
    pa.field(ID, pa.string(), nullable=False),
    pa.field(TEXT, pa.large_string()),
    pa.field(URL, pa.string()),
    pa.field(LANG, pa.string()),
    pa.field(LANG_SCORE, pa.float64()),
    pa.field(SOURCE_FILE, pa.string()),
    pa.field(SOURCE_OFFSET, pa.int64()),
    pa.field(RECORD_ID, pa.string()),
    pa.field(CRAWL_DATE, pa.string()),
    pa.field(HTTP_DATE, pa.string()),
    pa.field(LAST_MODIFIED, pa.string()),
    pa.field(CONTENT_TYPE, pa.string()),
    pa.field(CHARSET, pa.string()),
    pa.field(CRAWL_ID, pa.string()),
    pa.field(SOURCE, pa.string()),
    pa.field(DOMAIN, pa.string()),
    pa.field(N_TOKENS, pa.int64()),
    pa.field(HTML_SIGNALS, HTML_SIGNALS_TYPE),
]
LABEL_FIELDS = [
    pa.field(LABEL, pa.string()),
    pa.field(LABEL_CONFIDENCE, pa.float64()),
    pa.field(P_AI, pa.float64()),
    pa.field(P_MT, pa.float64()),
    pa.field(P_HUMAN, pa.float64()),
    pa.field(DETECTOR_SCORES, pa.list_(DETECTOR_SCORE_TYPE)),
    pa.field(EVIDENCE, pa.list_(EVIDENCE_TYPE)),
    pa.field(CLUSTER_ID, pa.string()),
    pa.field(CLUSTER_SIZE, pa.int64()),
    pa.field(KEEPER_ID, pa.string()),
    pa.field(FIRST_SEEN, pa.string()),
]

_METADATA = {b"provmix.schema_version": SCHEMA_VERSION.encode()}

DOCUMENT_SCHEMA = pa.schema(SOURCE_FIELDS + LABEL_FIELDS, metadata=_METADATA)
"""A document between stages and in checkpoints: every source column, the text and the label columns."""

# --- written tables --------------------------------------------------------------------------------
MIX = "mix"  # the named mix a row of mix/<name>/ belongs to
DATE_COLUMNS = (CRAWL_DATE, HTTP_DATE, LAST_MODIFIED, FIRST_SEEN)  # ISO strings inside, timestamps when written
TIMESTAMP = pa.timestamp("ms", tz="UTC")  # what Parquet stores and reads back


def output_schema(fields: list[pa.Field]) -> pa.Schema:
    """The written form of ``fields``: date columns as UTC timestamps (``pipeline.write`` converts them)."""
    return pa.schema([pa.field(f.name, TIMESTAMP) if f.name in DATE_COLUMNS else f for f in fields],
                     metadata=_METADATA)


MIX_SCHEMA = output_schema([pa.field(MIX, pa.string()), *SOURCE_FIELDS, *LABEL_FIELDS])
"""Rows of ``mix/<name>/``: the mix name, every source column, the text and the label columns."""

LABELS_SCHEMA = output_schema(
    [f for f in SOURCE_FIELDS if f.name in (ID, URL, SOURCE_FILE, SOURCE_OFFSET, RECORD_ID, LANG, N_TOKENS)]
    + LABEL_FIELDS)
"""Rows of ``labels/``: enough to re-join a label to Common Crawl without redistributing the text, and
``n_tokens`` so that label-only consumers can recompute a token floor."""

DOCUMENT_COLUMNS = tuple(DOCUMENT_SCHEMA.names)
LABEL_DEFAULTS = {
    LABEL: UNKNOWN,
    LABEL_CONFIDENCE: None,
    P_AI: None,
    P_MT: None,
    P_HUMAN: None,
    DETECTOR_SCORES: [],
    EVIDENCE: [],
    CLUSTER_ID: None,
    CLUSTER_SIZE: None,
    KEEPER_ID: None,
    FIRST_SEEN: None,
}
"""Label columns of a document that no labelling stage has touched yet (no fake scores)."""


def new_document(**columns: object) -> dict:
    """A document dict with every column present: given values, else null / the unlabelled defaults."""
    unknown = set(columns) - set(DOCUMENT_COLUMNS)
    if unknown:
        raise KeyError(f"not document columns: {sorted(unknown)}")
    doc = dict.fromkeys(DOCUMENT_COLUMNS)
    doc.update({k: (list(v) if isinstance(v, list) else v) for k, v in LABEL_DEFAULTS.items()})
    doc.update(columns)
    return doc
