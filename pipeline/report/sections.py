"""The report's sections, each built from the manifest and the Parquet scan."""
from __future__ import annotations

from typing import Mapping, Sequence

from provmix.pipeline.floor.config import GLOBAL
from provmix.pipeline.report import figures
from provmix.pipeline.report.metrics import stage_throughput
from provmix.pipeline.report.page import (Markup, Section, cards, code, heading, image, json_block, key_values, paragraph,
                                  percent, styled, table)
from provmix.pipeline.report.scan import SCORE_BINS, SCORE_COLUMNS, MixTally, RunScan
from provmix.schemas import documents as d

TOP_LANGUAGES = 20  # languages plotted one by one; the rest are summed into "other"
MAX_FLOOR_BARS = 40  # floor scopes plotted (lowest human share first); the table lists them all
MAX_INPUT_ROWS = 200
OTHER = "other"


def _ordered_labels(labels: Sequence[str]) -> list[str]:
    return [lb for lb in d.LABELS if lb in labels] + sorted(set(labels) - set(d.LABELS))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def overview(manifest: dict) -> Section:
    counts = manifest["counts"]
    wall = manifest.get("wall_seconds") or 0
    verified = manifest.get("verified")
    parts = [
        cards([("read", counts["read"]), ("kept", counts["kept"]), ("rejected", counts["rejected"]),
               ("failed", counts["failed"]), ("wall seconds", float(wall)),
               ("records read per second", counts["read"] / wall if wall else None),
               ("verified", styled(verified, "ok" if verified else "bad"))]),
        key_values([
            ("started", manifest.get("started_at")), ("finished", manifest.get("finished_at")),
            ("runner", manifest.get("runner")), ("provmix", manifest.get("provmix_version")),
            ("stages run", manifest.get("stages_run", [])),
            *((f"skipped stage {s}", why) for s, why in (manifest.get("stages_skipped") or {}).items()),
            *((f"skipped records: {kind}", n) for kind, n in counts.get("skipped_records", {}).items()),
        ]),
    ]
    parts += [paragraph(f"problem: {problem}", "bad") for problem in manifest.get("problems") or []]
    return Section("overview", "Run overview", parts)


def _language_rows(tally: MixTally) -> tuple[list[str], dict[str, list[int]]]:
    """The largest languages by documents, the rest summed as "other": names and label → counts per row."""
    by_language = sorted(tally.by_language().items(), key=lambda kv: (-kv[1][0], kv[0]))
    shown = [lang for lang, _ in by_language[:TOP_LANGUAGES]]
    labels = _ordered_labels([label for _, label in tally.cells])
    counts = {label: [0] * (len(shown) + 1) for label in labels}
    for (lang, label), (docs, _) in tally.cells.items():
        counts[label][shown.index(lang) if lang in shown else len(shown)] += docs
    if len(by_language) <= TOP_LANGUAGES:
        return shown, {label: c[:-1] for label, c in counts.items()}
    return [*shown, OTHER], counts


def labels(manifest: dict, scan: RunScan) -> Section:
    primary = next(iter(manifest["mixes"]), None)
    mix = manifest["mixes"].get(primary, {})
    docs, tokens = mix.get("documents", 0), mix.get("tokens", 0)
    by_label, tokens_by_label = manifest["by_label"], mix.get("tokens_by_label", {})
    parts = [
        paragraph(f"Documents kept in the primary mix “{primary}”, by provenance label."),
        table(["label", "documents", "share", "tokens", "token share"], [
            (label, by_label[label], percent(_share(by_label[label], docs)), tokens_by_label.get(label),
             percent(_share(tokens_by_label.get(label, 0), tokens)))
            for label in _ordered_labels(list(by_label))
        ]),
    ]
    tally = scan.mixes.get(primary)
    if tally is None or not tally.cells:
        return Section("labels", "Label shares", [*parts, paragraph("The primary mix holds no documents.")])
    languages, counts = _language_rows(tally)
    totals = [sum(c[i] for c in counts.values()) for i in range(len(languages))]
    shares = {label: [_share(n, t) or 0.0 for n, t in zip(c, totals)] for label, c in counts.items()}
    parts += [
        heading("Per language"),
        image(figures.stacked_shares(languages, shares), "label shares per language, largest first"),
        table(["language", "documents", *counts], [
            (lang, total, *(percent(shares[label][i]) for label in counts))
            for i, (lang, total) in enumerate(zip(languages, totals))
        ]),
    ]
    return Section("labels", "Label shares", parts)


def floor_reports(manifest: dict) -> list[dict]:
    """The floor's reports, one per mix and scope (absent or null in runs without a floor)."""
    return [report for report in manifest.get("floor") or [] if isinstance(report, dict)]


def _scope_name(report: dict) -> str:
    scope = report.get("scope") or GLOBAL
    return f"{report.get('mix', '?')} · {scope}" + ("" if scope == GLOBAL else f" = {report.get('key')}")


def _dropped(report: dict) -> int | None:
    downsampled = report.get("downsampled")
    return sum(c.get("docs", 0) for c in downsampled.values()) if isinstance(downsampled, dict) else None


def _floor_from_reports(reports: list[dict]) -> list[Markup]:
    worst = sorted(reports, key=lambda r: (r.get("achieved") is not None, r.get("achieved") or 0.0))
    plotted = worst[:MAX_FLOOR_BARS]
    units = sorted({str(r.get("unit", "tokens")) for r in reports})
    parts = [
        image(figures.share_vs_target([_scope_name(r) for r in plotted], [r.get("achieved") for r in plotted],
                                      [r.get("target") for r in plotted], f"human share of {'/'.join(units)}"),
              "human share against the floor target"),
    ]
    if len(reports) > len(plotted):
        parts.append(paragraph(f"Plot shows the {len(plotted)} scopes with the lowest human share "
                               f"of {len(reports)}; the table lists all."))
    parts.append(table(
        ["mix · scope", "unit", "policy", "target", "before floor", "achieved", "documents dropped", "status",
         "shortfalls"],
        [(_scope_name(r), r.get("unit"), r.get("policy"), percent(r.get("target")),
          percent(r.get("achieved_before")), percent(r.get("achieved")), _dropped(r),
          styled(r.get("status"), "ok" if r.get("status") == "ok" else "bad"),
          ", ".join(str(s.get("constraint")) for s in r.get("shortfall") or []) or None)
         for r in reports]))
    return parts


def _floor_recomputed(manifest: dict, scan: RunScan) -> list[Markup]:
    names = list(manifest["mixes"])
    shares = {name: scan.mixes[name].human_share() for name in names}
    return [
        paragraph("The manifest holds no floor reports (no floor ran, or an older run): human shares are "
                  "recomputed from the mix Parquet files; there is no target to compare with."),
        image(figures.share_vs_target(names, [shares[n][1] for n in names], [None] * len(names),
                                      "human share of tokens"), "human share per mix"),
        table(["mix", "documents", "tokens", "human share (documents)", "human share (tokens)", "floor rejected"],
              [(name, manifest["mixes"][name].get("documents"), manifest["mixes"][name].get("tokens"),
                percent(shares[name][0]), percent(shares[name][1]),
                manifest["mixes"][name].get("floor_rejected")) for name in names]),
    ]


def floor(manifest: dict, scan: RunScan) -> Section:
    reports = floor_reports(manifest)
    parts = _floor_from_reports(reports) if reports else _floor_recomputed(manifest, scan)
    return Section("floor", "Human share vs floor target", parts)


def scores(scan: RunScan) -> Section:
    histograms = scan.scores
    ordered = {label: histograms.counts[label] for label in _ordered_labels(list(histograms.counts))}
    scored = [c for c in SCORE_COLUMNS if any(per_column[c].sum() for per_column in ordered.values())]
    parts = [
        image(figures.score_histograms(SCORE_BINS, ordered, scored), "detector score histograms per label"),
        paragraph(f"Calibrated detector probabilities of every document in {scan.scores_source}, per final label; "
                  "each curve sums to 1."),
    ] if scored else [
        paragraph(f"No document in {scan.scores_source} carries a detector score (no AI or MT detector ran)."),
    ]
    parts.append(table(["label", *(f"{c} {what}" for c in SCORE_COLUMNS for what in ("scored", "missing"))], [
        (label, *(n for c in SCORE_COLUMNS for n in (int(per_column[c].sum()), histograms.missing[(label, c)])))
        for label, per_column in ordered.items()]))
    return Section("scores", "Detector scores by label", parts)


def duplicates(manifest: dict, scan: RunScan) -> Section:
    sizes = scan.clusters.clusters_by_size()
    dedup = manifest.get("dedup")
    if not sizes and not dedup:
        return Section("duplicates", "Duplicate clusters", [
            paragraph(f"No document in {scan.scores_source} carries a cluster size: deduplication did not run.")])
    parts: list[Markup] = []
    if sizes:
        binned = scan.clusters.binned()
        clustered = sum(size * n for size, n in sizes.items() if size > 1)
        parts += [
            cards([("clusters", sum(sizes.values())), ("clusters with duplicates", sum(
                n for size, n in sizes.items() if size > 1)), ("documents in those clusters", clustered),
                   ("largest cluster", max(sizes))]),
            image(figures.cluster_sizes(*zip(*[(r, n) for r, n, _ in binned])),
                  "duplicate cluster size distribution"),
            table(["cluster size", "clusters", "documents"], binned),
        ]
    if dedup:
        parts += [heading("Deduplication settings"), key_values(dedup.items())]
    return Section("duplicates", "Duplicate clusters", parts)


def rejects(manifest: dict) -> Section:
    by_stage: Mapping[str, Mapping[str, int]] = manifest["by_stage"]
    rows = [(stage, reason, n) for stage, reasons in by_stage.items() for reason, n in reasons.items()]
    floor_rejected = {name: m.get("floor_rejected", 0) for name, m in manifest["mixes"].items()}
    if not rows:
        return Section("rejects", "Rejects by stage and reason", [paragraph("No record was rejected.")])
    parts = [
        cards([("rejected", manifest["counts"]["rejected"]), ("failed", manifest["counts"]["failed"])]),
        image(figures.horizontal_bars({f"{stage} · {reason}": n for stage, reason, n in rows}, "records"),
              "rejects by stage and reason"),
        table(["stage", "reason", "records", "share of read"],
              [(s, r, n, percent(_share(n, manifest["counts"]["read"]))) for s, r, n in rows]),
    ]
    if any(floor_rejected.values()):
        parts += [heading("Floor rejections per mix"), table(["mix", "documents"], floor_rejected.items())]
    return Section("rejects", "Rejects by stage and reason", parts)


def throughput(manifest: dict) -> Section:
    wall = manifest.get("wall_seconds") or 0
    counts = manifest["counts"]
    rows = stage_throughput(manifest.get("metrics") or {}, manifest.get("stages_run") or [])
    parts = [cards([("records read / s (wall)", counts["read"] / wall if wall else None),
                    ("documents kept / s (wall)", counts["kept"] / wall if wall else None)])]
    if not rows:
        return Section("throughput", "Throughput per stage",
                       [*parts, paragraph("The runner reported no metrics for this run.")])
    flowing = [r for r in rows if r.records_in is not None or r.records_out is not None]
    if flowing:
        parts.append(image(figures.stage_flow([r.stage for r in flowing], {
            "in": [r.records_in or 0 for r in flowing], "out": [r.records_out or 0 for r in flowing],
            "rejected": [r.rejected for r in flowing]}), "records in, out and rejected per stage"))
    parts.append(table(["stage", "in", "out", "rejected", "busy seconds", "records / busy second",
                        "other counters"], [
        (r.stage, r.records_in, r.records_out, r.rejected, r.seconds, r.docs_per_second,
         ", ".join(f"{k}={v:,}" for k, v in r.other.items()) or None) for r in rows]))
    parts.append(paragraph(
        "Busy seconds: a stage's processing time summed over all workers (the micros counter); records per busy "
        "second is its rate on one worker." if any(r.seconds for r in rows) else
        "The stages reported no timing counters: per-stage rates are not available; the wall-clock rates above "
        "cover the whole run."))
    return Section("throughput", "Throughput per stage", parts)


def _inputs_table(inputs: list[dict]) -> list[Markup]:
    shown = inputs[:MAX_INPUT_ROWS]
    parts = [
        cards([("input files", len(inputs)), ("bytes", sum(i.get("bytes", 0) for i in inputs)),
               ("records", sum(i.get("records", 0) for i in inputs)),
               ("files with errors", sum(1 for i in inputs if i.get("error")))]),
        table(["path", "format", "bytes", "records", "skipped", "error"], [
            (code(i.get("path")), i.get("format"), i.get("bytes"), i.get("records"),
             ", ".join(f"{k}={v}" for k, v in (i.get("skipped") or {}).items()) or None, i.get("error"))
            for i in shown]),
    ]
    if len(inputs) > len(shown):
        parts.append(paragraph(f"First {len(shown)} of {len(inputs)} input files; manifest.json lists all."))
    return parts


def configuration(manifest: dict) -> Section:
    models = manifest.get("models") or []
    parts = [
        key_values([("config sha256", code(manifest.get("config_sha256"))),
                    ("schema version", manifest.get("schema_version"))]),
        heading("Models"),
        *([key_values(model.items()) for model in models] or [paragraph("No detector model was loaded.")]),
        heading("Software versions"),
        table(["package", "version"], (manifest.get("versions") or {}).items()),
        heading("Inputs"),
        *_inputs_table(manifest.get("inputs") or []),
        heading("Configuration"),
        json_block(manifest.get("config") or {}),
    ]
    return Section("config", "Configuration, models and inputs", parts)


def all_sections(manifest: dict, scan: RunScan) -> list[Section]:
    return [overview(manifest), labels(manifest, scan), floor(manifest, scan), scores(scan),
            duplicates(manifest, scan), rejects(manifest), throughput(manifest), configuration(manifest)]
