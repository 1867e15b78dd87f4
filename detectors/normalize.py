"""The normalised view of a text that detectors score and dedup hashes.

Adversarial edits (homoglyphs, zero-width characters, odd whitespace) must not move a score, so every detector
sees: Unicode NFKC, format/control characters removed, Latin look-alikes mapped inside mixed-script words, and
whitespace collapsed. Look-alikes are mapped to Latin inside mixed-script words, and everywhere in a text whose
letters are mostly Latin (a word spelled entirely in look-alikes, like Cyrillic "сор"); in a mostly Cyrillic text
a Latin word spelled only with letters that have a Cyrillic twin ("a", "cop") becomes that twin. Genuine Cyrillic
or Greek text is otherwise left alone.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from provmix.detectors.scripts import C0_CONTROLS, INVISIBLE_FORMAT

# Cyrillic and Greek letters that render like Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M",
        "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "ι": "i", "κ": "k", "Α": "A", "Β": "B",
        "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T",
        "Υ": "Y", "Χ": "X",
    }
)
_LOOKALIKES = frozenset(chr(c) for c in _HOMOGLYPHS)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff]+")
# Latin letters that have a Cyrillic twin, and a word spelled only with them ("a", "cop")
_TO_CYRILLIC = str.maketrans({latin: chr(c) for c, latin in _HOMOGLYPHS.items() if _CYRILLIC.match(chr(c))})
_LATIN_TWIN_WORD = re.compile(
    r"\b[" + "".join(sorted({latin for c, latin in _HOMOGLYPHS.items() if _CYRILLIC.match(chr(c))})) + r"]+\b"
)
_INVISIBLE = re.compile(f"[{INVISIBLE_FORMAT}{C0_CONTROLS}]")
_WORD_WITH_ASCII_LETTER = re.compile(r"\b\w*[A-Za-z]\w*")  # linear: \b fails at once inside a word
_ASCII_LETTER_RUN = re.compile(r"[A-Za-z]+")
LETTER_RUN = re.compile(r"[^\W\d_]+")
# The language stage and each text detector normalise every document of a checkpoint chunk (1,024 records) in
# turn, mostly the same prefix (the whole text when it is short): a document's earlier result is at most about
# two chunks of calls back. Holds at most this many texts and their normalised forms.
NORMALISED_TEXTS = 2048


def _unmix_word(match: re.Match) -> str:
    """A word with Latin letters: look-alikes in it become Latin."""
    word = match.group(0)
    return word if _LOOKALIKES.isdisjoint(word) else word.translate(_HOMOGLYPHS)


def matched_chars(run: re.Pattern, text: str) -> int:
    """Characters matched by ``run`` (a pattern of runs: far fewer match objects than one per character)."""
    return sum(map(len, run.findall(text)))


@functools.lru_cache(maxsize=NORMALISED_TEXTS)
def normalize_text(text: str) -> str:
    """NFKC, invisible characters dropped, mixed-script look-alikes mapped to Latin, whitespace collapsed
    (the last :data:`NORMALISED_TEXTS` results are remembered)."""
    if text.isascii():  # NFKC and the look-alike maps leave ASCII unchanged
        return collapse_whitespace(_INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    has_lookalikes = not _LOOKALIKES.isdisjoint(text)
    if not has_lookalikes and not _CYRILLIC.search(text):  # no rule below can change it
        return collapse_whitespace(text)
    letters = matched_chars(LETTER_RUN, text)  # unchanged below: look-alikes map letter to letter
    if 2 * matched_chars(_ASCII_LETTER_RUN, text) > letters:  # mostly Latin
        if has_lookalikes:  # a dict translate costs ~60 µs a page even when it changes nothing
            text = text.translate(_HOMOGLYPHS)
    else:
        if has_lookalikes:
            text = _WORD_WITH_ASCII_LETTER.sub(_unmix_word, text)
        if 2 * matched_chars(_CYRILLIC_RUN, text) > letters:  # mostly Cyrillic: a Latin word with a Cyrillic twin
            text = _LATIN_TWIN_WORD.sub(lambda m: m.group(0).translate(_TO_CYRILLIC), text)  # ("a", "cop")
    return collapse_whitespace(text)


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as one space, none at the ends: ``re.sub(r"\\s+", " ", text).strip()`` at a third of
    its cost (``str.split`` and ``\\s`` use the same whitespace predicate for every code point)."""
    return " ".join(text.split())


def single_line(text: str, max_chars: int | None = None) -> str:
    """``text`` on one line (fastText's input contract), optionally cut to a bounded prefix."""
    line = collapse_whitespace(text)
    return line[:max_chars] if max_chars else line
