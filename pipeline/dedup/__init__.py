"""Exact and MinHash near-duplicate detection with provenance-aware keepers (see docs/dedup.md)."""
from provmix.pipeline.dedup.components import NotConverged
from provmix.pipeline.dedup.config import DedupConfig
from provmix.pipeline.dedup.transform import Deduplicate

__all__ = ["DedupConfig", "Deduplicate", "NotConverged"]
