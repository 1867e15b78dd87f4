"""HTML building blocks for a self-contained page: every piece of text goes through :func:`html.escape`.

Callers pass plain values; only the functions here produce markup, so nothing from a run (URLs, labels,
config values, paths) reaches the page unescaped.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Iterable, Sequence

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;margin:0;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
section{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:16px 20px;margin:18px 0}
nav a{margin-right:12px;color:#345;text-decoration:none}nav{margin:8px 0 0;font-size:13px}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #e8eaee;padding:3px 10px;text-align:left;vertical-align:top;overflow-wrap:break-word}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f0f2f5;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card span{color:#667;font-size:12px}
.note{color:#667;font-size:13px}.bad{color:#b42318;font-weight:600}.ok{color:#137333;font-weight:600}
pre{background:#f6f7f9;border:1px solid #e3e6eb;padding:10px;overflow:auto;font-size:12px;max-height:420px}
img{max-width:100%;height:auto;display:block;margin:6px 0}
code{font-size:12px;word-break:break-all}
"""


@dataclass(frozen=True)
class Markup:
    """A piece of HTML that is already safe (built by this module)."""

    html: str


def text(value: object) -> str:
    """Any value as escaped text; floats with 4 significant digits, integers with thousands separators."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return html.escape(str(value))


def percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"


def _cell(value: object, tag: str) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    body = value.html if isinstance(value, Markup) else text(value)
    return f'<{tag} class="n">{body}</{tag}>' if numeric else f"<{tag}>{body}</{tag}>"


def table(headers: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> Markup:
    """A table of escaped cells (numbers right-aligned); no header row when ``headers`` is None."""
    head = "" if headers is None else "<thead><tr>" + "".join(_cell(h, "th") for h in headers) + "</tr></thead>"
    body = "".join("<tr>" + "".join(_cell(v, "td") for v in row) + "</tr>" for row in rows)
    return Markup(f"<table>{head}<tbody>{body}</tbody></table>")


def key_values(pairs: Iterable[tuple[str, object]]) -> Markup:
    """A two-column table without header, values left-aligned; lists joined, mappings as compact JSON."""
    def flat(value: object) -> Markup:
        if isinstance(value, Markup):
            return value
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, default=str)
        return Markup(text(value))

    return table(None, [(key, flat(value)) for key, value in pairs])


def cards(items: Iterable[tuple[str, object]]) -> Markup:
    return Markup('<div class="cards">' + "".join(
        f'<div class="card"><b>{v.html if isinstance(v, Markup) else text(v)}</b><span>{text(k)}</span></div>'
        for k, v in items) + "</div>")


def image(data_uri: str, alt: str) -> Markup:
    if not data_uri.startswith("data:image/png;base64,"):
        raise ValueError("only embedded PNG images keep the report self-contained")
    return Markup(f'<img src="{data_uri}" alt="{html.escape(alt)}">')


def paragraph(message: str, css_class: str = "note") -> Markup:
    return Markup(f'<p class="{css_class}">{html.escape(message)}</p>')


def styled(value: object, css_class: str) -> Markup:
    return Markup(f'<span class="{css_class}">{text(value)}</span>')


def code(value: object) -> Markup:
    return Markup(f"<code>{text(value)}</code>")


def json_block(value: object) -> Markup:
    return Markup("<pre>" + html.escape(json.dumps(value, indent=2, sort_keys=True, default=str)) + "</pre>")


def heading(title: str, level: int = 3) -> Markup:
    return Markup(f"<h{level}>{html.escape(title)}</h{level}>")


@dataclass(frozen=True)
class Section:
    anchor: str  # a fixed identifier chosen by the report, never run data
    title: str
    parts: Sequence[Markup]

    def render(self) -> str:
        body = "\n".join(p.html for p in self.parts)
        return f'<section id="{self.anchor}"><h2>{html.escape(self.title)}</h2>\n{body}\n</section>'


def document(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole page: inline CSS, no scripts, no external resources."""
    nav = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    body = "\n".join(s.render() for s in sections)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
        f'<body><main><h1>{html.escape(title)}</h1><p class="note">{html.escape(subtitle)}</p>'
        f"<nav>{nav}</nav>\n{body}\n</main></body></html>\n"
    )
