"""Configuration of one named training mix and its human data floor."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from provmix.pipeline.label_evidence import parse_date
from provmix.schemas import documents as d

_MIX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TOKENS = "tokens"
DOCUMENTS = "documents"
UNITS = (TOKENS, DOCUMENTS)

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


@dataclass(frozen=True)
class MixConfig:
    """One named mix: the minimum human share in every scope, class caps, and what to do on a shortfall."""

    name: str = "default"
    human_floor: float = 0.6  # minimum share of human units in every scope of the mix
    unit: str = TOKENS  # tokens (the n_tokens column) | documents
    scope: str = GLOBAL  # global | language | domain | source
    caps: dict = field(default_factory=dict)  # class (ai, mt, unknown) → maximum share of the mix
    synthetic_cap: float | None = None  # maximum share of declared synthetic data
    min_human_tokens: int = 0  # minimum human tokens kept per scope (cannot be fixed by downsampling)
    min_fresh_human_share: float | None = None  # minimum share of fresh data among the human units
    fresh_after: str | None = None  # fresh: not from the reference set and first seen on or after this date
    policy: str = DOWNSAMPLE  # downsample | fail | warn
    seed: int = 0  # selection order: same seed and input → same mix on every runner

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

    def class_caps(self) -> dict[str, float]:
        """Caps by floor class, the synthetic cap included."""
        caps = {cls: float(share) for cls, share in self.caps.items()}
        if self.synthetic_cap is not None:
            caps[SYNTHETIC] = float(self.synthetic_cap)
        return caps


def _choice(mix: MixConfig, name: str, allowed: tuple[str, ...]) -> None:
    if getattr(mix, name) not in allowed:
        raise ValueError(f"mix {mix.name!r}: {name} must be one of {allowed}, not {getattr(mix, name)!r}")


def check_mixes(mixes: list[MixConfig], unknown_counts_as_human: bool) -> None:
    """Checks across mixes: at least one, unique names, no cap on unknown data while it counts as human."""
    names = [mix.name for mix in mixes]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"need at least one mix and unique mix names, got {names}")
    if unknown_counts_as_human and any(d.UNKNOWN in mix.caps for mix in mixes):
        raise ValueError("caps.unknown is meaningless while unknown counts as human")
