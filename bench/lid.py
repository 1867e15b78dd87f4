"""Language-ID candidates measured side by side on real texts: accuracy, short-text accuracy, speed, memory.

``python -m bench lid [--per-lang 300] [--seed 0] [--out bench/results/lid.json]``

None of the candidates was trained on the WMT22/23 test sets or the AI-text sets, so every text is held out. Each
candidate runs in its own subprocess so that its resident-memory cost is measured alone. Speed is one core, one
text at a time, on 2,000-character single-line prefixes (texts of one language joined until that long).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

from bench import corpus
from provmix.detectors.normalize import normalize_text, single_line

SHORT_CHARS = 100
SPEED_CHARS = 2000
FTZ_ENV = "PROVMIX_LID176"  # optional path to fastText's lid.176.ftz, measured as a reference when set

Classifier = Callable[[str], tuple[str, float]]


def load_sample(per_lang: int, seed: int) -> list[tuple[str, str]]:
    """``per_lang`` (lang, text) pairs per language: WMT for every language, English half from the AI-text sets."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for name in corpus.WMT_FILES:
        for row in corpus.read_rows(name):
            by_lang[row["lang"]].append(row["text"])
    english_web = [row["text"] for name in corpus.AI_TEXT_FILES for row in corpus.read_rows(name)]
    rng = random.Random(seed)
    sample = []
    for lang in sorted(by_lang):
        texts = by_lang[lang]
        if lang == "en":
            texts = rng.sample(texts, per_lang // 2) + rng.sample(english_web, per_lang - per_lang // 2)
        else:
            texts = rng.sample(texts, min(per_lang, len(texts)))
        sample.extend((lang, text) for text in texts)
    return sample


def short_prefix(text: str, limit: int = SHORT_CHARS) -> str:
    """At most ``limit`` characters, cut at the last space when the script uses spaces."""
    line = single_line(text)
    if len(line) <= limit:
        return line
    cut = line[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


def speed_texts(sample: list[tuple[str, str]], chars: int = SPEED_CHARS) -> list[str]:
    """Per language, texts joined into ``chars``-long single-line prefixes."""
    joined: dict[str, list[str]] = defaultdict(list)
    buffers: dict[str, str] = defaultdict(str)
    for lang, text in sample:
        buffers[lang] += " " + single_line(text)
        if len(buffers[lang]) >= chars:
            joined[lang].append(buffers[lang][1 : chars + 1])
            buffers[lang] = ""
    return [text for texts in joined.values() for text in texts]


def _iso(code: str) -> str:
    code = code.split("-")[0].lower()
    return {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}.get(code, code)


def _py3langid() -> Classifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: (lambda r: (r[0], float(r[1])))(model.classify(text))


def _lingua(low_accuracy: bool) -> Callable[[], Classifier]:
    def build() -> Classifier:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

        def classify(text: str) -> tuple[str, float]:
            values = detector.compute_language_confidence_values(text)
            if not values or values[0].value == 0.0:
                return "und", 0.0
            return values[0].language.iso_code_639_1.name.lower(), values[0].value

        return classify

    return build


def _cld3() -> Classifier:
    import gcld3

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=SPEED_CHARS * 4)

    def classify(text: str) -> tuple[str, float]:
        result = model.FindLanguage(text=text)
        return _iso(result.language), float(result.probability)

    return classify


def _fasttext_lid176() -> Classifier:
    import fasttext

    model = fasttext.load_model(os.environ[FTZ_ENV])

    def classify(text: str) -> tuple[str, float]:
        labels, probs = model.predict(text, k=1)
        return _iso(labels[0].removeprefix("__label__")), float(probs[0])

    return classify


CANDIDATES: dict[str, Callable[[], Classifier]] = {
    "py3langid": _py3langid,
    "lingua-high": _lingua(low_accuracy=False),
    "lingua-low": _lingua(low_accuracy=True),
    "cld3": _cld3,
    "fasttext-lid176": _fasttext_lid176,
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _accuracy(classify: Classifier, pairs: list[tuple[str, str]]) -> dict[str, float]:
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lang, text in pairs:
        hits[lang][0] += classify(text)[0] == lang
        hits[lang][1] += 1
    per_lang = {lang: right / total for lang, (right, total) in sorted(hits.items())}
    per_lang["all"] = sum(r for r, _ in hits.values()) / sum(t for _, t in hits.values())
    return per_lang


def _docs_per_cpu_second(classify: Classifier, texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        classify(text)
    return round(len(texts) / (time.process_time() - started), 1)


def measure(name: str, per_lang: int, seed: int, sweep: list[int]) -> dict:
    """Every number for one candidate (run in a fresh process for the memory figure).

    ``sweep``: extra prefix lengths at which accuracy and speed are also measured (choosing ``max_chars``).
    """
    sample = load_sample(per_lang, seed)
    normalised = [(lang, single_line(normalize_text(text[: SPEED_CHARS * 2]))) for lang, text in sample]
    short = [(lang, short_prefix(text)) for lang, text in normalised]
    rss_before = _rss_mb()
    started = time.perf_counter()
    classify = CANDIDATES[name]()
    classify("warm up the model with a sentence")
    load_s = time.perf_counter() - started
    timed = speed_texts(sample)
    result = {
        "candidate": name,
        "load_s": round(load_s, 3),
        "docs_per_s_2000_chars": _docs_per_cpu_second(classify, timed),
        "speed_docs": len(timed),
        "accuracy": _accuracy(classify, [(lang, text[:SPEED_CHARS]) for lang, text in normalised]),
        "accuracy_short": _accuracy(classify, short),
        "sweep": {
            chars: {
                "accuracy": _accuracy(classify, [(lang, text[:chars]) for lang, text in normalised])["all"],
                "docs_per_s": _docs_per_cpu_second(classify, speed_texts(sample, chars)),
            }
            for chars in sweep
        },
    }
    result["rss_added_mb"] = round(_rss_mb() - rss_before, 1)
    return result


def _table(results: list[dict]) -> str:
    langs = [k for k in results[0]["accuracy"] if k != "all"]
    head = ["candidate", "acc", "acc<=100", "docs/s", "RSS MB", "load s"] + langs
    rows = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in results:
        cells = [r["candidate"], f"{r['accuracy']['all']:.3f}", f"{r['accuracy_short']['all']:.3f}",
                 f"{r['docs_per_s_2000_chars']:.0f}", f"{r['rss_added_mb']:.0f}", f"{r['load_s']:.1f}"]
        cells += [f"{r['accuracy'][lang]:.2f}/{r['accuracy_short'][lang]:.2f}" for lang in langs]
        rows.append(" | ".join(cells))
    for r in results:
        for chars, numbers in r["sweep"].items():
            rows.append(f"{r['candidate']} at {chars} chars: accuracy {numbers['accuracy']:.3f}, "
                        f"{numbers['docs_per_s']:.0f} docs/s")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench lid", description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES))
    parser.add_argument("--sweep", type=int, nargs="*", default=[], help="extra prefix lengths to measure")
    parser.add_argument("--out", type=Path, default=Path("bench/results/lid.json"))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one candidate in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.per_lang, args.seed, args.sweep)))
        return 0
    results = []
    for name in args.candidates:
        if name == "fasttext-lid176" and not os.environ.get(FTZ_ENV):
            print(f"skip {name}: set {FTZ_ENV} to a lid.176.ftz path", file=sys.stderr)
            continue
        command = [sys.executable, "-m", "bench.lid", "--one", name, "--per-lang", str(args.per_lang),
                   "--seed", str(args.seed), "--sweep", *map(str, args.sweep)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(f"skip {name}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout))
        print(f"measured {name}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
