"""``python -m bench {generate,run,memory,lid,labels,startup} …``: benchmark shards, the throughput harness,
memory against corpus size, the language-ID study, labels against a shard's truth, start-up to the first record."""
from __future__ import annotations

import importlib
import sys

COMMANDS = {"generate": "bench.generate", "run": "bench.run", "memory": "bench.memory", "lid": "bench.lid",
            "labels": "bench.labels", "startup": "bench.startup"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m bench {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
