"""Links a reader may follow, and a check that a page carries no script.

:func:`safe_url` is what the brief (and any page yubi writes) puts in an ``href``: an http or
https URL, else nothing. :func:`html_problems` reads a finished HTML document and lists what
could run code when it is opened: ``<script>`` (also inside SVG), ``on*`` event-handler
attributes, links and sources with a scheme other than http/https (``javascript:``,
``vbscript:``, ``data:`` except raster and SVG images in ``img src``), embedding elements
(``iframe``, ``object``, ``embed``, ``base``, ``form``), ``<meta http-equiv="refresh">`` and
``javascript:`` or ``expression(`` inside CSS. Tests assert it is empty for the brief and for
the workbench's pages; it uses only the standard library.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

__all__ = ["html_problems", "safe_url"]

_URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite",
    "data", "codebase", "longdesc", "manifest", "ping", "srcset", "lowsrc", "dynsrc",
})
_FORBIDDEN_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "base", "form",
                             "applet", "frameset"})
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml)(;base64)?,", re.IGNORECASE)
_CSS_DANGER = re.compile(r"javascript:|vbscript:|expression\s*\(|@import|behavior\s*:",
                         re.IGNORECASE)
#: Characters browsers drop from a URL before reading its scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None``."""
    if not url:
        return None
    text = url.strip()
    if _IGNORED_IN_SCHEME.search(text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def html_problems(html: str) -> list[str]:
    """What in ``html`` could run a script or leave the page; empty when it is safe."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"line {self.getpos()[0]}"
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"{where}: <{tag}> element")
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{where}: event-handler attribute {name}= on <{tag}>")
            elif name in _URL_ATTRIBUTES and not _allowed_url(tag, name, value):
                self.problems.append(f"{where}: <{tag} {name}={value[:60]!r}> is not an "
                                     "http(s) link")
            elif name == "style" and _CSS_DANGER.search(value):
                self.problems.append(f"{where}: script in the style of <{tag}>")
            elif (tag == "meta" and name == "http-equiv"
                  and value.strip().lower() == "refresh"):
                self.problems.append(f"{where}: <meta http-equiv=refresh>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_DANGER.search(data):
            self.problems.append(f"line {self.getpos()[0]}: script in a <style> element")


def _allowed_url(tag: str, name: str, value: str) -> bool:
    text = value.strip()
    if name == "srcset":
        return all(_allowed_url(tag, "src", part.strip().split(" ")[0])
                   for part in text.split(",") if part.strip())
    if text.startswith("#"):  # a link inside the page
        return True
    if tag == "img" and name == "src" and _IMAGE_DATA.match(text):
        return True
    if not urlsplit(_IGNORED_IN_SCHEME.sub("", text)).scheme:
        return True  # relative ("/cases/x", "style.css"): no scheme, so no script
    return safe_url(text) is not None
