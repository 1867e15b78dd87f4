"""Parameters of the dedup stage: one frozen dataclass the YAML loader fills and the manifest records."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

NAMESPACE = "dedup"  # Beam Metrics namespace of the stage
# Languages written without spaces between words: shingles are character n-grams there.
NO_SPACE_LANGS = ["zh", "ja", "th", "lo", "km", "my", "bo"]
VERIFY_EXACT = "exact"  # candidate pairs are kept by the Jaccard of their shingle-hash sets
VERIFY_SIGNATURE = "signature"  # candidate pairs are kept by signature agreement (no shingle sets shuffled)
# LSH is tuned for recall: every candidate is verified, so a missed pair costs more than an extra candidate.
FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT = 0.05, 0.95


@dataclass(frozen=True)
class DedupConfig:
    """Exact + MinHash near-duplicate detection.

    ``bands`` x ``rows`` default to ``datasketch.lsh._optimal_param(0.8, 128, 0.05, 0.95)`` = (16, 8): the banding
    that minimises false-positive plus 19x false-negative probability mass for the default threshold and
    ``num_perm`` (a pair at Jaccard 0.8 becomes a candidate with probability 0.95, at 0.85 with 0.994). Change them
    together with ``threshold``/``num_perm`` (``DedupConfig.tuned`` does it).
    """

    enabled: bool = field(default=True, metadata={"help": "find exact and near duplicates (false skips the stage)"})
    threshold: float = field(default=0.8, metadata={"help": "Jaccard similarity of shingle sets at or above which "
                             "two documents are near duplicates"})
    num_perm: int = field(default=128, metadata={"help": "MinHash permutations per signature"})
    bands: int = field(default=16, metadata={"help": "LSH bands (bands x rows <= num_perm; see DedupConfig.tuned)"})
    rows: int = field(default=8, metadata={"help": "signature rows per LSH band"})
    verify: str = field(default=VERIFY_EXACT, metadata={"help": "how candidate pairs are checked: exact (Jaccard "
                        "of shingle-hash sets) or signature (signature agreement)"})
    ngram: int = field(default=5, metadata={"help": "words per shingle"})
    char_ngram: int = field(default=5, metadata={"help": "characters per shingle for char_ngram_langs"})
    char_ngram_langs: list = field(default_factory=lambda: list(NO_SPACE_LANGS), metadata={
        "help": "languages written without spaces: character shingles there"})
    max_word_chars: float = field(default=12.0, metadata={"help": "a mean word longer than this means unspaced "
                                  "text: use character shingles"})
    max_bucket_size: int = field(default=100, metadata={"help": "larger LSH buckets are compared against one "
                                 "anchor member only"})
    max_rounds: int = field(default=16, metadata={"help": "connected-components rounds (each a large-star and a "
                            "small-star step)"})
    # memory per partition ~ documents x bands / partitions entries: raise it beyond ~100M documents per run
    partitions: int = field(default=1024, metadata={"help": "shuffle batches of band entries and edges; raise "
                            "beyond ~100M documents per run"})
    seed: int = field(default=1, metadata={"help": "MinHash permutation seed"})

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows ({self.bands}x{self.rows}) must fit in num_perm ({self.num_perm})")
        if self.verify not in (VERIFY_EXACT, VERIFY_SIGNATURE):
            raise ValueError(f"verify must be {VERIFY_EXACT!r} or {VERIFY_SIGNATURE!r}, got {self.verify!r}")
        if self.ngram < 1 or self.char_ngram < 1:
            raise ValueError("ngram and char_ngram must be >= 1")
        if self.max_bucket_size < 2 or self.max_rounds < 1 or self.partitions < 1:
            raise ValueError("max_bucket_size must be >= 2, max_rounds >= 1 and partitions >= 1")

    @classmethod
    def tuned(cls, threshold: float, num_perm: int = 128, **overrides: object) -> "DedupConfig":
        """A config whose bands x rows come from datasketch's optimal-parameter search for ``threshold``."""
        from datasketch.lsh import _optimal_param

        bands, rows = _optimal_param(threshold, num_perm, FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)
        return cls(threshold=threshold, num_perm=num_perm, bands=bands, rows=rows, **overrides)

    def as_manifest(self) -> dict:
        """The parameters as plain JSON values, for the run manifest."""
        return asdict(self)
