"""``yubi serve``: the team's workbench, a FastAPI app on the same store as the CLI.

:func:`create_app` builds the app from :class:`WebSettings`; :mod:`.auth` says who a request
acts as and what it may do; :mod:`.api` is the REST API under ``/api/v1``; :mod:`.login` the
login pages; :mod:`.pages` (when present) the workbench pages. Needs the ``web`` extra:
``pip install 'yubi[web]'``. Nothing here is imported by ``import yubi``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yubi.web.settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["WebSettings", "create_app"]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The workbench app (see :func:`yubi.web.app.create_app`)."""
    from yubi.web.app import create_app as build

    return build(settings)
