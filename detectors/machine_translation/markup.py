"""Machine-translation evidence from markup: widget/plugin traces in raw HTML, and evidence items from them.

:func:`find_mt_markers` runs in the extraction stage on every HTML page (one bounded regex pass); its result is
stored in ``html_signals.mt_markers``. :func:`markup_evidence` turns a document's ``html_signals`` and detected
``lang`` into evidence items ``{name, value, weight}`` for the label stage, which adds the weights (log-odds;
positive argues for MT, negative against) to the detector's ``logit(p_mt)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from provmix.schemas import documents as d

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
_GENERATOR_PLUGINS = re.compile("|".join(sorted(SERVING_PLUGINS)), re.IGNORECASE)

# evidence name → (weight, reason). Log-odds towards MT.
WEIGHTS: dict[str, tuple[float, str]] = {
    "mt_translated_page": (3.0, "the page is Google Translate proxy output"),
    "mt_notice": (2.5, "the page says it was machine/automatically translated"),
    "mt_serving_plugin": (1.0, "a plugin that serves machine-translated copies of the site's pages is installed"),
    "translated_from_notice": (0.5, "the page says it is a translation (human or machine)"),
    "mt_client_widget": (0.3, "the site offers in-browser MT; the crawled text is usually the original"),
    "mt_opt_out_markup": (0.2, "translate=no/notranslate marks what an MT layer must skip: translation tooling"),
    "author_notranslate_meta": (-0.3, "the author asks browsers not to translate: the text is meant as served"),
    "hreflang_alternates": (0.3, "2-4 declared language versions: the site is translated"),
    "hreflang_many_alternates": (0.8, "5+ declared language versions: many-way translation is mostly MT"),
    "declared_language_mismatch": (0.4, "<html lang> differs from the detected language: content swapped"
                                   " by a translation layer that left the template alone"),
}
_MARKER_EVIDENCE = (
    ("mt_translated_page", frozenset({"google_translate_proxy"})),
    ("mt_notice", frozenset({"machine_translation_notice"})),
    ("mt_serving_plugin", SERVING_PLUGINS),
    ("translated_from_notice", frozenset({"translated_from_notice"})),
    ("mt_client_widget", CLIENT_WIDGETS),
    ("mt_opt_out_markup", OPT_OUT),
    ("author_notranslate_meta", frozenset({"google_notranslate_meta"})),
)
MANY_ALTERNATES = 5


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


def primary_language(tag: str | None) -> str | None:
    """``de`` for ``de-AT``/``de_at``/``DE``; None for empty or ``x-default``."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def evidence(name: str, value: str) -> dict:
    return {d.NAME: name, d.VALUE: value, d.WEIGHT: WEIGHTS[name][0]}


def _marker_items(markers: set[str]) -> list[dict]:
    return [evidence(name, ",".join(sorted(markers & family))) for name, family in _MARKER_EVIDENCE if markers & family]


def _hreflang_item(hreflang: list[dict] | None) -> list[dict]:
    langs = {lang for entry in hreflang or [] if (lang := primary_language(entry.get(d.LANG)))}
    if len(langs) < 2:
        return []
    name = "hreflang_many_alternates" if len(langs) >= MANY_ALTERNATES else "hreflang_alternates"
    return [evidence(name, str(len(langs)))]


def _mismatch_item(signals: dict, detected: str | None) -> list[dict]:
    declared = primary_language(signals.get(d.HTML_LANG))
    detected = primary_language(detected)
    if declared and detected and declared != detected:
        return [evidence("declared_language_mismatch", f"html_lang={declared},detected={detected}")]
    return []


def markup_evidence(doc: dict) -> list[dict]:
    """Evidence items from ``doc[html_signals]`` and ``doc[lang]``; empty when the document has no markup."""
    signals = doc.get(d.HTML_SIGNALS) or {}
    markers = set(signals.get(d.MT_MARKERS) or [])
    generator = signals.get(d.META_GENERATOR) or ""
    markers |= {m.group(0).lower() for m in _GENERATOR_PLUGINS.finditer(generator)}
    return _marker_items(markers) + _hreflang_item(signals.get(d.HREFLANG)) + _mismatch_item(signals, doc.get(d.LANG))
