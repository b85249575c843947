"""The brief: what a policy reader needs from a case and its run, in HTML and PDF.

:func:`write_brief` simulates a case, analyses which inputs drive its key outputs, and writes
a self-contained HTML file (charts embedded) and optionally a PDF (WeasyPrint), in English,
Korean or any language with a gettext catalog under ``locale/``.

>>> import yubi
>>> from yubi.brief import write_brief
>>> files = write_brief(yubi.load_case(), "out", language="ko", pdf=True)  # doctest: +SKIP

The parts: :mod:`.analyses` (the numbers), :mod:`.build` (what each section shows),
:mod:`.charts` (matplotlib), :mod:`.formatting` (numbers and words per language),
:mod:`.i18n` (catalogs), :mod:`.render` (Jinja2 and WeasyPrint).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yubi.brief.analyses import Analyses, Timings, run_analyses
    from yubi.brief.build import Brief, build_brief
    from yubi.brief.formatting import Formatter
    from yubi.brief.i18n import available_languages, load_translations
    from yubi.brief.render import (
        BriefFiles,
        prepare,
        render_html,
        write_brief,
        write_briefs,
        write_pdf,
    )

__all__ = [
    "Analyses",
    "Brief",
    "BriefFiles",
    "Formatter",
    "Timings",
    "available_languages",
    "build_brief",
    "load_translations",
    "prepare",
    "render_html",
    "run_analyses",
    "write_brief",
    "write_briefs",
    "write_pdf",
]

# Imported on first use, so the catalog tools (python -m yubi.brief.i18n) and the formatter
# load without matplotlib, WeasyPrint or the analyses.
_HOMES = {
    "Analyses": "analyses", "Timings": "analyses",
    "run_analyses": "analyses", "Brief": "build", "build_brief": "build",
    "Formatter": "formatting", "available_languages": "i18n", "load_translations": "i18n",
    "BriefFiles": "render", "prepare": "render", "render_html": "render", "write_brief": "render",
    "write_briefs": "render", "write_pdf": "render",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'yubi.brief' has no attribute {name!r}")
    return getattr(importlib.import_module(f"yubi.brief.{_HOMES[name]}"), name)
