"""A worker process loads each configured model once: every scoring DoFn shares it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from provmix.detectors.artifacts import SHIPPED_MODELS
from provmix.pipeline.detect import DetectConfig, DetectStep, shared_detectors
from provmix.schemas import documents as d


def _started(config: DetectConfig) -> DetectStep:
    step = DetectStep(config)
    step.setup()
    return step


def test_two_scoring_dofns_share_one_copy_of_the_models() -> None:
    config = DetectConfig(detectors=["ai-default"])
    first, second = _started(config), _started(config)
    assert first.shared is second.shared
    assert first.shared.detectors[0] is second.shared.detectors[0]
    doc = d.new_document(id="x", text="A plain sentence about rivers, stones and bread. " * 8, lang="en")
    (scored,) = first.apply_batch([doc])
    assert scored[d.DETECTOR_SCORES][0][d.DETECTOR] == "ai-default"


def test_retrained_model_files_are_loaded_afresh(tmp_path: Path) -> None:
    folder = tmp_path / "ai"
    shutil.copytree(SHIPPED_MODELS / "ai-default", folder)
    config = DetectConfig(detectors=[f"ai-default:{folder}"])
    first = _started(config).shared
    assert shared_detectors(config) is first
    assert first.models()[0]["name"] == "ai-default"
    stat = (folder / "model.json").stat()
    os.utime(folder / "model.json", (stat.st_atime, stat.st_mtime + 10))  # "retrained": new fingerprint
    assert shared_detectors(config) is not first


def test_a_chunk_of_short_documents_is_normalised_once_for_the_language_stage_and_both_detectors() -> None:
    from provmix.detectors.normalize import NORMALISED_TEXTS, normalize_text
    from provmix.pipeline.checkpoint import CHUNK_RECORDS
    from provmix.pipeline.language import IdentifyLanguageStep, LanguageConfig

    language, detect = IdentifyLanguageStep(LanguageConfig()), _started(DetectConfig())
    language.setup()
    docs = [d.new_document(id=str(i), text=f"Stones number {i} lie by the river, and the bread is warm. " * 3)
            for i in range(CHUNK_RECORDS)]
    normalize_text.cache_clear()
    languages = [doc for batch in range(0, len(docs), 256) for doc in language.apply_batch(docs[batch:batch + 256])]
    scored = [doc for batch in range(0, len(docs), 256) for doc in detect.apply_batch(languages[batch:batch + 256])]
    assert {doc[d.LANG] for doc in scored} == {"en"}
    assert all(len(doc[d.DETECTOR_SCORES]) == 2 for doc in scored)
    assert normalize_text.cache_info().misses == len(docs) <= NORMALISED_TEXTS
