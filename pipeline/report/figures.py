"""The report's plots: small matplotlib figures returned as base64 PNG data URIs.

Figures are built with :class:`matplotlib.figure.Figure`, not pyplot, so they render with the Agg canvas
whatever backend the process has chosen, and nothing global (pyplot's figure registry, the backend) is touched.
"""
from __future__ import annotations

import base64
import io
from typing import Mapping, Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogFormatter

from provmix.schemas import documents as d

# text from the web must never be parsed as mathtext ("$5 off" in a domain name or mix name)
STYLE = {"text.parse_math": False, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
LABEL_COLOURS = {d.HUMAN: "#2a9d8f", d.AI: "#e76f51", d.MT: "#e9c46a", d.UNKNOWN: "#8d99ae"}
OTHER_COLOUR = "#bbbbbb"
WIDTH = 7.5  # inches; at 100 dpi a figure is 750 px wide


def label_colour(label: str) -> str:
    return LABEL_COLOURS.get(label, OTHER_COLOUR)


def _log_scale(ax: Axes, which: str) -> None:
    """A log x or y axis labelled with plain numbers (mathtext is off, so 10^k labels would show raw)."""
    getattr(ax, f"set_{which}scale")("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False))  # labels minor ticks only on short axes


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(height: float, ncols: int = 1) -> tuple[Figure, np.ndarray]:
    """A figure of the report's width and one row of ``ncols`` axes; call inside ``rc_context(STYLE)``."""
    fig = Figure(figsize=(WIDTH, height))
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def stacked_shares(rows: Sequence[str], shares: Mapping[str, Sequence[float]]) -> str:
    """Horizontal bars, one per row, split into the share of each label (``shares``: label → one share per row)."""
    with rc_context(STYLE):
        fig, (ax,) = _figure(0.6 + 0.28 * len(rows))
        left = np.zeros(len(rows))
        for label, values in shares.items():
            ax.barh(rows, values, left=left, color=label_colour(label), label=label)
            left += np.asarray(values, float)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("share of documents")
        ax.legend(ncols=len(shares), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return _png(fig)


def share_vs_target(names: Sequence[str], achieved: Sequence[float | None], targets: Sequence[float | None],
                    xlabel: str) -> str:
    """Human share per mix/scope as bars, its floor target as a black tick; "(empty)" where nothing was kept."""
    names = [name if share is not None else f"{name} (empty)" for name, share in zip(names, achieved)]
    with rc_context(STYLE):
        fig, (ax,) = _figure(0.8 + 0.3 * len(names))
        y = np.arange(len(names))
        ax.barh(y, [a or 0.0 for a in achieved], color=LABEL_COLOURS[d.HUMAN], label="human share achieved")
        marked = [(i, t) for i, t in enumerate(targets) if t is not None]
        if marked:
            ax.scatter([t for _, t in marked], [i for i, _ in marked], marker="|", s=300, color="black",
                       linewidths=2, label="floor target", zorder=3)
        ax.set_yticks(y, names)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, frameon=False)
        return _png(fig)


def score_histograms(bins: np.ndarray, counts: Mapping[str, Mapping[str, np.ndarray]],
                     columns: Sequence[str]) -> str:
    """One panel per score column; one step histogram per label, normalised to that label's scored documents."""
    with rc_context(STYLE):
        fig, axes = _figure(3.0, ncols=len(columns))
        for ax, column in zip(axes, columns):
            for label, per_column in counts.items():
                hist = per_column[column]
                if hist.sum():
                    ax.stairs(hist / hist.sum(), bins, color=label_colour(label), linewidth=1.8)
            ax.set_xlim(0, 1)
            ax.set_xlabel(column)
            ax.set_ylabel("share of the label's documents")
        handles = [Line2D([], [], color=label_colour(label), linewidth=1.8) for label in counts]
        fig.legend(handles, list(counts), ncols=len(counts), frameon=False, loc="upper left")
        fig.tight_layout(rect=(0, 0, 1, 0.9))
        return _png(fig)


def cluster_sizes(ranges: Sequence[str], clusters: Sequence[int]) -> str:
    """Clusters per size range on a log axis (sizes are long-tailed)."""
    with rc_context(STYLE):
        fig, (ax,) = _figure(2.8)
        ax.bar(ranges, clusters, width=0.7, color="#457b9d")
        if len(ranges) > 8:
            ax.tick_params(axis="x", labelrotation=45)
        _log_scale(ax, "y")
        ax.set_ylim(bottom=0.5)  # a cluster count of 1 still shows as a bar
        ax.set_xlabel("cluster size (documents)")
        ax.set_ylabel("clusters")
        return _png(fig)


def horizontal_bars(counts: Mapping[str, int], xlabel: str, colour: str = "#e76f51") -> str:
    """One bar per key, largest first, on a log axis when the counts span more than two orders of magnitude."""
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    with rc_context(STYLE):
        fig, (ax,) = _figure(0.6 + 0.28 * len(ordered))
        ax.barh([k for k, _ in ordered], [v for _, v in ordered], color=colour)
        values = [v for _, v in ordered if v > 0]
        if values and max(values) > 100 * min(values):
            _log_scale(ax, "x")
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        return _png(fig)


def stage_flow(stages: Sequence[str], series: Mapping[str, Sequence[int]]) -> str:
    """Grouped bars per stage: records in, out and rejected."""
    colours = {"in": "#457b9d", "out": "#2a9d8f", "rejected": "#e76f51"}
    with rc_context(STYLE):
        fig, (ax,) = _figure(2.8)
        x = np.arange(len(stages))
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name,
                   color=colours.get(name, OTHER_COLOUR))
        ax.set_xticks(x, stages)
        ax.set_ylabel("records")
        ax.legend(frameon=False, ncols=len(series))
        return _png(fig)
