"""``provmix init [PATH]``: write a commented example config holding every key at its default."""
from __future__ import annotations

import argparse
import os
from typing import Sequence

from provmix.pipeline.config_docs import example
from provmix.pipeline.options import UsageError


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="provmix init", description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("path", nargs="?", default="provmix.yaml", help="where to write it (default provmix.yaml)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    if os.path.exists(args.path) and not args.force:
        raise UsageError(f"{args.path} exists; use --force to replace it")
    with open(args.path, "w", encoding="utf-8") as f:
        f.write(example())
    print(f"provmix: wrote {args.path}; run with `provmix run --config {args.path} --input ... --output ...`")
    return 0
