"""The normalised view: its fast paths give what the plain definition gives."""
from __future__ import annotations

import gzip
import itertools
import json
import re
import sys
import unicodedata

import pytest

from provmix.detectors import normalize as n
from tests.conftest import SHARED_DATA

WHITESPACE = re.compile(r"\s+")


def by_definition(text: str) -> str:
    """normalize_text written plainly: every step applied whether or not it changes anything."""
    if text.isascii():
        return WHITESPACE.sub(" ", n._INVISIBLE.sub("", text)).strip()
    text = n._INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    letters = n.matched_chars(n.LETTER_RUN, text)
    if 2 * n.matched_chars(n._ASCII_LETTER_RUN, text) > letters:
        text = text.translate(n._HOMOGLYPHS)
    else:
        text = n._WORD_WITH_ASCII_LETTER.sub(n._unmix_word, text)
        if 2 * n.matched_chars(n._CYRILLIC_RUN, text) > letters:
            text = n._LATIN_TWIN_WORD.sub(lambda m: m.group(0).translate(n._TO_CYRILLIC), text)
    return WHITESPACE.sub(" ", text).strip()


def test_whitespace_is_collapsed_like_the_regex_for_every_code_point() -> None:
    assert all(bool(re.fullmatch(r"\s", chr(c))) == chr(c).isspace() for c in range(sys.maxunicode + 1))
    for text in ["\u00a0a\u2003b\u3000c\x1c d\u2028e\u2029 ", " \t\n", "", "x\x85y", "a  b\n\nc "]:
        assert n.collapse_whitespace(text) == WHITESPACE.sub(" ", text).strip()


ADVERSARIAL = [
    "The cоmputer is in the rооm.",  # Cyrillic о inside Latin words
    "Это сор и a cop.",  # mostly Cyrillic: Latin twins become Cyrillic
    "Щ ж ш a",  # mostly Cyrillic without a look-alike: the Latin twin "a" still becomes Cyrillic
    "Ηello wοrld from Greece and Αthens",  # Greek look-alikes in a Latin text
    "zero\u200bwidth\u00adsoft \ufeffhyphen",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ　and spaces\u2003here",
    "中文文本，没有空格。 ",
    "plain ascii text\twith\ttabs\n",
]


def test_adversarial_texts_normalise_as_defined() -> None:
    for text in ADVERSARIAL:
        assert n.normalize_text(text) == by_definition(text), text
    assert n.normalize_text(ADVERSARIAL[0]) == "The computer is in the room."
    assert n.normalize_text("Щ ж ш a") == "Щ ж ш \u0430"


def test_real_texts_normalise_as_defined() -> None:
    files = sorted(SHARED_DATA.glob("*/*.jsonl.gz"))
    if not files:
        pytest.skip("../shared/data is absent")
    texts = [json.loads(line)["text"] for path in files for line in itertools.islice(gzip.open(path, "rt"), 100)]
    assert len(texts) > 1000
    assert all(n.normalize_text(text) == by_definition(text) for text in texts)
