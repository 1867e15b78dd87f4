"""Machine-translation traces in raw HTML: widgets, plugins and notices (a pure scanner, no weights).

:func:`find_mt_markers` runs in the extraction stage on every HTML page (one bounded regex pass); its result is
stored in ``html_signals.mt_markers``. The label stage (:mod:`provmix.pipeline.label.markup`) turns the markers
into weighted evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HTML_CHARS = 1_000_000  # head + tail scanned; widgets sit in <head> or at the end of <body>
_TAIL_CHARS = 200_000

@dataclass(frozen=True)
class Marker:
    """A trace: present when any literal ``needle`` occurs in the lower-cased HTML and, if set, ``confirm`` matches."""

    needles: tuple[str, ...]
    confirm: re.Pattern | None = None
GATE = "translat"


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Literal needles first (``str.__contains__`` is a fast C scan); a regex only where a needle is not specific enough.
MARKERS: dict[str, Marker] = {
    # client-side widgets: the served text is usually the original, the site offers MT on top
    "google_translate_widget": Marker(("translate_a/element.js", "googletranslateelementinit", "google_translate_element")),
    "google_translate_classes": Marker(("goog-te-",)),
    "bing_translator_widget": Marker(("microsofttranslator.com", "bing.com/translator", "microsofttranslatorwidget")),
    "yandex_translate_widget": Marker(("translate.yandex.", "yt-widget")),
    # pages that are themselves Google Translate output
    "google_translate_proxy": Marker((".translate.goog", "translate.googleusercontent.com", "_x_tr_sl=")),
    # website-translation services and plugins that serve machine-translated pages
    "gtranslate": Marker(("gtranslate",)),
    "weglot": Marker(("weglot",)),
    "conveythis": Marker(("conveythis",)),
    "transposh": Marker(("transposh",)),
    "translatepress": Marker(("translatepress", "data-trp-", "trp-language-switcher")),
    "linguise": Marker(("linguise",)),
    "localizejs": Marker(("localizejs", "cdn.localize.live")),
    # notices in the text
    "machine_translation_notice": Marker((
        "machine translat", "machine-translat", "automatically translated", "automatically-translated",
        "auto-translated", "translated by google", "translated with google", "translated with deepl",
        "translated by deepl", "translated by bing", "translated by microsoft", "translated by yandex",
        "maschinell übersetzt", "automatisch übersetzt", "traduit automatiquement", "traduction automatique",
        "traducido automáticamente", "traducción automática", "машинный перевод", "автоматический перевод",
        "strojový překlad", "strojově přeložen", "automaticky přeložen", "机器翻译", "機械翻訳", "自動翻訳",
    )),
    "translated_from_notice": Marker(
        ("translated from", "übersetzt aus dem", "traduit de l"), _re(r"translated from (?:the )?[a-z]{4,}|übersetzt aus dem|traduit de l['’]")
    ),
    # opt-out markers: weak (what an MT layer must skip, or the author asking browsers not to translate)
    "translate_no": Marker(("translate=\"no\"", "translate='no'", "translate=no")),
    "notranslate_class": Marker(("notranslate",), _re(r"class\s*=\s*[\"']?[^\"'>]{0,256}?\bnotranslate\b")),
    "google_notranslate_meta": Marker(("notranslate",), _re(r"<meta[^>]{1,512}?content\s*=\s*[\"']?notranslate")),
}

CLIENT_WIDGETS = frozenset({"google_translate_widget", "google_translate_classes", "bing_translator_widget", "yandex_translate_widget"})
SERVING_PLUGINS = frozenset({"gtranslate", "weglot", "conveythis", "transposh", "translatepress", "linguise", "localizejs"})
OPT_OUT = frozenset({"translate_no", "notranslate_class"})

_NEEDLES = [(name, needle) for name, marker in MARKERS.items() for needle in marker.needles]
_UNGATED_NEEDLES = [(name, needle) for name, needle in _NEEDLES if GATE not in needle]


def find_mt_markers(html: str) -> list[str]:
    """Sorted snake_case names of MT widget/plugin/notice traces in ``html`` (head and tail of huge pages)."""
    if len(html) > MAX_HTML_CHARS:
        html = html[: MAX_HTML_CHARS - _TAIL_CHARS] + "\n" + html[-_TAIL_CHARS:]
    low = html.lower()
    needles = _NEEDLES if GATE in low else _UNGATED_NEEDLES  # most pages never say "translat"
    found = {name for name, needle in needles if needle in low}
    return sorted(name for name in found if MARKERS[name].confirm is None or MARKERS[name].confirm.search(low))
