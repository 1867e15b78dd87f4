"""The MT models' view of a document: cleaning, tokens and chunks."""
from __future__ import annotations

from hypothesis import given, strategies as st

from provmix.detectors.machine_translation.text import MAX_CHARS, chunks, clean_text, model_lines, tokenize


def test_clean_text_drops_placeholders_and_bounds_the_prefix() -> None:
    assert clean_text("Call #PRS_ORG# today,\n\tplease #NAME1#.") == "Call  today, please ."
    assert len(clean_text("word " * 2000)) == MAX_CHARS


def test_zero_width_padding_does_not_shrink_the_view() -> None:
    text = "The committee met on Tuesday to discuss the new budget. " * 40
    assert model_lines(clean_text("\u200b".join(text))) == model_lines(clean_text(text))


def test_tokens_split_punctuation_and_cjk_characters() -> None:
    assert tokenize("Hello, World!") == ["hello", ",", "world", "!"]
    assert tokenize("委员会开会。") == ["委", "员", "会", "开", "会", "。"]


def test_chunks_cover_every_token_once_and_merge_a_short_tail() -> None:
    tokens = [str(i) for i in range(120)]
    lines = chunks(tokens, 50)
    assert [len(line.split()) for line in lines] == [50, 70]
    assert " ".join(lines).split() == tokens
    assert [len(line.split()) for line in chunks(tokens[:80], 50)] == [50, 30]
    assert chunks(tokens, 0) == [" ".join(tokens)]
    assert chunks([], 50) == [""]


@given(st.lists(st.sampled_from(["a", "bb", ",", "ccc"]), max_size=400), st.integers(min_value=0, max_value=80))
def test_chunks_never_lose_or_reorder_tokens(tokens: list[str], size: int) -> None:
    lines = chunks(tokens, size)
    assert lines and " ".join(lines).split() == tokens
    if size:
        assert all(len(line.split()) <= size + size // 2 for line in lines)
        assert all(len(line.split()) == size for line in lines[:-1])


def test_feature_tokens_follow_every_chunk() -> None:
    clean = clean_text("The committee met on Tuesday to discuss the new budget. " * 12)
    plain = model_lines(clean, 30)
    with_features = model_lines(clean, 30, with_features=True)
    assert len(plain) == len(with_features) > 1
    for line, featured in zip(plain, with_features):
        assert featured.startswith(line + " _f_")
