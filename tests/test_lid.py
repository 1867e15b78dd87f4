"""Language ID: known languages from short written sentences, "und" where there is no language to find."""
from __future__ import annotations

import numpy as np
import pytest

from provmix.detectors.lid import UNDETERMINED, LanguageIdentifier, has_letters, letter_count

SENTENCES = {
    "en": "The committee will publish its final report on the new railway line next month.",
    "de": "Der Ausschuss wird seinen Abschlussbericht über die neue Bahnstrecke im nächsten Monat vorlegen.",
    "cs": "Výbor zveřejní svou závěrečnou zprávu o nové železniční trati příští měsíc.",
    "ru": "Комитет опубликует свой окончательный доклад о новой железной дороге в следующем месяце.",
    "uk": "Комітет оприлюднить свою остаточну доповідь про нову залізницю наступного місяця.",
    "he": "הוועדה תפרסם את הדוח הסופי שלה על קו הרכבת החדש בחודש הבא.",
    "ja": "委員会は来月、新しい鉄道路線に関する最終報告書を公表する予定です。",
    "zh": "委员会将于下个月公布关于新铁路线的最终报告。",
}


@pytest.fixture(scope="module")
def lid() -> LanguageIdentifier:
    return LanguageIdentifier()


def test_identifies_each_language_from_one_sentence(lid):
    results = lid.identify(list(SENTENCES.values()))
    assert [lang for lang, _ in results] == list(SENTENCES)
    assert all(0.5 < prob <= 1.0 for _, prob in results)


@pytest.mark.parametrize("text", ["", "   \n\t ", "1234 5678 -- 42 !!! ### 2024-05-01", "@@@ ??? ... ///"])
def test_text_without_language_is_undetermined(lid, text):
    assert lid.identify([text]) == [(UNDETERMINED, 0.0)]


def test_letter_runs_without_language_are_undetermined(lid):
    assert lid.identify(["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])[0][0] == UNDETERMINED


def test_minimum_counts_letters_with_cjk_characters_weighted(lid):
    assert letter_count("abc 123 !?") == 3
    assert letter_count("新铁路线") == 12
    short_chinese = "新铁路线的报告"  # 7 characters: enough evidence, unlike 7 Latin letters
    assert lid.identify([short_chinese])[0][0] == "zh"
    assert lid.identify(["Bericht"])[0] == (UNDETERMINED, 0.0)


def test_has_letters_agrees_with_the_count_whatever_sits_in_the_prefix() -> None:
    texts = ["a" * 19, "a" * 20, "1" * 80 + "abc" * 7, "!" * 80 + "ab", "新铁路线" * 2, "新铁路线" + "1" * 80, "x", ""]
    for text in texts:
        for minimum in (0, 1, 20, 21):
            assert has_letters(text, minimum) == (letter_count(text) >= minimum), (text, minimum)


def test_only_the_bounded_prefix_is_read():
    lid = LanguageIdentifier(max_chars=120)
    mixed = SENTENCES["de"] + " " + " ".join([SENTENCES["en"]] * 20)
    assert lid.identify([mixed])[0][0] == "de"
    assert LanguageIdentifier(max_chars=5000).identify([mixed])[0][0] == "en"


def test_info_names_the_model_and_its_languages(lid):
    assert lid.info.kind == "lid" and lid.info.name == "py3langid"
    assert {"en", "de", "cs", "he", "hr", "ja", "ru", "uk", "zh"} <= set(lid.info.languages)
    assert "zxx" not in lid.info.languages


def _mixed_texts(seed: int, n: int) -> list[str]:
    """Random texts cut and spliced from the sentences above, with upper-casing, digits and odd characters."""
    import random

    rng = random.Random(seed)
    pieces = list(SENTENCES.values()) + ["12,345.67 %", "ÀÉÎ ÕÜ", "\u200b", "ǅ", "\U0001f600", "a"]
    texts = []
    for _ in range(n):
        text = " ".join(rng.choice(pieces)[rng.randrange(20) :] for _ in range(rng.randint(0, 4)))
        texts.append(text.upper() if rng.random() < 0.1 else text)
    return texts + ["", " ", "A", "AB CD"]


def test_numpy_scoring_gives_py3langid_results():
    """The batched NumPy automaton must give py3langid's own label and probability on every text."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as Py3Langid

    from provmix.detectors.langid_numpy import NumpyLangid

    reference = Py3Langid.from_model_file(MODEL_FILE, norm_probs=True)
    texts = _mixed_texts(seed=3, n=400)
    ours = NumpyLangid.from_py3langid(reference).classify(texts)
    for text, (label, probability) in zip(texts, ours):
        expected_label, expected_probability = reference.classify(text)
        assert label == expected_label, text
        assert probability == pytest.approx(float(expected_probability), abs=1e-4), text


def _automaton_depth(nextmove: np.ndarray, rowbase: np.ndarray) -> int:
    """Length of the longest string that leads to a state: breadth-first search from the start state."""
    depth = np.full(len(rowbase), -1)
    depth[0] = 0
    frontier, level = np.array([0]), 0
    symbols = np.arange(256)
    while len(frontier):
        reached = nextmove[(rowbase[frontier][:, None] + symbols).ravel()]
        level += 1
        depth[reached[depth[reached] < 0]] = level
        frontier = np.flatnonzero(depth == level)
    return level - 1


def test_automaton_depth_is_the_models():
    """NumpyLangid's window must cover the deepest automaton state of the installed model."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as Py3Langid

    from provmix.detectors.langid_numpy import AUTOMATON_DEPTH, NumpyLangid

    model = NumpyLangid.from_py3langid(Py3Langid.from_model_file(MODEL_FILE, norm_probs=True))
    assert _automaton_depth(model._nextmove, model._rowbase) == AUTOMATON_DEPTH


def test_the_model_is_unpacked_once_into_the_cache_and_scores_the_same(tmp_path, monkeypatch):
    from provmix.detectors import lid as lid_module

    monkeypatch.setenv("PROVMIX_CACHE", str(tmp_path))
    texts = _mixed_texts(seed=5, n=100)
    unpacked = lid_module._unpacked_model()
    first = lid_module._shipped_model.__wrapped__()  # writes the cache
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("py3langid-") and len(list(folder.glob("*.npy"))) == 7

    def unpack_again():
        raise AssertionError("the cached arrays should have been read")

    monkeypatch.setattr(lid_module, "_unpacked_model", unpack_again)
    cached = lid_module._shipped_model.__wrapped__()
    assert cached.classes == unpacked.classes
    assert first.classify(texts) == cached.classify(texts) == unpacked.classify(texts)


def test_an_unwritable_cache_still_gives_the_model(tmp_path, monkeypatch, caplog):
    from provmix.detectors import lid as lid_module

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("PROVMIX_CACHE", str(blocker))
    model = lid_module._shipped_model.__wrapped__()
    assert model.classify([SENTENCES["de"]])[0][0] == "de"
    assert "cache not usable" in caplog.text


@pytest.mark.parametrize("damage", ["truncate", "remove"])
def test_a_damaged_cache_still_gives_the_model(tmp_path, monkeypatch, caplog, damage):
    from provmix.detectors import lid as lid_module

    monkeypatch.setenv("PROVMIX_CACHE", str(tmp_path))
    lid_module._shipped_model.__wrapped__()  # writes the cache
    (folder,) = tmp_path.iterdir()
    array = folder / "log_p_feature.npy"
    if damage == "truncate":
        array.write_bytes(array.read_bytes()[:1000])
    else:
        array.unlink()
    model = lid_module._shipped_model.__wrapped__()
    assert model.classify([SENTENCES["de"]])[0][0] == "de"
    assert "cache not usable" in caplog.text
