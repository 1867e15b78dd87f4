"""Train and quantise one fastText classifier in this process: ``python -m provmix.detectors.training.machine_translation.train_one``.

:mod:`detectors.training.machine_translation.train` runs this module once per model, each in a fresh interpreter, one after
the other. fasttext-numpy2 0.10.4 raises a spurious "Encountered NaN" on some runs of identical input and arguments;
whether it does depends on the process (a fresh process with the same input may pass), and once it has happened
every later attempt in the same process fails too. So this module makes one attempt and exits with
:data:`NAN_EXIT` on that error; the caller starts a new process.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

import fasttext

NAN_EXIT = 75  # exit status for the spurious NaN: retry in a fresh process


def train_quantized(lines_path: str, out_path: str, train: dict, quantize: dict, seed: int) -> None:
    """Train on the fastText lines file, quantise and save to ``out_path`` (single-threaded, seeded)."""
    model = fasttext.train_supervised(lines_path, thread=1, seed=seed, verbose=0, **train)
    model.quantize(input=lines_path, thread=1, verbose=0, epoch=train["epoch"], lr=train["lr"], **quantize)
    model.save_model(out_path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provmix.detectors.training.machine_translation.train_one", description=__doc__.split("\n")[0])
    parser.add_argument("lines", help="fastText training lines (__label__X tokens ...)")
    parser.add_argument("out", help="quantised model path (.ftz)")
    parser.add_argument("--train", required=True, help="JSON: fastText train_supervised arguments")
    parser.add_argument("--quantize", required=True, help="JSON: fastText quantize arguments")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        train_quantized(args.lines, args.out, json.loads(args.train), json.loads(args.quantize), args.seed)
    except RuntimeError as error:
        if "NaN" not in str(error):
            raise
        print(f"{args.out}: {error}", file=sys.stderr)
        return NAN_EXIT
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
