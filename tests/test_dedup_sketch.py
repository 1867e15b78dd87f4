"""Dedup text keys, shingles, MinHash signatures and banding against datasketch, the reference implementation."""
from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

from provmix.pipeline.dedup import DedupConfig
from provmix.pipeline.dedup.config import FALSE_NEGATIVE_WEIGHT, FALSE_POSITIVE_WEIGHT
from provmix.pipeline.dedup.bands import band_keys
from provmix.pipeline.dedup.minhash import Permutations, agreement, signature
from provmix.pipeline.dedup.sketch import sketch_texts
from provmix.pipeline.dedup.text import batch_shingle_hashes, dedup_text, exact_key, shingle_hashes, uses_char_shingles
from provmix.pipeline.dedup.verify import set_jaccard, shingle_set


def _reference(shingles: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    minhash.update_batch(shingles.tolist())
    return minhash.hashvalues


@pytest.mark.parametrize(("num_perm", "seed", "size"), [(128, 1, 500), (64, 7, 3), (256, 42, 50), (128, 1, 0)])
def test_signature_is_datasketch_minhash_bit_for_bit(num_perm: int, seed: int, size: int) -> None:
    shingles = np.random.default_rng(seed).integers(0, 2**32, size, dtype=np.uint64).astype(np.uint32)
    ours = signature(shingles, Permutations.create(num_perm, seed))
    assert ours.dtype == np.uint32
    np.testing.assert_array_equal(ours, _reference(shingles, num_perm, seed))


def test_default_banding_is_datasketch_optimum_for_the_default_threshold() -> None:
    config = DedupConfig()
    weights = (FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)
    assert (config.bands, config.rows) == _optimal_param(config.threshold, config.num_perm, *weights)
    tuned = DedupConfig.tuned(0.7, num_perm=256)
    assert (tuned.bands, tuned.rows) == _optimal_param(0.7, 256, *weights)
    assert tuned.as_manifest()["threshold"] == 0.7


@pytest.mark.parametrize("bad", [{"threshold": 0.0}, {"bands": 20, "rows": 13}, {"max_bucket_size": 1}])
def test_invalid_config_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        DedupConfig(**bad)


def test_exact_key_ignores_case_width_and_whitespace_but_not_words() -> None:
    key = exact_key(dedup_text("Hello   World,\n this is ＡＢＣ."))
    assert key == exact_key(dedup_text("hello world, THIS is abc."))
    assert key != exact_key(dedup_text("hello world, this is abd."))


def _texts(rng: np.random.Generator, count: int, words: int = 120) -> list[str]:
    vocabulary = [f"word{index}" for index in range(3000)]
    return [" ".join(rng.choice(vocabulary, words)) for _ in range(count)]


def test_signature_agreement_tracks_shingle_jaccard() -> None:
    rng = np.random.default_rng(3)
    permutations = Permutations.create(256, 1)
    for text in _texts(rng, 5):
        words = text.split()
        edited = " ".join(words[:60] + ["changed"] + words[61:])
        left = shingle_hashes(dedup_text(text), char_shingles=False, n=5)
        right = shingle_hashes(dedup_text(edited), char_shingles=False, n=5)
        jaccard = len(set(left) & set(right)) / len(set(left) | set(right))
        estimate = agreement(signature(left, permutations), signature(right, permutations))
        assert abs(estimate - jaccard) < 0.1


def test_cjk_uses_character_shingles_by_language_and_by_shape() -> None:
    chinese = dedup_text("今天天气很好我们去公园散步然后一起吃午饭再回家休息")
    assert uses_char_shingles(chinese, "zh", ["zh"], 12.0)
    assert uses_char_shingles(chinese, None, [], 12.0)  # no language, but no spaces either
    assert not uses_char_shingles(dedup_text("the cat sat on the mat"), "en", ["zh"], 12.0)
    shingles = shingle_hashes(chinese, char_shingles=True, n=5)
    assert len(shingles) == len(chinese) - 4
    one_char_changed = shingle_hashes(chinese.replace("公园", "公圆"), char_shingles=True, n=5)
    shared = len(set(shingles) & set(one_char_changed))
    assert 0 < shared < len(set(shingles))


def test_short_text_is_one_shingle_and_empty_text_has_none() -> None:
    assert len(shingle_hashes("two words", char_shingles=False, n=5)) == 1
    assert len(shingle_hashes("", char_shingles=False, n=5)) == 0
    empty = signature(np.empty(0, dtype=np.uint32), Permutations.create(128, 1))
    assert band_keys(empty.tobytes(), 9, 13) == []


def test_band_collisions_match_datasketch_minhash_lsh() -> None:
    config = DedupConfig()
    rng = np.random.default_rng(11)
    permutations = Permutations.create(config.num_perm, config.seed)
    texts = _texts(rng, 30, words=40)
    for index in range(0, 30, 3):  # plant near copies with a few words changed
        words = texts[index].split()
        for offset, cut in ((1, 2), (2, 8)):
            texts[index + offset] = " ".join(words[:20] + ["x"] * cut + words[20 + cut :])
    signatures = [signature(shingle_hashes(dedup_text(text), char_shingles=False, n=5), permutations) for text in texts]
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, params=(config.bands, config.rows))
    minhashes = [
        MinHash(num_perm=config.num_perm, seed=config.seed, hashvalues=sig, scheme="affine32") for sig in signatures
    ]
    for index, minhash in enumerate(minhashes):
        lsh.insert(index, minhash)
    keys = [set(enumerate(band_keys(sig.tobytes(), config.bands, config.rows))) for sig in signatures]
    for index, minhash in enumerate(minhashes):
        ours = {other for other in range(len(texts)) if keys[index] & keys[other]}
        assert ours == set(lsh.query(minhash))
    assert any(len(lsh.query(minhash)) > 1 for minhash in minhashes)


def test_a_shingle_hashes_the_same_wherever_it_sits_and_batches_change_nothing() -> None:
    texts = ["one two three four five six", "", "zero one two three four five", "two words", " stray  spaces "]
    hashes, offsets = batch_shingle_hashes(texts, char_shingles=False, n=5)
    singles = [shingle_hashes(text, char_shingles=False, n=5) for text in texts]
    for index, single in enumerate(singles):
        np.testing.assert_array_equal(hashes[offsets[index] : offsets[index + 1]], single)
    assert [len(single) for single in singles] == [2, 0, 2, 1, 1]
    assert singles[0][0] == singles[2][1]  # "one two three four five" in both texts


def test_shingle_set_jaccard_is_the_exact_set_jaccard() -> None:
    rng = np.random.default_rng(2)
    left = rng.integers(0, 1000, 300, dtype=np.uint64).astype(np.uint32)
    right = np.concatenate([left[:200], rng.integers(1000, 2000, 150, dtype=np.uint64).astype(np.uint32)])
    expected = len(set(left.tolist()) & set(right.tolist())) / len(set(left.tolist()) | set(right.tolist()))
    assert set_jaccard(shingle_set(left), shingle_set(right)) == pytest.approx(expected)


def test_a_mixed_batch_sketches_each_text_as_it_would_alone() -> None:
    config = DedupConfig()
    permutations = Permutations.create(config.num_perm, config.seed)
    texts = [dedup_text(text) for text in ("Words in a sentence that is long enough here", "今天天气很好我们去公园散步", "")]
    langs = ["en", "zh", None]
    shingles, sketches = sketch_texts(texts, langs, config, permutations)
    for text, lang, values, sketch in zip(texts, langs, shingles, sketches):
        chars = lang == "zh"
        alone = shingle_hashes(text, char_shingles=chars, n=config.char_ngram if chars else config.ngram)
        np.testing.assert_array_equal(values, alone)
        np.testing.assert_array_equal(sketch, signature(alone, permutations))
