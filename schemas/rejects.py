"""The rejects table: every record that was not kept, with the stage and reason that decided it."""
from __future__ import annotations

import pyarrow as pa

from provmix.schemas import documents as doc
from provmix.schemas.version import SCHEMA_VERSION

STAGE = "stage"
REASON = "reason"
DETAIL = "detail"
OUTCOME = "outcome"  # rejected (a document that was dropped) | failed (a record that never became a document)
ERROR_TYPE = "error_type"  # exception class name when a step raised
MIX = "mix"  # the named mix a human_floor rejection applies to; null otherwise

REJECTED = "rejected"
FAILED = "failed"
OUTCOMES = (REJECTED, FAILED)

# Reasons are short snake_case words; these are the ones the core stages emit.
MALFORMED_RECORD = "malformed_record"
UNREADABLE_FILE = "unreadable_file"
EMPTY_FILE = "empty_file"
HTTP_STATUS = "http_status"  # a non-2xx HTTP response
UNSUPPORTED_FORMAT = "unsupported_format"
UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
RECORD_TOO_LARGE = "record_too_large"
EXTRACTION_FAILED = "extraction_failed"
EXTRACTION_TOO_SLOW = "extraction_too_slow"
HTML_TOO_COMPLEX = "html_too_complex"  # nesting or element count past extract's limits
EMPTY_TEXT = "empty_text"
TOO_SHORT = "too_short"
NOT_PROSE = "not_prose"  # robots.txt, crawl metadata, scripts, logs, code, navigation: not a document to label
STEP_ERROR = "step_error"
EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"
HUMAN_FLOOR = "human_floor"

REJECT_SCHEMA = pa.schema(
    [
        pa.field(doc.ID, pa.string(), nullable=False),
        pa.field(doc.URL, pa.string()),
        pa.field(doc.SOURCE_FILE, pa.string()),
        pa.field(doc.SOURCE_OFFSET, pa.int64()),
        pa.field(doc.RECORD_ID, pa.string()),
        pa.field(OUTCOME, pa.string()),
        pa.field(STAGE, pa.string()),
        pa.field(REASON, pa.string()),
        pa.field(DETAIL, pa.string()),
        pa.field(ERROR_TYPE, pa.string()),
        pa.field(MIX, pa.string()),
        pa.field(doc.LANG, pa.string()),
        pa.field(doc.N_TOKENS, pa.int64()),
        pa.field(doc.P_AI, pa.float64()),
        pa.field(doc.P_MT, pa.float64()),
        pa.field(doc.P_HUMAN, pa.float64()),
        pa.field(doc.LABEL, pa.string()),
        pa.field(doc.CLUSTER_ID, pa.string()),
        pa.field(doc.KEEPER_ID, pa.string()),
    ],
    metadata={b"provmix.schema_version": SCHEMA_VERSION.encode()},
)
REJECT_COLUMNS = tuple(REJECT_SCHEMA.names)


def make_reject(
    record: dict,
    *,
    stage: str,
    reason: str,
    detail: str = "",
    outcome: str = REJECTED,
    error_type: str | None = None,
) -> dict:
    """A rejects row for ``record`` (a document or a raw record): its source fields and known scores kept."""
    row = {name: record.get(name) for name in REJECT_COLUMNS}
    row.update({OUTCOME: outcome, STAGE: stage, REASON: reason, DETAIL: detail[:2000], ERROR_TYPE: error_type})
    return row
