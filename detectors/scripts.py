"""Unicode ranges shared by every regex that needs them: scripts written without spaces between words (tokenizers)
and invisible characters (normalisation, dedup keys).

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

# characters that render as nothing: soft hyphen, zero-width and bidi controls, word joiners, BOM
INVISIBLE_FORMAT = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
C0_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # control characters other than tab, newline, CR
