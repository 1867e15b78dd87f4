"""``ai-cascade``: a fast detector scores everything; a slow one re-scores only the uncertain band.

Spec ``ai-cascade`` (ai-default, then ai-lm) or ``ai-cascade:FAST,SLOW`` with two registry specs (no commas or
colons of their own beyond ``NAME:PATH``). A text whose fast probability lies in ``[low, high]`` is re-scored by
the slow member, whose probability replaces the fast one unless the slow member abstains; every other text keeps
the fast score. ``scored`` / ``rescored`` count the texts seen so a run can report the share. Both members are
calibrated probabilities, so the cascade's output is one too; each text carries the operating points (threshold,
human threshold) of the member whose probability it kept; ``info.threshold`` names the slow member's.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from provmix.detectors.base import AI, ModelInfo, Scores

NAME = "ai-cascade"
DEFAULT_MEMBERS = ("ai-default", "ai-lm")
DEFAULT_BAND = (0.2, 0.9)


class CascadeDetector:
    """A :class:`detectors.base.Detector` over a fast and a slow member."""

    def __init__(self, fast: object, slow: object, low: float, high: float, info: ModelInfo) -> None:
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError("the cascade band needs 0 <= low <= high <= 1")
        self.fast, self.slow, self.low, self.high, self.info = fast, slow, low, high, info
        self.scored = 0
        self.rescored = 0

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> Scores:
        """Each text carries the operating points of the member whose probability it kept."""
        first = self.fast.score(texts, langs)
        probability, abstain = first.probability.copy(), first.abstain.copy()
        threshold, human = first.operating_points(self.fast.info)
        band = np.flatnonzero(~abstain & (probability >= self.low) & (probability <= self.high))
        if len(band):
            second = self.slow.score([texts[i] for i in band], [langs[i] for i in band])
            kept = ~second.abstain
            slow_threshold, slow_human = second.operating_points(self.slow.info)
            probability[band[kept]] = second.probability[kept]
            threshold[band[kept]], human[band[kept]] = slow_threshold[kept], slow_human[kept]
        self.scored += int((~abstain).sum())
        self.rescored += len(band)
        return Scores.build(probability, abstain, threshold, human)



def load(argument: str | None = None, low: float = DEFAULT_BAND[0], high: float = DEFAULT_BAND[1],
         fast_options: dict | None = None, slow_options: dict | None = None, **slow_kwargs: object) -> CascadeDetector:
    """Members from ``argument`` (``FAST,SLOW``) or :data:`DEFAULT_MEMBERS`; extra keyword options go to the
    slow member (``device``, ``batch_size``, ``max_tokens``, ...)."""
    from provmix.detectors.registry import load_detector

    members = [m.strip() for m in argument.split(",")] if argument else list(DEFAULT_MEMBERS)
    if len(members) != 2 or not all(members):
        raise ValueError("ai-cascade needs two members: ai-cascade:FAST,SLOW")
    fast = load_detector(members[0], **(fast_options or {}))
    slow = load_detector(members[1], **{**(slow_options or {}), **slow_kwargs})
    if fast.info.kind != AI or slow.info.kind != AI:
        raise ValueError("both cascade members must be AI-text detectors")
    info = ModelInfo(
        name=NAME if argument is None else f"{NAME}:{argument}",
        version=f"{fast.info.version}+{slow.info.version}",
        kind=AI,
        sha256=None,
        languages=fast.info.languages,
        threshold=slow.info.threshold,
        extra={"band": [low, high], "members": [fast.info.as_dict(), slow.info.as_dict()]},
    )
    return CascadeDetector(fast, slow, low, high, info)
