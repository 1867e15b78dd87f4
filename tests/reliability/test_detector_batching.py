"""A detector's score for a text must not depend on the batch it came in (Beam sizes batches by timing)."""
from __future__ import annotations

import pytest

from tests.reliability.test_adversarial import _samples

# ai-default's scores move in the last bits with the batch shape (BLAS blocking), so two runs of the same input
# differ in p_ai at ~1e-16 and their Parquet files are not byte-identical (docs/reliability.md, Findings).
BATCH_DEPENDENT = {"ai-default"}


@pytest.mark.parametrize("spec", [
    pytest.param(spec, marks=pytest.mark.xfail(strict=True, reason="scores depend on batch shape"))
    if spec in BATCH_DEPENDENT else spec for spec in ("ai-default", "mt-default")])
def test_scores_do_not_depend_on_batching(spec: str) -> None:
    from detectors.registry import load_detector

    try:
        detector = load_detector(spec)
    except (FileNotFoundError, ImportError):
        pytest.skip(f"{spec} is not available here (model not built yet)")
    texts, langs = _samples()
    whole = detector.score(texts, langs).values()
    alone = [detector.score([text], [lang]).values()[0] for text, lang in zip(texts, langs)]
    split = detector.score(texts[:7], langs[:7]).values() + detector.score(texts[7:], langs[7:]).values()
    assert whole == alone == split
