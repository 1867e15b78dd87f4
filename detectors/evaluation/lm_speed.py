"""ai-lm's cost per document on one core: ``python -m provmix.detectors.evaluation.lm_speed --max-tokens 128``.

Times :meth:`LanguageModel.features` (model body plus the fused post-processing) with one torch thread on
English texts long enough to fill ``max_tokens``, in CPU seconds (process time, so other load on a shared machine
does not count against it), and separately the post-processing alone on the same logits.
"""
from __future__ import annotations

import argparse
import time

from provmix.detectors.ai_text.lm import POST_ROWS, load_language_model, token_statistics
from provmix.detectors.normalize import normalize_text
from provmix.detectors.training.ai_text.fit import load_rows
from provmix.detectors.training.ai_text.lm_data import default_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.evaluation.lm_speed", description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--docs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--model", help="LM folder or .gguf (default: the bundled SmolLM2)")
    args = parser.parse_args(argv)
    lm = load_language_model(args.model, max_tokens=args.max_tokens, batch_size=args.batch_size, threads=1)
    long_enough = 8 * args.max_tokens
    texts = [normalize_text(r["text"][:long_enough]) for r in load_rows(default_files()[:3])
             if r.get("lang") == "en" and len(r["text"]) >= long_enough][: args.docs]
    lm.features(texts[:1])  # warm-up
    start = time.process_time()
    lm.features(texts)
    total = time.process_time() - start
    torch = lm.torch
    full = [ids for ids in lm.encode(texts) if len(ids) == args.max_tokens + 1][: args.batch_size]
    ids = torch.tensor(full)
    with torch.inference_mode():
        logits = lm.model(input_ids=ids).logits
        start = time.process_time()
        for row in range(0, len(ids), POST_ROWS):
            token_statistics(torch, logits[row : row + POST_ROWS, :-1], ids[row : row + POST_ROWS, 1:])
        post = (time.process_time() - start) / len(ids)
    print(f"{lm.name} at {args.max_tokens} tokens: {len(texts) / total:.2f} docs/CPU-s "
          f"({total / len(texts):.2f} CPU-s per doc, post-processing {post:.3f} CPU-s of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
