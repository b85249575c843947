"""Render a brief to a self-contained HTML file and, through WeasyPrint, to a PDF."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from yubi.brief.analyses import Analyses, BriefSettings, Timings, run_analyses
from yubi.brief.build import Brief, Outlook, build_brief, draw_outlook
from yubi.brief.formatting import Formatter
from yubi.brief.i18n import load_translations
from yubi.case.model import Case
from yubi.errors import UsageError

__all__ = ["BriefFiles", "keep_korean_words", "prepare", "render_html", "write_brief",
           "write_pdf"]

TEMPLATE = "brief.html.j2"
#: Hangul (jamo, compatibility jamo, syllables) next to another non-space character.
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
_INSIDE_WORD = re.compile(f"(?<=[{_HANGUL}])(?=[^\\s<>])|(?<=[^\\s<>])(?=[{_HANGUL}])")
WORD_JOINER = "\u2060"


def keep_korean_words(html: str) -> str:
    """Forbid line breaks inside Korean words, for WeasyPrint.

    Korean breaks lines between words (at spaces), as CSS ``word-break: keep-all`` asks and
    browsers do; WeasyPrint ignores ``keep-all`` and breaks between any two syllables. A WORD
    JOINER (U+2060, invisible, dropped from the PDF's text layer) between the characters of
    a word containing Hangul keeps it whole.
    """
    return _INSIDE_WORD.sub(WORD_JOINER, html)


@dataclass(frozen=True)
class BriefFiles:
    """What :func:`write_brief` wrote, and how long each step took."""

    html: Path
    pdf: Path | None
    timings: Timings


def _environment(language: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("yubi.brief", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    translations = load_translations(language)
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


def render_html(brief: Brief) -> str:
    """The brief as one HTML document: inline CSS, charts as ``data:`` URIs, no scripts."""
    from yubi import __version__

    template = _environment(brief.language).get_template(TEMPLATE)
    return template.render(brief=brief, version=__version__)


def write_pdf(html: str, path: Path) -> Path:
    """Typeset ``html`` on A4 pages with WeasyPrint and write it to ``path``."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=keep_korean_words(html), base_url=None).write_pdf(path)
    return path


def prepare(case: Case, settings: BriefSettings, languages: Sequence[str] = ("en",),
            timings: Timings | None = None) -> Analyses:
    """Run the analyses of ``case``, drawing section 2's charts for ``languages`` meanwhile.

    The fan charts need only the run; they are drawn in a forked process while the
    sensitivity analyses run (two cores: about two seconds saved on the bundled case).
    """
    for language in languages:
        load_translations(language)  # an unknown language fails before any work is done

    def draw(partial: Analyses) -> dict[str, Outlook]:
        return {language: draw_outlook(partial, Formatter(language, load_translations(language)))
                for language in languages}

    return run_analyses(case, settings, timings, alongside=draw)


def write_brief(
    case: Case,
    out_dir: str | Path,
    *,
    language: str = "en",
    settings: BriefSettings | None = None,
    pdf: bool = False,
    analyses: Analyses | None = None,
) -> BriefFiles:
    """Run the analyses of ``case`` and write its brief to ``out_dir``.

    Parameters
    ----------
    case
        The compiled case.
    out_dir
        Folder for ``<case id>-brief.<language>.html`` (and ``.pdf``); created if missing.
    language
        ``en``, ``ko`` or any language with a catalog (:func:`available_languages`).
    settings
        Samples, seed, month and sensitivity sizes; defaults to :class:`BriefSettings`.
    pdf
        Also write the PDF.
    analyses
        Reuse analyses already run (e.g. to write the brief in a second language).
    """
    translations = load_translations(language)  # fails early on an unknown language
    formatter = Formatter(language, translations)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file, not a folder")
    if analyses is None:
        analyses = prepare(case, settings or BriefSettings(), [language])
    timings = analyses.timings
    with timings.step(f"tables and tornado charts ({language})"):
        brief = build_brief(analyses, formatter)
    with timings.step(f"HTML ({language})"):
        html = render_html(brief)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{case.id}-brief.{language}"
        html_path = folder / f"{stem}.html"
        html_path.write_text(html, encoding="utf-8")
    pdf_path = None
    if pdf:
        with timings.step(f"PDF ({language})"):
            pdf_path = write_pdf(html, folder / f"{stem}.pdf")
    return BriefFiles(html_path, pdf_path, timings)
