"""Realistic web pages around a text: site chrome (nav, related links, footer, cookie banner), ``<html lang>``,
optional hreflang alternates and optional machine-translation widget markup, plus the HTTP response head.

Chrome words are short UI labels written here per language (no corpus text), so boilerplate removal is exercised
in the page's own language.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass

_CHROME = {  # home, news, about, contact, related, all rights reserved, cookie notice
    "en": ("Home", "News", "About us", "Contact", "Related articles", "All rights reserved.",
           "We use cookies to improve your experience."),
    "de": ("Startseite", "Nachrichten", "Über uns", "Kontakt", "Verwandte Artikel", "Alle Rechte vorbehalten.",
           "Wir verwenden Cookies, um Ihr Erlebnis zu verbessern."),
    "cs": ("Domů", "Zprávy", "O nás", "Kontakt", "Související články", "Všechna práva vyhrazena.",
           "Používáme soubory cookie ke zlepšení vašeho zážitku."),
    "hr": ("Početna", "Vijesti", "O nama", "Kontakt", "Povezani članci", "Sva prava pridržana.",
           "Koristimo kolačiće kako bismo poboljšali vaše iskustvo."),
    "ru": ("Главная", "Новости", "О нас", "Контакты", "Похожие статьи", "Все права защищены.",
           "Мы используем файлы cookie, чтобы улучшить ваш опыт."),
    "uk": ("Головна", "Новини", "Про нас", "Контакти", "Схожі статті", "Усі права захищені.",
           "Ми використовуємо файли cookie, щоб покращити ваш досвід."),
    "he": ("דף הבית", "חדשות", "אודות", "צור קשר", "כתבות קשורות", "כל הזכויות שמורות.",
           "אנו משתמשים בעוגיות כדי לשפר את חוויית הגלישה."),
    "ja": ("ホーム", "ニュース", "会社概要", "お問い合わせ", "関連記事", "無断転載を禁じます。",
           "当サイトではクッキーを使用しています。"),
    "zh": ("首页", "新闻", "关于我们", "联系我们", "相关文章", "版权所有。", "我们使用 Cookie 来改善您的体验。"),
}
_RTL = {"he"}
HEADLINE_CHARS = 150  # a first line this short (of several) is the page's headline
_GENERATORS = ("WordPress 6.4.2", "Drupal 10 (https://www.drupal.org)", "Hugo 0.121.1", "Joomla! - Open Source")
_SERVERS = ("nginx", "Apache/2.4.57 (Debian)", "cloudflare", "Microsoft-IIS/10.0")
_GOOGLE_TRANSLATE = (
    '<div id="google_translate_element"></div>\n<script type="text/javascript">function googleTranslateElementInit()'
    " {{ new google.translate.TranslateElement({{pageLanguage: '{lang}', autoDisplay: false}},"
    " 'google_translate_element'); }}</script>\n<script type=\"text/javascript\" src=\"//translate.google.com/"
    'translate_a/element.js?cb=googleTranslateElementInit"></script>'
)
_GTRANSLATE = (
    '<div class="gtranslate_wrapper"></div>\n'
    '<script src="https://cdn.gtranslate.net/widgets/latest/float.js" defer></script>'
)
_WEGLOT = '<script type="text/javascript" src="https://cdn.weglot.com/weglot.min.js"></script>'
MT_WIDGETS = {"google_translate": _GOOGLE_TRANSLATE, "gtranslate": _GTRANSLATE, "weglot": _WEGLOT}


@dataclass(frozen=True)
class PageFeatures:
    """What was planted in one page (recorded in the truth file)."""

    html_lang: str | None
    hreflang: tuple[str, ...]
    mt_widget: str | None
    meta_generator: str | None


def choose_features(lang: str, hreflang_rate: float, widget_rate: float, rng: random.Random) -> PageFeatures:
    """Random page features: mostly a correct ``<html lang>``, sometimes none or a wrong template default."""
    roll = rng.random()
    html_lang = lang if roll < 0.8 else (None if roll < 0.9 else "en")
    alternates: tuple[str, ...] = ()
    if rng.random() < hreflang_rate:
        others = [code for code in _CHROME if code != lang]
        alternates = (lang, *sorted(rng.sample(others, rng.randint(1, 4))))
    widget = rng.choice(sorted(MT_WIDGETS)) if rng.random() < widget_rate else None
    generator = rng.choice(_GENERATORS) if rng.random() < 0.4 else None
    return PageFeatures(html_lang, alternates, widget, generator)


def render_page(text: str, lang: str, url: str, features: PageFeatures, rng: random.Random) -> str:
    """An HTML page whose main content is ``text`` (a short first line as ``<h1>``, one ``<p>`` per other line)."""
    home, news, about, contact, related, rights, cookies = _CHROME.get(lang, _CHROME["en"])
    site = url.split("/")[2]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    has_headline = len(lines) > 1 and len(lines[0]) <= HEADLINE_CHARS
    heading = f"<h1>{html.escape(lines[0])}</h1>\n" if has_headline else ""
    body_lines = lines[1:] if has_headline else lines
    title = html.escape(lines[0][:80]) if lines else site
    head = ['<meta charset="utf-8">', f"<title>{title} | {site}</title>",
            '<meta name="viewport" content="width=device-width, initial-scale=1">']
    if features.meta_generator:
        head.append(f'<meta name="generator" content="{features.meta_generator}">')
    path = url.split("/", 3)[3]
    head += [f'<link rel="alternate" hreflang="{code}" href="https://{site}/{code}/{path}">'
             for code in features.hreflang]
    nav = "".join(f'<li><a href="/{slug}">{label}</a></li>' for slug, label in
                  (("", home), ("news", news), ("about", about), ("contact", contact)))
    links = "".join(f'<li><a href="/news/{rng.randrange(10**6)}">{news} {rng.randrange(1, 999)}</a></li>'
                    for _ in range(rng.randint(2, 6)))
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body_lines)
    attributes = f' lang="{features.html_lang}"' if features.html_lang else ""
    attributes += ' dir="rtl"' if lang in _RTL else ""
    widget = MT_WIDGETS[features.mt_widget].format(lang=lang) if features.mt_widget else ""
    return (
        f"<!DOCTYPE html>\n<html{attributes}>\n<head>\n" + "\n".join(head) + "\n</head>\n<body>\n"
        f'<header><a class="logo" href="/">{site}</a><nav><ul>{nav}</ul></nav>{widget}</header>\n'
        f'<main><article>\n{heading}{paragraphs}\n</article>\n'
        f'<aside><h2>{related}</h2><ul>{links}</ul></aside></main>\n'
        f'<footer><p>© {rng.randint(2005, 2024)} {site}. {rights}</p><ul>{nav}</ul></footer>\n'
        f'<div class="cookie-banner">{cookies} <button>OK</button></div>\n</body>\n</html>\n'
    )


def http_head(body_length: int, date: str, features: PageFeatures, lang: str, rng: random.Random) -> bytes:
    """The HTTP/1.1 response head for a page of ``body_length`` bytes."""
    lines = ["HTTP/1.1 200 OK", f"Date: {date}", f"Server: {rng.choice(_SERVERS)}",
             "Content-Type: text/html; charset=utf-8", f"Content-Length: {body_length}"]
    if rng.random() < 0.3:
        lines.append(f"Content-Language: {lang}")
    if rng.random() < 0.5:
        lines.append(f"Last-Modified: {date}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
