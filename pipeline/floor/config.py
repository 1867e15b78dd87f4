"""Configuration of one named training mix and its human data floor."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from provmix.pipeline.dates import parse_date
from provmix.schemas import documents as d

_MIX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TOKENS = "tokens"
DOCUMENTS = "documents"
EXPECTED_TOKENS = "expected_tokens"  # a document adds P(human) × tokens to the human side, all its tokens to the mix
UNITS = (TOKENS, DOCUMENTS, EXPECTED_TOKENS)

GLOBAL = "global"
SCOPE_COLUMNS = {"language": d.LANG, "domain": d.DOMAIN, "source": d.SOURCE}  # scope name → document column
SCOPES = (GLOBAL, *SCOPE_COLUMNS)

DOWNSAMPLE = "downsample"
FAIL = "fail"
WARN = "warn"
POLICIES = (DOWNSAMPLE, FAIL, WARN)

SYNTHETIC = "synthetic"  # floor class of SOURCE synthetic documents (labelled ai, capped on their own)
CLASSES = (d.HUMAN, d.AI, d.MT, d.UNKNOWN, SYNTHETIC)
CAPPABLE = (d.AI, d.MT, d.UNKNOWN)


def _help(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True)
class MixConfig:
    """One named mix: the minimum human share in every scope, class caps, and what to do on a shortfall."""

    name: str = field(default="default", metadata=_help(
        "the mix's name, and its folder mix/NAME/ (however many mixes there are)"))
    human_floor: float = field(default=0.6, metadata=_help("minimum share of human units in every scope of the mix"))
    unit: str = field(default=TOKENS, metadata=_help(
        "what the shares count: tokens (n_tokens) | documents | expected_tokens (human side: p_human × tokens)"))
    scope: str = field(default=GLOBAL, metadata=_help("where the floor holds: global | language | domain | source"))
    caps: dict = field(default_factory=dict, metadata=_help("class (ai, mt, unknown) → maximum share of the mix"))
    synthetic_cap: float | None = field(default=None, metadata=_help("maximum share of declared synthetic data"))
    min_human_tokens: int = field(default=0, metadata=_help(
        "minimum human tokens kept per scope (a shortfall downsampling cannot fix)"))
    min_fresh_human_share: float | None = field(default=None, metadata=_help(
        "minimum share of fresh data among the human units"))
    fresh_after: str | None = field(default=None, metadata=_help(
        "fresh: not from the reference set and first seen (by the crawler) on or after this ISO date"))
    policy: str = field(default=DOWNSAMPLE, metadata=_help(
        "on a scope that breaks a share: downsample (drop the fewest units needed) | fail | warn"))
    seed: int = field(default=0, metadata=_help(
        "selection order: the same seed and input give the same mix on every runner"))
    unknown_counts_as_human: bool = field(default=False, metadata=_help(
        "count documents labelled unknown on the human side of this mix's floor"))

    def __post_init__(self) -> None:
        if not _MIX_NAME.fullmatch(self.name):
            raise ValueError(f"mix name {self.name!r}: letters, digits, '_', '.', '-' only (it names a folder under mix/)")
        if not 0 <= self.human_floor <= 1:
            raise ValueError(f"mix {self.name!r}: human_floor must lie in [0, 1]")
        _choice(self, "unit", UNITS)
        _choice(self, "scope", SCOPES)
        _choice(self, "policy", POLICIES)
        unknown = set(self.caps) - set(CAPPABLE)
        if unknown:
            raise ValueError(f"mix {self.name!r}: caps only for {CAPPABLE}, not {sorted(unknown)}")
        for share in [*self.caps.values(), self.synthetic_cap]:
            if share is not None and not 0 <= share < 1:
                raise ValueError(f"mix {self.name!r}: caps must lie in [0, 1)")
        if self.min_fresh_human_share is not None and not 0 < self.min_fresh_human_share <= 1:
            raise ValueError(f"mix {self.name!r}: min_fresh_human_share must lie in (0, 1]")
        if self.fresh_after is not None and parse_date(self.fresh_after) is None:
            raise ValueError(f"mix {self.name!r}: fresh_after {self.fresh_after!r} is not an ISO date")
        if self.min_human_tokens < 0:
            raise ValueError(f"mix {self.name!r}: min_human_tokens must be >= 0")
        if self.unknown_counts_as_human and d.UNKNOWN in self.caps:
            raise ValueError(f"mix {self.name!r}: caps.unknown is meaningless while unknown counts as human")
        if self.unit == EXPECTED_TOKENS:
            _expected_compatible(self)

    def class_caps(self) -> dict[str, float]:
        """Caps by floor class, the synthetic cap included."""
        caps = {cls: float(share) for cls, share in self.caps.items()}
        if self.synthetic_cap is not None:
            caps[SYNTHETIC] = float(self.synthetic_cap)
        return caps


def _choice(mix: MixConfig, name: str, allowed: tuple[str, ...]) -> None:
    if getattr(mix, name) not in allowed:
        raise ValueError(f"mix {mix.name!r}: {name} must be one of {allowed}, not {getattr(mix, name)!r}")


def _expected_compatible(mix: MixConfig) -> None:
    """In expected tokens every document is partly human: label-based options have no meaning there."""
    label_based = {"unknown_counts_as_human": mix.unknown_counts_as_human,
                   "min_fresh_human_share": mix.min_fresh_human_share is not None}
    clashing = [name for name, is_set in label_based.items() if is_set]
    if clashing:
        raise ValueError(f"mix {mix.name!r}: unit expected_tokens counts p_human, not labels; "
                         f"drop {', '.join(clashing)}")


def check_mixes(mixes: list[MixConfig]) -> None:
    """Checks across mixes: at least one, unique names."""
    names = [mix.name for mix in mixes]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"need at least one mix and unique mix names, got {names}")
