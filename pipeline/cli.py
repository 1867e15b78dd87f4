"""The ``provmix`` command: ``run``, ``finalize``, ``init``, ``report``, ``mix``, ``train``, ``eval``.

User errors (bad command line, config or inputs, an unwritable output, a finished run in the way) end with one
line on stderr and exit status 2; set ``PROVMIX_DEBUG=1`` to see tracebacks. A finished run exits with one of
the statuses in :data:`EXIT_CODES`, so a scheduler can tell an empty mix from a floor shortfall.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import re
import sys
from typing import Iterator, Sequence

OK, INTERNAL, USAGE_ERROR, EMPTY_MIX, SHORTFALL, FLOOR_FAILED, UNVERIFIED = 0, 1, 2, 3, 4, 5, 6
EXIT_CODES = {
    OK: "success",
    INTERNAL: "unexpected error (a bug: rerun with PROVMIX_DEBUG=1 and report the traceback)",
    USAGE_ERROR: "bad command line, config, input or output (one line on stderr says which)",
    EMPTY_MIX: "a mix kept no document (--allow-empty accepts it)",
    SHORTFALL: "a human floor reported a shortfall (--allow-shortfall accepts it)",
    FLOOR_FAILED: "a floor with policy 'fail' was not met: manifest written with status 'failed', no table",
    UNVERIFIED: "the outputs failed their checks against the manifest's counts",
}

# command → (one-line help, "module:function" taking argv and returning an exit status, detector kinds)
_COMMANDS = {
    "run": ("run the pipeline: --input GLOB --output DIR [--config FILE] [Beam options]",
            "provmix.pipeline.cli:run_command", ()),
    "finalize": ("commit a finished job's staged outputs and write OUTPUT_DIR/manifest.json",
                 "provmix.pipeline.cli:finalize_command", ()),
    "init": ("write a commented example config (default provmix.yaml)", "provmix.pipeline.init:main", ()),
    "report": ("write OUTPUT_DIR/report.html for a finished run", "provmix.pipeline.report:main", ()),
    "mix": ("remix a finished run under a new mix config: provmix mix RUN --config FILE --output DIR",
            "provmix.pipeline.remix:main", ()),
    "train": ("train a shipped detector: provmix train ai|mt [options]", "provmix.detectors.training.{}.train:main",
              ("ai", "mt")),
    "eval": ("evaluate a detector on labelled data: provmix eval ai|mt --data FILE [options]",
             "provmix.detectors.evaluation.{}:main", ("ai", "mt")),
}
_KIND_PACKAGES = {"ai": "ai_text", "mt": "machine_translation"}
_BEAM_LOG_LEVEL = "--default_sdk_harness_log_level"
_VERBOSITY = {"-q": -1, "--quiet": -1, "-v": 1, "--verbose": 1}
_MARKUP = re.compile(r":[a-z]+:`~?([^`]+)`|``([^`]+)``|`([^`]+)`")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and embedders swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def plain(text: str) -> str:
    """``text`` without reStructuredText markup (``x``, :class:`x`): help is read in a terminal."""
    return _MARKUP.sub(lambda m: next(g for g in m.groups() if g is not None), text)


@contextlib.contextmanager
def plain_help() -> Iterator[None]:
    """Every argparse help printed meanwhile (ours and the detector commands') comes out as plain text."""
    original = argparse.ArgumentParser.format_help
    argparse.ArgumentParser.format_help = lambda self: plain(original(self))
    try:
        yield
    finally:
        argparse.ArgumentParser.format_help = original


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("provmix")
    except metadata.PackageNotFoundError:
        return "unknown"


def split_verbosity(argv: Sequence[str]) -> tuple[int, list[str]]:
    """(-1 quiet, 0 default, 1 verbose) and ``argv`` without the -q/-v flags (accepted anywhere)."""
    level, rest = 0, []
    for arg in argv:
        if arg in _VERBOSITY:
            level = _VERBOSITY[arg]
        else:
            rest.append(arg)
    return level, rest


def configure_logging(verbosity: int) -> None:
    """provmix's progress lines on stderr (off with -q); Beam's and other libraries' logs only with -v.

    Must run before apache_beam is imported: its GCP io module logs an "apitools not found" warning on import.
    """
    progress = logging.getLogger("provmix")
    if not progress.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("provmix: %(message)s"))
        progress.addHandler(handler)
        progress.propagate = False
    progress.setLevel(logging.WARNING if verbosity < 0 else logging.INFO)
    root = logging.getLogger()
    if not root.handlers:  # else an embedder or pytest configured logging: leave it alone
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s: %(message)s"))
        root.addHandler(handler)
    for handler in root.handlers:
        if isinstance(handler, _StderrHandler):
            handler.setLevel(logging.INFO if verbosity > 0 else logging.ERROR)
    if verbosity > 0:
        root.setLevel(min(root.level or logging.WARNING, logging.INFO))


def usage() -> str:
    width = max(map(len, _COMMANDS))
    lines = ["usage: provmix [-q|-v] [--version] COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {summary}" for name, (summary, _, _) in _COMMANDS.items()]
    lines += ["", "options:", "  -q, --quiet    only the last lines (each mix's counts), warnings and errors",
              "  -v, --verbose  also Beam's own logs", "  --version      print the provmix version", "",
              "`provmix COMMAND --help` describes a command's options.", "", "exit status:"]
    lines += [f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items()]
    return "\n".join(lines)


def run_command(argv: Sequence[str]) -> int:
    from provmix.pipeline.options import beam_help, parse_run_args, run_help

    if any(a in ("-h", "--help") for a in argv):
        print(run_help())
        return OK
    if "--help-beam" in argv:
        print(beam_help())
        return OK
    from provmix.pipeline.runner import run

    args = parse_run_args(argv)
    return exit_status(run(argv), args.allow_empty, args.allow_shortfall)


def finalize_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="provmix finalize", description="Commit the staged outputs of a job that finished (e.g. a Flex "
        "Template or Airflow launch that returned before the job ended) and write its manifest.json. "
        "Idempotent: a run that already has its manifest is left as it is.")
    parser.add_argument("output", metavar="OUTPUT_DIR", help="the --output directory of the job")
    from provmix.pipeline.options import add_outcome_flags
    from provmix.pipeline.runner import finalize

    add_outcome_flags(parser)
    args = parser.parse_args(argv)

    return exit_status(finalize(args.output), args.allow_empty, args.allow_shortfall)


def exit_status(manifest: dict, allow_empty: bool, allow_shortfall: bool) -> int:
    """Log each mix's counts and floor status (at warning level: -q keeps them); the exit status the run's
    outcome calls for."""
    log_mixes(manifest)
    log = logging.getLogger("provmix")
    log.warning("%s in %.1fs: %s", manifest["status"], manifest["wall_seconds"], manifest.get("output", ""))
    if manifest["problems"]:
        log.error("outputs failed their checks: %s", "; ".join(manifest["problems"]))
        return UNVERIFIED
    return mix_outcome(manifest, allow_empty, allow_shortfall)


def log_mixes(manifest: dict) -> None:
    """One line per mix: its counts and floor status."""
    from provmix.pipeline.manifest import floor_status

    for name, mix in manifest["mixes"].items():
        c = mix["counts"]
        logging.getLogger("provmix").warning(
            "mix %s: read %d, kept %d, rejected %d, failed %d; floor %s", name, c["read"], c["kept"], c["rejected"],
            c["failed"], floor_status(manifest["floor"], name))


def mix_outcome(manifest: dict, allow_empty: bool, allow_shortfall: bool) -> int:
    """The exit status of a run's (or a remix's) mixes: floor failed, a mix empty, a shortfall, or ok."""
    from provmix.pipeline.manifest import floor_status

    if manifest["status"] == "failed":
        return FLOOR_FAILED
    if not allow_empty and any(m["documents"] == 0 for m in manifest["mixes"].values()):
        return EMPTY_MIX
    if not allow_shortfall and any(floor_status(manifest["floor"], n) != "ok" for n in manifest["mixes"]):
        return SHORTFALL
    return OK


def _command_help(name: str) -> str:
    summary, _, kinds = _COMMANDS[name]
    return (f"usage: provmix {name} {'|'.join(kinds)} [options]\n\n{summary}\n\n"
            + "\n".join(f"  provmix {name} {kind} --help" for kind in kinds))


def _dispatch(argv: Sequence[str]) -> int:
    from provmix.pipeline.options import UsageError

    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return OK if argv else USAGE_ERROR
    if argv[0] == "--version":
        print(f"provmix {version()}")
        return OK
    command, rest = argv[0], list(argv[1:])
    if command not in _COMMANDS:
        import difflib

        close = difflib.get_close_matches(command, _COMMANDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (run `provmix --help`)"
        raise UsageError(f"unknown command {command!r}{hint}")
    _, target, kinds = _COMMANDS[command]
    if kinds:
        if not rest or rest[0] in ("-h", "--help"):
            print(_command_help(command))
            return OK if rest else USAGE_ERROR
        if rest[0] not in kinds:
            raise UsageError(f"`provmix {command}` needs one of: {', '.join(kinds)} (not {rest[0]!r})")
        target, rest = target.format(_KIND_PACKAGES[rest[0]]), rest[1:]
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)(rest)


def main(argv: Sequence[str] | None = None) -> int:
    verbosity, argv = split_verbosity(sys.argv[1:] if argv is None else argv)
    configure_logging(verbosity)
    if verbosity <= 0 and argv[:1] == ["run"] and not any(a.startswith(_BEAM_LOG_LEVEL) for a in argv):
        argv = [*argv, f"{_BEAM_LOG_LEVEL}=ERROR"]  # SDK workers (multi_processing, portable) log their own INFO
    from provmix.pipeline.options import ConfigError, UsageError
    from provmix.pipeline.runner import RunError

    try:
        with plain_help():
            return _dispatch(argv)
    except (UsageError, ConfigError, RunError) as error:
        if os.environ.get("PROVMIX_DEBUG"):
            raise
        print(f"provmix: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except SystemExit as exit_:  # argparse's own errors already printed one usage line
        return exit_.code if isinstance(exit_.code, int) else USAGE_ERROR
    except KeyboardInterrupt:
        print("provmix: error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
