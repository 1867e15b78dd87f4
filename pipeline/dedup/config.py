"""Parameters of the dedup stage: one frozen dataclass the YAML loader fills and the manifest records."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Languages written without spaces between words: shingles are character n-grams there.
NO_SPACE_LANGS = ["zh", "ja", "th", "lo", "km", "my", "bo"]


@dataclass(frozen=True)
class DedupConfig:
    """Exact + MinHash near-duplicate detection.

    ``bands`` x ``rows`` default to ``datasketch.lsh._optimal_param(0.8, 128, 0.5, 0.5)`` = (9, 13): the banding
    that minimises equally weighted false-positive and false-negative probability mass for the default threshold
    and ``num_perm``. Change them together with ``threshold``/``num_perm`` (``DedupConfig.tuned`` does it).
    """

    enabled: bool = True
    threshold: float = 0.8  # Jaccard of shingle sets, estimated by signature agreement
    num_perm: int = 128
    bands: int = 9
    rows: int = 13
    ngram: int = 5  # word shingles
    char_ngram: int = 5  # character shingles for the languages below
    char_ngram_langs: list = field(default_factory=lambda: list(NO_SPACE_LANGS))
    max_word_chars: float = 12.0  # a mean "word" longer than this means unspaced text: use character shingles
    max_bucket_size: int = 100  # larger LSH buckets are compared against one anchor member only
    max_rounds: int = 16  # connected-components rounds (each a large-star and a small-star step)
    seed: int = 1  # permutation seed (datasketch's MinHash seed)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows ({self.bands}x{self.rows}) must fit in num_perm ({self.num_perm})")
        if self.ngram < 1 or self.char_ngram < 1:
            raise ValueError("ngram and char_ngram must be >= 1")
        if self.max_bucket_size < 2 or self.max_rounds < 1:
            raise ValueError("max_bucket_size must be >= 2 and max_rounds >= 1")

    @classmethod
    def tuned(cls, threshold: float, num_perm: int = 128, **overrides: object) -> "DedupConfig":
        """A config whose bands x rows come from datasketch's optimal-parameter search for ``threshold``."""
        from datasketch.lsh import _optimal_param

        bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
        return cls(threshold=threshold, num_perm=num_perm, bands=bands, rows=rows, **overrides)

    def as_manifest(self) -> dict:
        """The parameters as plain JSON values, for the run manifest."""
        return asdict(self)
