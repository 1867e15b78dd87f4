"""Homoglyphs, zero-width characters and whitespace tricks move no shipped detector's score by more than 0.05."""
from __future__ import annotations

import re
import string
from typing import Callable

import pytest

from tests.reliability import harness
from tests.reliability.corpus import prose

MAX_SHIFT = 0.05
_LOOKALIKE_LATIN = "aceopxyABCEHKMOPTX"
_LATIN_TO_CYRILLIC = str.maketrans(_LOOKALIKE_LATIN, "асеорхуАВСЕНКМОРТХ")
_KEPT_LATIN = "".join(sorted(set(string.ascii_letters) - set(_LOOKALIKE_LATIN)))
_MIXED_WORD = re.compile(rf"\b\w*[{_KEPT_LATIN}]\w*\b")


def _mixed_words(text: str) -> str:
    # look-alikes swapped inside words that keep a Latin letter with no look-alike ("pаper"): mixed-script words
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_LATIN_TO_CYRILLIC), text)


def _whole_words(text: str) -> str:
    # words made only of look-alike letters ("a", "ace", "cop") become all-Cyrillic: no ASCII letter left to spot
    return re.sub(r"\b[aceopxy]+\b", lambda m: m.group(0).translate(_LATIN_TO_CYRILLIC), text)


def _interleave(text: str, char: str, every: int) -> str:
    return "".join(c + (char if i % every == every - 1 else "") for i, c in enumerate(text))


ATTACKS: dict[str, Callable[[str], str]] = {
    "homoglyphs_mixed_words": _mixed_words,
    "homoglyphs_whole_words": _whole_words,
    "zero_width_space": lambda t: _interleave(t, "\u200b", 3),
    "zero_width_joiner": lambda t: _interleave(t, "\u200d", 5),
    "soft_hyphens": lambda t: _interleave(t, "\u00ad", 4),
    "bom_and_bidi": lambda t: "\ufeff" + t.replace(" ", " \u202a", 20),
    "nbsp": lambda t: t.replace(" ", "\u00a0"),
    "thin_and_ideographic_spaces": lambda t: t.replace(" ", "\u2009", 30).replace(" ", "\u3000", 30),
    "doubled_spaces_tabs_newlines": lambda t: t.replace(" ", "  ", 20).replace(". ", ".\n\t"),
    "fullwidth": lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and i % 3 == 0 else c
                                   for i, c in enumerate(t)),
}


@pytest.fixture(scope="module")
def samples() -> tuple[list[str], list[str]]:
    return harness.detector_samples()


_CASES = [pytest.param(spec, attack) for spec in ("ai-default", "mt-default") for attack in sorted(ATTACKS)]


@pytest.mark.parametrize(("spec", "attack"), _CASES)
def test_attack_moves_scores_at_most(spec: str, attack: str, samples, detectors: dict) -> None:
    detector = detectors.get(spec)
    if detector is None:
        pytest.skip(f"{spec} is not available here (model not built yet)")
    texts, langs = samples
    before = detector.score(texts, langs).values()
    after = detector.score([ATTACKS[attack](t) for t in texts], langs).values()
    shifts = [(abs(a - b), i) for i, (a, b) in enumerate(zip(after, before)) if a is not None and b is not None]
    abstain_flips = sum((a is None) != (b is None) for a, b in zip(after, before))
    worst = max(shifts, default=(0.0, -1))
    assert worst[0] <= MAX_SHIFT, f"{spec}/{attack}: shift {worst[0]:.3f} on text {worst[1]}"
    assert abstain_flips == 0, f"{spec}/{attack}: {abstain_flips} abstentions changed"


@pytest.fixture(scope="module")
def detectors() -> dict:
    from provmix.detectors.registry import load_detector

    loaded = {}
    for spec in ("ai-default", "mt-default"):
        try:
            loaded[spec] = load_detector(spec)
        except (FileNotFoundError, ImportError):
            continue
    return loaded


def test_attacks_really_change_the_text() -> None:
    text = prose("check", 3) + " a cop ate an ace pie"
    for name, attack in ATTACKS.items():
        assert attack(text) != text, name

