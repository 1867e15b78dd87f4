"""``OUTPUT/README.md``: a Hugging Face dataset card whose ``configs:`` name every table of a run.

``datasets.load_dataset(OUTPUT, "<mix>")`` then loads one mix, ``"labels"`` the labels, ``"rejected"`` the
rejects and ``"documents"`` every labelled document; DuckDB, polars and pyarrow read the same globs.
"""
from __future__ import annotations

import yaml
from apache_beam.io.filesystems import FileSystems

CARD = "README.md"
TABLES = ("labels", "rejected", "documents")  # output tables besides the mixes; a mix may not take their names


def table_glob(tag: str) -> str:
    """The files of a written table, relative to the run: ``mix:<name>`` → ``mix/<name>/*.parquet``."""
    kind, _, name = tag.partition(":")
    return f"mix/{name}/*.parquet" if kind == "mix" else f"{kind}/*.parquet"


def card_text(mix_names: list[str], written: dict[str, list[list]]) -> str:
    """The card: YAML front matter (one config per table, the first mix the default) and a short description."""
    tags = [f"mix:{name}" for name in mix_names] + [t for t in TABLES if t in written]
    configs = [{"config_name": tag.partition(":")[2] or tag,
                "data_files": [{"split": "train", "path": table_glob(tag)}]} for tag in tags]
    configs[0]["default"] = True
    rows = {tag: sum(n for _, n in written.get(tag, [])) for tag in tags}
    lines = ["# provmix run", "", "| config | files | rows |", "|---|---|---|"]
    lines += [f"| `{c['config_name']}` | `{table_glob(tag)}` | {rows[tag]} |" for c, tag in zip(configs, tags)]
    lines += ["", "Every record read is accounted for in `manifest.json`; `datasets.load_dataset(THIS_DIR, CONFIG)` "
              "loads one table."]
    front = yaml.safe_dump({"configs": configs}, sort_keys=False)
    return f"---\n{front}---\n\n" + "\n".join(lines) + "\n"


def write_card(output: str, mix_names: list[str], written: dict[str, list[list]]) -> str:
    path = FileSystems.join(output, CARD)
    if FileSystems.exists(path):
        FileSystems.delete([path])
    with FileSystems.create(path, mime_type="text/markdown") as sink:
        sink.write(card_text(mix_names, written).encode("utf-8"))
    return path
