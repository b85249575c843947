"""Render a brief to a self-contained HTML file and, through WeasyPrint, to a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from yubi.app.settings import Settings
from yubi.brief.analyses import Analyses, Timings, run_analyses
from yubi.brief.build import Brief, build_brief
from yubi.brief.drivers import draw_tornadoes
from yubi.brief.formatting import Formatter
from yubi.brief.i18n import load_translations
from yubi.brief.outlook import draw_outlook
from yubi.brief.pdf import (
    HARFBUZZ_PACKAGE,
    Typesetter,
    harfbuzz_subset_missing,
    keep_korean_words,
    write_pdf,
)
from yubi.case.model import Case
from yubi.errors import UsageError

# keep_korean_words, write_pdf and the HarfBuzz check live in yubi.brief.pdf; named here too.
__all__ = ["HARFBUZZ_PACKAGE", "BriefFiles", "harfbuzz_subset_missing", "keep_korean_words",
           "prepare", "render_html", "write_brief", "write_briefs", "write_pdf"]

TEMPLATE = "brief.html.j2"


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


def prepare(case: Case, settings: Settings, languages: Sequence[str] = ("en",),
            timings: Timings | None = None) -> Analyses:
    """Run the analyses of ``case``, drawing the charts for ``languages`` meanwhile.

    The fan charts need only the run, the tornado diagrams only the tornado analyses: each
    set is drawn in a forked process as soon as its numbers exist, while the other analyses
    go on (see :func:`run_analyses`). ``analyses.alongside`` holds an :class:`Outlook` per
    language.
    """
    formatters = [Formatter(language, load_translations(language)) for language in languages]

    def draw(partial: Analyses, stage: str) -> dict[str, Any]:
        if stage == "run":
            return {f.language: draw_outlook(partial, f) for f in formatters}
        return {f.language: draw_tornadoes(partial, f) for f in formatters}

    analyses = run_analyses(case, settings, timings, alongside=draw)
    drawn = analyses.alongside or {}
    outlooks = {
        language: replace(outlook, tornado_charts=drawn.get("tornado", {}).get(language, {}))
        for language, outlook in drawn.get("run", {}).items()
    }
    return replace(analyses, alongside=outlooks)


def write_brief(
    case: Case,
    out_dir: str | Path,
    *,
    language: str = "en",
    settings: Settings | None = None,
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
        Samples, seed, month and sensitivity sizes; defaults to :class:`Settings`.
    pdf
        Also write the PDF.
    analyses
        Reuse analyses already run (e.g. to write the brief in a second language).
    """
    return write_briefs(case, out_dir, [language], settings=settings, pdf=pdf,
                        analyses=analyses)[0]


def write_briefs(
    case: Case,
    out_dir: str | Path,
    languages: Sequence[str],
    *,
    settings: Settings | None = None,
    pdf: bool = False,
    analyses: Analyses | None = None,
    typesetter: Typesetter | None = None,
) -> list[BriefFiles]:
    """:func:`write_brief` in several languages from one run of the analyses.

    The PDFs (WeasyPrint, one core each) are typeset in parallel forked processes, one per
    language up to the number of cores, where ``fork`` is available: ``typesetter``'s, when
    given (started early, so its set-up overlaps the analyses), else new ones.
    """
    formatters = [Formatter(lang, load_translations(lang)) for lang in languages]  # fail early
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file, not a folder")
    if analyses is None:
        analyses = prepare(case, settings or Settings(), languages)
    timings = analyses.timings
    pages: list[tuple[str, Path]] = []
    for formatter in formatters:
        language = formatter.language
        with timings.step(f"tables and tornado charts ({language})"):
            brief = build_brief(analyses, formatter)
        with timings.step(f"HTML ({language})"):
            html = render_html(brief)
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"{case.id}-brief.{language}"
            html_path = folder / f"{stem}.html"
            html_path.write_text(html, encoding="utf-8")
        pages.append((html, html_path.with_suffix(".pdf")))
    pdfs: list[Path | None] = [None] * len(pages)
    if pdf:
        with timings.step(f"PDF ({', '.join(languages)})"):
            if typesetter is None and len(pages) == 1:
                pdfs = [write_pdf(*pages[0])]
            elif typesetter is None:
                with Typesetter(len(pages)) as own:
                    pdfs = list(own.typeset(pages))
            else:
                pdfs = list(typesetter.typeset(pages))
    return [BriefFiles(html_path.with_suffix(".html"), pdf_path, timings)
            for (_, html_path), pdf_path in zip(pages, pdfs, strict=True)]
