"""The ``provmix`` command: ``run``, ``train``, ``eval``, ``report``.

User errors (no input, bad config, bad option values, a finished run in the way) end with one line on stderr
and exit status 2; set ``PROVMIX_DEBUG=1`` to see tracebacks.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Sequence

USAGE = """usage: provmix COMMAND [options]

commands:
  run     --input GLOB --output DIR [--config FILE] [--overwrite] [Beam options]   run the pipeline
  train   ai|mt [options]                                                          train a shipped detector
  eval    ai|mt --data FILE [options]                                              evaluate a detector
  report  OUTPUT_DIR                                                               write OUTPUT_DIR/report.html

`provmix COMMAND --help` describes a command's options."""

# command (and detector kind) → "module:function" taking argv and returning an exit status
_SUBCOMMANDS = {
    ("train", "ai"): "provmix.detectors.ai_text.train:main",
    ("train", "mt"): "provmix.detectors.machine_translation.train:main",
    ("eval", "ai"): "provmix.detectors.ai_text.evaluate:main",
    ("eval", "mt"): "provmix.detectors.machine_translation.evaluate:main",
    ("report",): "provmix.pipeline.report:main",
    ("mix",): "provmix.pipeline.remix:main",
}


class UsageError(ValueError):
    pass


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and embedders swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _fail(message: str, status: int = 2) -> int:
    print(f"provmix: error: {message}", file=sys.stderr)
    return status


def _run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        import argparse

        from provmix.pipeline.options import ProvmixOptions

        parser = argparse.ArgumentParser(
            prog="provmix run", epilog="Beam and runner options (--runner, --direct_num_workers, Dataflow and "
            "Flink options) pass through to Beam.")
        ProvmixOptions._add_argparse_args(parser)
        parser.print_help()
        return 0
    from provmix.pipeline.runner import run

    manifest = run(argv)
    counts = manifest["counts"]
    print(
        f"provmix: read {counts['read']}, kept {counts['kept']}, rejected {counts['rejected']}, "
        f"failed {counts['failed']} in {manifest['wall_seconds']:.1f}s",
        file=sys.stderr,
    )
    return 0


def _dispatch(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], list(argv[1:])
    if command == "run":
        return _run(rest)
    key = (command,) if (command,) in _SUBCOMMANDS else (command, rest[0] if rest else "")
    target = _SUBCOMMANDS.get(key)
    if target is None:
        kinds = sorted(k[1] for k in _SUBCOMMANDS if k[0] == command and len(k) > 1)
        if kinds:
            raise UsageError(f"`provmix {command}` needs one of: {', '.join(kinds)}")
        raise UsageError(f"unknown command {command!r} (run `provmix --help`)")
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)(rest[len(key) - 1:])


def main(argv: Sequence[str] | None = None) -> int:
    from provmix.pipeline.options import ConfigError
    from provmix.pipeline.runner import RunError

    argv = list(sys.argv[1:] if argv is None else argv)
    progress = logging.getLogger("provmix")
    if not progress.handlers:  # local runs show progress: one line per input file read
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("provmix: %(message)s"))
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)
        progress.propagate = False
    try:
        return _dispatch(argv)
    except (UsageError, ConfigError, RunError) as error:
        if os.environ.get("PROVMIX_DEBUG"):
            raise
        return _fail(str(error))
    except SystemExit as exit_:  # argparse's own errors already printed one usage line
        return exit_.code if isinstance(exit_.code, int) else 2
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
