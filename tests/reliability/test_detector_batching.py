"""A detector's score for a text must not depend on the batch it came in (Beam sizes batches by timing)."""
from __future__ import annotations

import pytest

from tests.reliability.harness import detector_samples


@pytest.mark.parametrize("spec", ["ai-default", "mt-default"])
def test_scores_do_not_depend_on_batching(spec: str) -> None:
    from provmix.detectors.registry import load_detector

    try:
        detector = load_detector(spec)
    except (FileNotFoundError, ImportError):
        pytest.skip(f"{spec} is not available here (model not built yet)")
    texts, langs = detector_samples()
    whole = detector.score(texts, langs).values()
    alone = [detector.score([text], [lang]).values()[0] for text, lang in zip(texts, langs)]
    split = detector.score(texts[:7], langs[:7]).values() + detector.score(texts[7:], langs[7:]).values()
    assert whole == alone == split
