"""Exact and MinHash near-duplicate detection with provenance-aware keepers (see docs/dedup.md)."""
from pipeline.dedup.components import NotConverged
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.transform import Deduplicate

__all__ = ["DedupConfig", "Deduplicate", "NotConverged"]
