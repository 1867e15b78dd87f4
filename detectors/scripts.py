"""Unicode ranges of scripts written without spaces between words, shared by every tokenizer-like regex.

Each user composes its character class from these names, so a range is written once and the differences between
users (Thai for token counts, CJK punctuation for MT tokens) are explicit.
"""
from __future__ import annotations

KANA = "\u3040-\u30ff"  # hiragana, katakana
HAN = "\u3400-\u4dbf\u4e00-\u9fff"  # CJK extension A, unified ideographs
HANGUL = "\uac00-\ud7af"
HAN_COMPATIBILITY = "\uf900-\ufaff"
THAI = "\u0e00-\u0e7f"
CJK_PUNCTUATION = "\u3000-\u303f"
FULLWIDTH = "\uff00-\uffef"

CJK = KANA + HAN + HANGUL  # one token (or word) per character
