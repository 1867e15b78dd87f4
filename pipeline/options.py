"""Run configuration: one YAML file validated into typed sections, CLI flags on top, Beam options passed through.

Every section is a frozen dataclass owned by its stage module; unknown keys and wrong types are errors that
name the offending key. ``ProvmixOptions`` is a ``PipelineOptions`` subclass, so ``--help`` on any runner
lists provmix's own flags.
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar

import yaml
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from provmix.pipeline.dedup import DedupConfig
from provmix.pipeline.detect import DetectConfig
from provmix.pipeline.extract import ExtractConfig
from provmix.pipeline.floor import MixConfig
from provmix.pipeline.label import LabelConfig
from provmix.pipeline.language import LanguageConfig
from provmix.pipeline.read.config import ReadConfig
from provmix.pipeline.write import WriteConfig


class ConfigError(ValueError):
    """A configuration problem, phrased for the user (one line)."""


@dataclass(frozen=True)
class RunConfig:
    read: ReadConfig = field(default_factory=ReadConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    detect: DetectConfig = field(default_factory=DetectConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    label: LabelConfig = field(default_factory=LabelConfig)
    mixes: list[MixConfig] = field(default_factory=lambda: [MixConfig()])
    write: WriteConfig = field(default_factory=WriteConfig)

    def __post_init__(self) -> None:
        names = [mix.name for mix in self.mixes]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"mixes: need at least one mix and unique names, got {names}")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()


_SCALARS = {int: (int,), float: (int, float), str: (str,), bool: (bool,), list: (list,), dict: (dict,)}


def _check_type(value: Any, annotation: Any, where: str) -> Any:
    origin = typing.get_origin(annotation) or annotation
    if origin is typing.Union or str(origin) == "types.UnionType":
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _check_type(value, option, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[0])
    accepted = _SCALARS.get(origin)
    if accepted is None:
        return value
    if isinstance(value, bool) and origin in (int, float):
        raise ConfigError(f"{where}: expected {origin.__name__}, got a boolean")
    if not isinstance(value, accepted):
        raise ConfigError(f"{where}: expected {origin.__name__}, got {type(value).__name__} {value!r}")
    return float(value) if origin is float else value


def build_section(cls: type, data: Mapping | None, where: str) -> Any:
    """A section dataclass from a mapping; unknown keys, wrong types and invalid values raise ConfigError."""
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = build_section(hint, value, f"{where}.{name}")
        elif typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            item_cls = typing.get_args(hint)[0]
            _check_type(value, list, f"{where}.{name}")
            values[name] = [build_section(item_cls, v, f"{where}.{name}[{i}]") for i, v in enumerate(value)]
        else:
            values[name] = _check_type(value, hint, f"{where}.{name}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from error


def load_config(path: str | None, overrides: Mapping[str, Mapping] | None = None) -> RunConfig:
    """The run config from a YAML file (or the defaults), with per-section overrides applied on top."""
    data: dict = {}
    if path:
        try:
            with FileSystems.open(path) as f:  # local, gs://, s3://…: a Flex Template reads it from the bucket
                data = yaml.safe_load(f.read().decode("utf-8")) or {}
        except OSError as error:
            raise ConfigError(f"cannot read config {path}: {error.strerror or error}") from error
        except yaml.YAMLError as error:
            raise ConfigError(f"config {path} is not valid YAML: {str(error).splitlines()[0]}") from error
        if not isinstance(data, dict):
            raise ConfigError(f"config {path}: expected a mapping at the top level")
    for section, values in (overrides or {}).items():
        if section == "mixes":  # a flag applies to every configured mix (or to the single default mix)
            data["mixes"] = [{**mix, **values} for mix in (data.get("mixes") or [{}])]
        else:
            data[section] = {**(data.get(section) or {}), **values}
    return build_section(RunConfig, data, "config")


def _flag(value: str) -> bool:
    """A boolean flag's value: ``--flag`` alone, or ``--flag=true|false`` as Flex Template launchers pass it."""
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {value!r}")


def add_outcome_flags(parser) -> None:
    """The flags that accept an outcome a scheduler would otherwise see as a failure (``run`` and ``finalize``)."""
    parser.add_argument("--allow_empty", "--allow-empty", dest="allow_empty", nargs="?", const=True,
                        default=False, type=_flag, help="exit 0, not 3, when a mix kept no document")
    parser.add_argument("--allow_shortfall", "--allow-shortfall", dest="allow_shortfall", nargs="?", const=True,
                        default=False, type=_flag, help="exit 0, not 4, when a human floor reported a shortfall")


_View = TypeVar("_View", bound=PipelineOptions)


class JobOptions(PipelineOptions):
    """The options a provmix job is built with: Beam's, but each view (``view_as``) made once per options class.

    Beam asks for a view about four times per transform while it builds a graph, and every new view re-parses all
    flags with a fresh argparse parser: 1.6 s of a 300-transform graph. Views share one option store, so a view
    made once is the same view Beam would make again.
    """

    def view_as(self, cls: type[_View]) -> _View:
        views = self.__dict__.setdefault("_views", {})
        if cls not in views:
            views[cls] = super().view_as(cls)
        return views[cls]


class ProvmixOptions(PipelineOptions):
    """provmix's own pipeline options (everything else goes to Beam and the runner)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--input", action="append", default=None,
                            help="input file pattern (a glob, local or any Beam FileSystems scheme: gs://, s3://); "
                                 "repeat --input for several patterns")
        parser.add_argument("--output", default=None, help="output directory (local or gs://, s3://, ...)")
        parser.add_argument("--config", default=None,
                            help="YAML run configuration, read through Beam FileSystems (`provmix init` writes "
                                 "an example; docs/config.md lists every key)")
        parser.add_argument("--overwrite", nargs="?", const=True, default=False, type=_flag,
                            help="replace a finished run already in --output, its report.html included "
                                 "(also --overwrite=true|false)")
        parser.add_argument("--checkpoint", nargs="?", const=True, default=True, type=_flag,
                            help="checkpoint each input file under OUTPUT/.work so that rerunning a killed run "
                                 "redoes only unfinished files (default true; --checkpoint=false streams "
                                 "record by record, which spreads one huge file over several workers)")
        parser.add_argument("--detectors", default=None,
                            help="comma-separated detector specs (overrides detect.detectors; '' for none)")
        parser.add_argument("--human_floor", "--human-floor", dest="human_floor", type=float, default=None,
                            help="minimum human share of every mix, 0 to 1 (overrides mixes[].human_floor)")
        parser.add_argument("--reference", action="append", default=None,
                            help="pattern of a curated human reference set (source 'reference'); repeatable")
        parser.add_argument("--synthetic", action="append", default=None,
                            help="pattern of deliberately generated data (source 'synthetic', labelled ai); "
                                 "repeatable")
        parser.add_argument("--num_shards", "--num-shards", dest="num_shards", type=int, default=None,
                            help="Parquet files per output table (overrides write.num_shards)")
        add_outcome_flags(parser)

    def overrides(self) -> dict[str, dict]:
        """Config sections set by flags."""
        out: dict[str, dict] = {}
        if self.detectors is not None:
            out["detect"] = {"detectors": [s.strip() for s in self.detectors.split(",") if s.strip()]}
        if self.human_floor is not None:
            out["mixes"] = {"human_floor": self.human_floor}
        if self.num_shards is not None:
            out["write"] = {"num_shards": self.num_shards}
        return out


class UsageError(ValueError):
    """A command line that names an unknown option or gives a bad value (one line for the user)."""


class _Parser(_BeamArgumentParser):
    """Beam's parser, failing with :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str):
        raise UsageError(message)


def _all_options_parser(prog: str = "provmix run") -> _Parser:
    """A parser of provmix's flags and every flag of Beam's registered ``PipelineOptions`` subclasses."""
    parser = _Parser(prog=prog, allow_abbrev=False, add_help=False)
    subclasses = {str(cls): cls for cls in PipelineOptions.__subclasses__()}  # as Beam's get_all_options
    for cls in subclasses.values():
        cls._add_argparse_args(parser)
    return parser


def parse_run_args(argv: list[str]) -> argparse.Namespace:
    """The ``provmix run`` flags; :class:`UsageError` (with "did you mean") for a flag neither provmix nor Beam
    knows, so a mistyped option never runs silently with its default."""
    parser = _all_options_parser()
    known, unknown = parser.parse_known_args(list(argv))
    for arg in unknown:
        if not arg.startswith("-"):
            raise UsageError(f"unexpected argument {arg!r} (each value follows its --option)")
        name = arg.split("=", 1)[0]
        close = difflib.get_close_matches(name, [o for o in parser._option_string_actions if o.startswith("--")],
                                          n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else " (`provmix run --help` lists the options)"
        raise UsageError(f"unknown option {name}{hint}")
    return known


def run_help() -> str:
    parser = argparse.ArgumentParser(
        prog="provmix run", allow_abbrev=False,
        description="Read, extract, identify languages, score, deduplicate, label and floor the input documents; "
                    "write OUTPUT/mix/<name>/, rejected/, labels/, README.md and manifest.json.",
        epilog="Beam and runner options (--runner, --direct_num_workers, Dataflow and Flink options) pass "
               "through to Beam: `provmix run --help-beam` lists them. Exit statuses: `provmix --help`.")
    ProvmixOptions._add_argparse_args(parser)
    return parser.format_help()


def beam_help() -> str:
    parser = _all_options_parser()
    parser.description = "Beam and runner options that `provmix run` passes through to Beam."
    return parser.format_help()
